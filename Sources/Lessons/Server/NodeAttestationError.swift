/// Why the server refused to attest a node; the agent prints it and exits non-zero.
public enum NodeAttestationError: Error, Sendable, CustomStringConvertible {
    case refused(String)

    public var description: String {
        switch self {
        case .refused(let reason): return reason
        }
    }
}
