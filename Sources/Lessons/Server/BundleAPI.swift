import Foundation
import GRPCCore
import SpiffeFormats
import SpireAPIProto

/// bundle.v1.Bundle: the trust domain's bundle, which agents fetch on every sync.
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
        let contents = state.dataStore.snapshot
        var bundle = Spire_Api_Types_Bundle()
        bundle.trustDomain = state.trustDomain.name
        bundle.x509Authorities = try contents.bundleRoots
            .flatMap { try PEM.certificates(fromPEM: $0, source: "datastore bundle") }
            .map { certificate in
                var authority = Spire_Api_Types_X509Certificate()
                authority.asn1 = Data(try PEM.der([certificate]))
                return authority
            }
        bundle.sequenceNumber = contents.bundleSequence
        bundle.refreshHint = 300
        return bundle
    }
}
