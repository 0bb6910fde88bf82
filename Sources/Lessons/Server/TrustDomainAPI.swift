import Foundation
import GRPCCore
import SpiffeAgent
import SpiffeBundles
import SpiffeIdentity
import SpireAPIProto

/// trustdomain.v1.TrustDomain: the server's federation relationships, managed on the admin
/// socket (`spiffe-demo federation … -socketPath`, as `spire-server federation`). The server's
/// FederationRefresher notices a change on its next poll and fetches the new trust domain's bundle.
public struct TrustDomainAPI: Spire_Api_Server_Trustdomain_V1_TrustDomain.SimpleServiceProtocol {
    public let state: ServerState
    public let listener: ServerState.Listener

    public init(state: ServerState, listener: ServerState.Listener) {
        self.state = state
        self.listener = listener
    }

    public func listFederationRelationships(
        request: Spire_Api_Server_Trustdomain_V1_ListFederationRelationshipsRequest, context: ServerContext
    ) async throws -> Spire_Api_Server_Trustdomain_V1_ListFederationRelationshipsResponse {
        try state.require(listener, in: [.admin], "ListFederationRelationships")
        let contents = state.dataStore.snapshot
        var response = Spire_Api_Server_Trustdomain_V1_ListFederationRelationshipsResponse()
        response.federationRelationships = try contents.federationRelationships.map { relationship in
            try .init(relationship, bundle: DataStoreFederation.bundle(for: relationship.trustDomain, in: contents))
        }
        return response
    }

    public func batchCreateFederationRelationship(
        request: Spire_Api_Server_Trustdomain_V1_BatchCreateFederationRelationshipRequest, context: ServerContext
    ) async throws -> Spire_Api_Server_Trustdomain_V1_BatchCreateFederationRelationshipResponse {
        try state.require(listener, in: [.admin], "BatchCreateFederationRelationship")
        var response = Spire_Api_Server_Trustdomain_V1_BatchCreateFederationRelationshipResponse()
        for wire in request.federationRelationships {
            var result = Spire_Api_Server_Trustdomain_V1_BatchCreateFederationRelationshipResponse.Result()
            do {
                let relationship = try create(wire)
                result.status.message = "OK"
                result.federationRelationship = try .init(relationship)
            } catch let error as RPCError {
                result.status.code = Int32(error.code.rawValue)
                result.status.message = error.message
            } catch AgentError.badEntry(let reason) {
                result.status.code = Int32(RPCError.Code.invalidArgument.rawValue)
                result.status.message = reason
            } catch {
                result.status.code = Int32(RPCError.Code.invalidArgument.rawValue)
                result.status.message = "\(error)"
            }
            response.results.append(result)
        }
        return response
    }

    /// One relationship: checked, stored, and its bootstrap bundle (if any) kept as that trust
    /// domain's bundle, replacing the one held, as SPIRE does. Like SPIRE's server, the model takes
    /// a bootstrap bundle of the relationship's own trust domain only.
    private func create(_ wire: Spire_Api_Types_FederationRelationship) throws -> FederationRelationship {
        let relationship = try wire.federationRelationship()
        guard relationship.trustDomain != state.trustDomain else {
            throw RPCError(code: .invalidArgument, message: "\(relationship.trustDomain) is this server's own trust domain")
        }
        var bootstrap: SpiffeBundle?
        if wire.hasTrustDomainBundle {
            let domain: TrustDomain
            do { domain = try TrustDomain(wire.trustDomainBundle.trustDomain) } catch {
                throw RPCError(code: .invalidArgument, message: "trust_domain_bundle: trust domain \"\(wire.trustDomainBundle.trustDomain)\": \(error)")
            }
            guard domain == relationship.trustDomain else {
                throw RPCError(code: .invalidArgument, message: "the trust domain bundle (\(domain)) must be of the relationship's trust domain (\(relationship.trustDomain)), as SPIRE requires")
            }
            bootstrap = try wire.trustDomainBundle.spiffeBundle(expected: domain)
        }
        try relationship.checkFirstBundle(
            held: bootstrap != nil || DataStoreFederation.bundle(for: relationship.trustDomain, in: state.dataStore.snapshot) != nil)
        let exists = try state.dataStore.update { contents -> Bool in
            if contents.federationRelationships.contains(where: { $0.trustDomain == relationship.trustDomain }) { return true }
            contents.federationRelationships.append(relationship)
            contents.federationRelationships.sort { $0.trustDomain < $1.trustDomain }
            return false
        }
        if exists {
            throw RPCError(code: .alreadyExists, message: "a federation relationship with \(relationship.trustDomain) already exists (federation delete it first)")
        }
        if let bootstrap { try DataStoreFederation(dataStore: state.dataStore).saveBundle(bootstrap) }
        state.logger.info("federation relationship created: \(relationship.trustDomain) at \(relationship.bundleEndpointURL) (\(relationship.bundleEndpointProfile))")
        return relationship
    }

    public func batchDeleteFederationRelationship(
        request: Spire_Api_Server_Trustdomain_V1_BatchDeleteFederationRelationshipRequest, context: ServerContext
    ) async throws -> Spire_Api_Server_Trustdomain_V1_BatchDeleteFederationRelationshipResponse {
        try state.require(listener, in: [.admin], "BatchDeleteFederationRelationship")
        var response = Spire_Api_Server_Trustdomain_V1_BatchDeleteFederationRelationshipResponse()
        for name in request.trustDomains {
            var result = Spire_Api_Server_Trustdomain_V1_BatchDeleteFederationRelationshipResponse.Result()
            result.trustDomain = name
            guard let domain = try? TrustDomain(name) else {
                result.status.code = Int32(RPCError.Code.invalidArgument.rawValue)
                result.status.message = "\"\(name)\" is not a trust domain name"
                response.results.append(result)
                continue
            }
            // The bundle stays (SPIRE's `bundle delete` would remove it): entries that federate
            // with the trust domain keep getting the last one fetched.
            let removed = try state.dataStore.update { contents -> Bool in
                let before = contents.federationRelationships.count
                contents.federationRelationships.removeAll { $0.trustDomain == domain }
                return before != contents.federationRelationships.count
            }
            if removed {
                result.status.message = "OK"
                state.logger.info("federation relationship deleted: \(domain)")
            } else {
                result.status.code = Int32(RPCError.Code.notFound.rawValue)
                result.status.message = "no federation relationship with \(domain)"
            }
            response.results.append(result)
        }
        return response
    }
}
