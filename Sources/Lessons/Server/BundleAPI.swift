import Foundation
import GRPCCore
import SpiffeAgent
import SpiffeIdentity
import SpireAPIProto

/// bundle.v1.Bundle: the trust domain's bundle, and the bundles of the trust domains it federates
/// with; agents fetch both on every sync.
public struct BundleAPI: Spire_Api_Server_Bundle_V1_Bundle.SimpleServiceProtocol {
    public let state: ServerState
    public let listener: ServerState.Listener

    public init(state: ServerState, listener: ServerState.Listener) {
        self.state = state
        self.listener = listener
    }

    public func getBundle(
        request: Spire_Api_Server_Bundle_V1_GetBundleRequest, context: ServerContext
    ) async throws -> Spire_Api_Types_Bundle {
        try .init(try state.spiffeBundle())
    }

    /// A foreign trust domain's bundle, as the server last fetched it (or was given it). Agents
    /// ask for every trust domain their entries federate with; SPIRE lets any attested agent ask.
    public func getFederatedBundle(
        request: Spire_Api_Server_Bundle_V1_GetFederatedBundleRequest, context: ServerContext
    ) async throws -> Spire_Api_Types_Bundle {
        try state.require(listener, in: [.admin, .agent], "GetFederatedBundle")
        if listener == .agent { _ = try state.authenticatedAgent(context) }
        guard let domain = try? TrustDomain(request.trustDomain) else {
            throw RPCError(code: .invalidArgument, message: "trust domain argument is not valid: \"\(request.trustDomain)\"")
        }
        guard domain != state.trustDomain else {
            throw RPCError(code: .invalidArgument, message: "\(domain) is this server's own trust domain: GetBundle returns its bundle")
        }
        guard let bundle = DataStoreFederation.bundle(for: domain, in: state.dataStore.snapshot) else {
            throw RPCError(code: .notFound, message: "no bundle of \(domain): no federation relationship has fetched one yet")
        }
        return try .init(bundle)
    }
}
