/// What can go wrong in the local agent and its entry store, in words a learner can act on.
public enum AgentError: Error, Equatable, Sendable, CustomStringConvertible {
    case badSelector(String, reason: String)
    case badEntry(String)
    case entryNotFound(String)
    case entryExists(String)
    case dataDirectory(path: String, reason: String)
    case trustDomainMismatch(dataDirectory: String, existing: String, requested: String)
    case socket(path: String, reason: String)
    case attestation(String)
    case nodeAttestation(String)

    public var description: String {
        switch self {
        case .badSelector(let selector, let reason):
            return "selector \"\(selector)\" is not valid: \(reason)"
        case .badEntry(let reason):
            return "registration entry is not valid: \(reason)"
        case .entryNotFound(let id):
            return "no registration entry with ID \(id)"
        case .entryExists(let id):
            return "a similar entry already exists (entry ID \(id)): same SPIFFE ID, parent and selectors"
        case .dataDirectory(let path, let reason):
            return "data directory \(path): \(reason)"
        case .trustDomainMismatch(let directory, let existing, let requested):
            return "data directory \(directory) holds the CA of trust domain \(existing), not \(requested); use another --data-dir or --trust-domain \(existing)"
        case .socket(let path, let reason):
            return "socket \(path): \(reason)"
        case .attestation(let reason):
            return "could not attest the caller: \(reason)"
        case .nodeAttestation(let reason):
            return "node attestation failed: \(reason)"
        }
    }
}
