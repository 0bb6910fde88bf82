import Foundation
import GRPCCore
import SpiffeAgent
import SpiffeFormats
import SpiffeIdentity
import SpireAPIProto
import X509

/// agent.v1.Agent: node attestation, agent renewal, join tokens, the list of agents.
public struct AgentAPI: Spire_Api_Server_Agent_V1_Agent.SimpleServiceProtocol {
    public let state: ServerState
    public let listener: ServerState.Listener
    public let attestor: NodeAttestor

    public init(state: ServerState, listener: ServerState.Listener, attestor: NodeAttestor) {
        self.state = state
        self.listener = listener
        self.attestor = attestor
    }

    // step: server-attest-agent
    /// One attestation: the agent sends its attestation data and a CSR; the server verifies the
    /// data (NodeAttestor), records the agent, and returns its SVID.
    public func attestAgent(
        request: RPCAsyncSequence<Spire_Api_Server_Agent_V1_AttestAgentRequest, any Error>,
        response: RPCWriter<Spire_Api_Server_Agent_V1_AttestAgentResponse>,
        context: ServerContext
    ) async throws {
        try state.require(listener, in: [.attestation], "AttestAgent")
        var messages = request.makeAsyncIterator()
        guard let first = try await messages.next(), case .params(let params)? = first.step else {
            throw RPCError(code: .invalidArgument, message: "the first message must carry the attestation params")
        }
        let type = params.data.type
        let agentID: SpiffeID
        do {
            agentID = try attestor.attest(type: type, payload: params.data.payload, state: state)
        } catch {
            state.logger.warning("node attestation refused (\(type) from \(context.remotePeer)): \(error)")
            throw RPCError(code: .permissionDenied, message: "attestation refused: \(error)")
        }
        let chain = try signAgent(csr: params.params.csr, for: agentID)
        try state.dataStore.update { contents in
            // Checked again under the datastore's lock: two copies of one IID sent at once
            // must not both get through.
            if type == "aws_iid", contents.agents.contains(where: { $0.spiffeID == agentID }) {
                throw RPCError(code: .permissionDenied, message: "attestation refused: \(agentID) has already attested")
            }
            contents.agents.removeAll { $0.spiffeID == agentID }
            contents.agents.append(.init(
                spiffeID: agentID, attestationType: type,
                serialNumber: CertificateNames.hex(chain[0].serialNumber.bytes),
                expiresAt: chain[0].notValidAfter, attestedAt: state.now()))
        }
        state.logger.info("node attested: \(agentID) (\(type)), agent SVID serial \(CertificateNames.hex(chain[0].serialNumber.bytes)) signed")
        var result = Spire_Api_Server_Agent_V1_AttestAgentResponse()
        result.result.svid = try ServerState.wire(chain, id: agentID)
        result.result.reattestable = false
        try await response.write(result)
    }
    // end-step

    /// An attested agent renews its SVID before it expires, authenticated by the current one;
    /// from then on only the new serial number authenticates it.
    public func renewAgent(
        request: Spire_Api_Server_Agent_V1_RenewAgentRequest, context: ServerContext
    ) async throws -> Spire_Api_Server_Agent_V1_RenewAgentResponse {
        try state.require(listener, in: [.agent], "RenewAgent")
        let agent = try state.authenticatedAgent(context)
        let chain = try signAgent(csr: request.params.csr, for: agent.spiffeID)
        try state.dataStore.update { contents in
            guard let index = contents.agents.firstIndex(where: { $0.spiffeID == agent.spiffeID }) else { return }
            contents.agents[index].serialNumber = CertificateNames.hex(chain[0].serialNumber.bytes)
            contents.agents[index].expiresAt = chain[0].notValidAfter
        }
        state.logger.info("agent SVID renewed: \(agent.spiffeID), serial \(CertificateNames.hex(chain[0].serialNumber.bytes))")
        var response = Spire_Api_Server_Agent_V1_RenewAgentResponse()
        response.svid = try ServerState.wire(chain, id: agent.spiffeID)
        return response
    }

