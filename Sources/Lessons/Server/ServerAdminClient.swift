import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SpiffeAgent
import SpiffeBundles
import SpiffeIdentity
import SpireAPIProto

/// A client of the server's admin socket: what `spiffe-demo token generate`, `entry … -socketPath`,
/// `bundle show -socketPath` and `agent list` use (spire-server's commands use the same socket).
public struct ServerAdminClient: Sendable {
    public let socketPath: String
    /// How long each call may take (`options`); the CLI's `--timeout`.
    public let timeout: Duration

    public init(socketPath: String, timeout: Duration = .seconds(5)) {
        self.socketPath = socketPath
        self.timeout = timeout
    }

    /// Runs `body` with a connected client. A missing socket is an error at once, not a hang;
    /// every call gives up after `timeout` (`options`).
    public func with<T: Sendable>(_ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> T) async throws -> T {
        guard FileManager.default.fileExists(atPath: socketPath) else {
            throw ServerError.unreachable(address: socketPath, reason: "no such socket: start `spiffe-demo server --socket \(socketPath)` first, or pass -socketPath")
        }
        let transport = try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: socketPath), transportSecurity: .plaintext)
        return try await withGRPCClient(transport: transport) { try await body($0) }
    }

    /// The options of every call: its deadline.
    public var options: CallOptions {
        var options = CallOptions.defaults
        options.timeout = timeout
        return options
    }

    /// `token generate [-spiffeID alias] [-ttl seconds]`: the token's value.
    public func createJoinToken(ttl: Int = 600, alias: SpiffeID? = nil) async throws -> String {
        var request = Spire_Api_Server_Agent_V1_CreateJoinTokenRequest()
        request.ttl = Int32(clamping: ttl)
        if let alias { request.agentID = .init(alias) }
        return try await with { client in
            try await Spire_Api_Server_Agent_V1_Agent.Client(wrapping: client).createJoinToken(request, options: options).value
        }
    }

    /// `entry create -socketPath`: the entry as stored (with its ID), or the server's refusal.
    @discardableResult
    public func createEntry(_ entry: RegistrationEntry) async throws -> RegistrationEntry {
        var request = Spire_Api_Server_Entry_V1_BatchCreateEntryRequest()
        request.entries = [.init(entry)]
        let result = try await with { client in
            try await Spire_Api_Server_Entry_V1_Entry.Client(wrapping: client).batchCreateEntry(request, options: options).results[0]
        }
        guard result.status.code == 0 else { throw AgentError.badEntry(result.status.message) }
        return try result.entry.registrationEntry()
    }

    /// `bundle show -socketPath`: every root the server's bundle holds, oldest first.
    public func bundle() async throws -> Spire_Api_Types_Bundle {
        try await with { client in
            try await Spire_Api_Server_Bundle_V1_Bundle.Client(wrapping: client).getBundle(.init(), options: options)
        }
    }

    /// `federation create -socketPath`: the relationship as stored, or the server's refusal.
    /// `bootstrap` is the bundle, obtained out of band, that authenticates the first fetch.
    public func createFederationRelationship(_ relationship: FederationRelationship, bootstrap: SpiffeBundle?) async throws {
        var request = Spire_Api_Server_Trustdomain_V1_BatchCreateFederationRelationshipRequest()
        request.federationRelationships = [try .init(relationship, bundle: bootstrap)]
        let result = try await with { client in
            try await Spire_Api_Server_Trustdomain_V1_TrustDomain.Client(wrapping: client)
                .batchCreateFederationRelationship(request, options: options).results[0]
        }
        guard result.status.code == 0 else { throw AgentError.badEntry(result.status.message) }
    }

    /// `federation list -socketPath`: each relationship, with the bundle the server holds for it.
    public func federationRelationships() async throws -> [(FederationRelationship, SpiffeBundle?)] {
        let wire = try await with { client in
            try await Spire_Api_Server_Trustdomain_V1_TrustDomain.Client(wrapping: client)
                .listFederationRelationships(.init(), options: options).federationRelationships
        }
        return try wire.map { relationship in
            let parsed = try relationship.federationRelationship()
            let held = relationship.hasTrustDomainBundle ? try relationship.trustDomainBundle.spiffeBundle(expected: parsed.trustDomain) : nil
            return (parsed, held)
        }
    }

    /// `federation delete -socketPath`: false when there was no such relationship.
    public func deleteFederationRelationship(_ trustDomain: TrustDomain) async throws -> Bool {
        var request = Spire_Api_Server_Trustdomain_V1_BatchDeleteFederationRelationshipRequest()
        request.trustDomains = [trustDomain.name]
        let result = try await with { client in
            try await Spire_Api_Server_Trustdomain_V1_TrustDomain.Client(wrapping: client)
                .batchDeleteFederationRelationship(request, options: options).results[0]
        }
        if result.status.code == Int32(RPCError.Code.notFound.rawValue) { return false }
        guard result.status.code == 0 else { throw AgentError.badEntry(result.status.message) }
        return true
    }
}
