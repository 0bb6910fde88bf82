import Foundation

/// What stops the server, or one of its commands, with a message that says what to do.
public enum ServerError: Error, Sendable, CustomStringConvertible {
    case dataStore(path: String, reason: String)
    case keyManager(path: String, reason: String)
    case configuration(String)
    case unreachable(address: String, reason: String)

    public var description: String {
        switch self {
        case .dataStore(let path, let reason): return "datastore \(path) \(reason)"
        case .keyManager(let path, let reason): return "CA key \(path): \(reason)"
        case .configuration(let reason): return reason
        case .unreachable(let address, let reason): return "the server's admin API at \(address) does not answer: \(reason)"
        }
    }
}