    // step: server-join-token
    /// `token generate`: a random single-use token, valid for `ttl` seconds (the CLI's default
    /// is 600, as SPIRE's). With `agent_id`, SPIRE also registers that ID as an alias of the agent the token
    /// will make, so entries can be parented by a name chosen in advance.
    public func createJoinToken(
        request: Spire_Api_Server_Agent_V1_CreateJoinTokenRequest, context: ServerContext
    ) async throws -> Spire_Api_Types_JoinToken {
        try state.require(listener, in: [.admin], "CreateJoinToken")
        // As SPIRE: a TTL is required (the CLI sends its default, 600 s).
        guard request.ttl >= 1 else { throw RPCError(code: .invalidArgument, message: "ttl is required, you must provide one") }
        let value = request.token.isEmpty ? UUID().uuidString.lowercased() : request.token
        let expiresAt = state.now() + TimeInterval(request.ttl)
        var alias: RegistrationEntry?
        if request.hasAgentID {
            let aliasID: SpiffeID, tokenAgentID: SpiffeID
            do {
                aliasID = try request.agentID.spiffeID()
                tokenAgentID = try SpiffeID(trustDomain: state.trustDomain, path: "/spire/agent/join_token/\(value)")
            } catch {
                throw RPCError(code: .invalidArgument, message: "agent_id: \(error)")
            }
            // SPIRE accepts an alias only of its own trust domain, with a path, outside the
            // reserved /spire namespace (agents and the server live there).
            guard aliasID.isMember(of: state.trustDomain), !aliasID.isTrustDomainRoot,
                  aliasID.path != "/spire", !aliasID.path.hasPrefix("/spire/") else {
                throw RPCError(code: .invalidArgument, message: "agent_id \(aliasID) must be a path in trust domain \(state.trustDomain) outside /spire")
            }
            do {
                alias = try RegistrationEntry(spiffeID: aliasID, parentID: tokenAgentID,
                                              selectors: [Selector(type: "spiffe_id", value: tokenAgentID.description)])
            } catch {
                throw RPCError(code: .invalidArgument, message: "agent_id: \(error)")
            }
        }
        try state.dataStore.update { contents in
            guard !contents.joinTokens.contains(where: { $0.value == value }) else {
                throw RPCError(code: .alreadyExists, message: "token already exists")
            }
            contents.joinTokens.append(.init(value: value, expiresAt: expiresAt))
            if let alias { contents.entries.append(alias) }
        }
        state.logger.info("join token created, expires \(TimeText.iso(expiresAt))\(alias.map { ", alias \($0.spiffeID)" } ?? "")")
        var token = Spire_Api_Types_JoinToken()
        token.value = value
        token.expiresAt = Int64(expiresAt.timeIntervalSince1970)
        return token
    }
    // end-step

    public func listAgents(
        request: Spire_Api_Server_Agent_V1_ListAgentsRequest, context: ServerContext
    ) async throws -> Spire_Api_Server_Agent_V1_ListAgentsResponse {
        try state.require(listener, in: [.admin], "ListAgents")
        var response = Spire_Api_Server_Agent_V1_ListAgentsResponse()
        response.agents = state.dataStore.snapshot.agents.map { agent in
            var wire = Spire_Api_Types_Agent()
            wire.id = .init(agent.spiffeID)
            wire.attestationType = agent.attestationType
            wire.x509SvidSerialNumber = agent.serialNumber
            wire.x509SvidExpiresAt = Int64(agent.expiresAt.timeIntervalSince1970)
            wire.banned = agent.banned
            return wire
        }
        return response
    }

    /// Agent SVIDs live as long as workload SVIDs by default (SPIRE's agent_ttl defaults to
    /// default_x509_svid_ttl).
    private func signAgent(csr: Data, for id: SpiffeID) throws -> [Certificate] {
        do {
            return try state.sign(csrDER: csr, for: id, ttl: state.defaultX509SVIDTTL)
        } catch {
            throw RPCError(code: .invalidArgument, message: "\(error)")
        }
    }
}
