import Foundation
import GRPCCore

/// What can go wrong talking to the Workload API, in words a learner can act on.
///
/// The gRPC status codes carry meaning in the Workload API (SPIFFE Workload Endpoint §6):
/// - InvalidArgument: the request is malformed (usually the `workload.spiffe.io` header is
///   missing). Retrying cannot help, so clients do not retry.
/// - PermissionDenied: the agent attested the caller but has no identity for it ("no identity
///   issued"). An operator may register one any moment, so clients retry with backoff.
/// - Unavailable: the agent is not there (yet). Clients retry with backoff.
public enum WorkloadAPIError: Error, Equatable, Sendable, CustomStringConvertible {
    case address(WorkloadAPIAddressError)
    case invalidArgument(String)
    case permissionDenied(String)
    case unavailable(String)
    case unimplemented(String)
    case rpcFailed(code: String, message: String)
    case badResponse(String)
    case timedOut(seconds: Double, lastError: String?)
    case closed

    /// Maps a gRPC error to the Workload API's meaning of its status code.
    public init(_ error: RPCError) {
        switch error.code {
        case .invalidArgument: self = .invalidArgument(error.message)
        case .permissionDenied: self = .permissionDenied(error.message)
        case .unavailable: self = .unavailable(error.message)
        case .unimplemented: self = .unimplemented(error.message)
        default: self = .rpcFailed(code: String(describing: error.code), message: error.message)
        }
    }

    /// Whether the spec says a client should try again later.
    public var isRetryable: Bool {
        switch self {
        case .permissionDenied, .unavailable: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .address(let error):
            return error.description
        case .invalidArgument(let message):
            return "the agent rejected the request as invalid (InvalidArgument): \(message)"
        case .permissionDenied(let message):
            return "the agent has no identity for this process (PermissionDenied): \(message)"
        case .unavailable(let message):
            return "the Workload API is unavailable (is the agent running?): \(message)"
        case .unimplemented(let message):
            return "the agent does not implement this call (Unimplemented): \(message)"
        case .rpcFailed(let code, let message):
            return "Workload API call failed (\(code)): \(message)"
        case .badResponse(let reason):
            return "the agent sent a response that is not valid: \(reason)"
        case .timedOut(let seconds, let lastError):
            let waited = "gave up after \(String(format: "%.1f", seconds)) s"
            return lastError.map { "\(waited); last error: \($0)" } ?? waited
        case .closed:
            return "the Workload API client was closed"
        }
    }
}
