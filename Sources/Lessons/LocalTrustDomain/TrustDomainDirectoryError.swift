import SpiffeIdentity

/// Why a trust domain's directory could not be used, in words that say what to do.
public enum TrustDomainDirectoryError: Error, Equatable, Sendable, CustomStringConvertible {
    case fileProblem(path: String, reason: String)
    case otherTrustDomain(path: String, found: TrustDomain, wanted: TrustDomain)

    public var description: String {
        switch self {
        case .fileProblem(let path, let reason):
            return "\(path): \(reason)"
        case .otherTrustDomain(let path, let found, let wanted):
            return "\(path) holds the trust domain \(found), not \(wanted); use another directory"
        }
    }
}
