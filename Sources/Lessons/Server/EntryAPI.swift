import Foundation
import GRPCCore
import SpiffeAgent
import SpiffeIdentity
import SpireAPIProto

/// entry.v1.Entry: registration entries, managed on the admin socket and synced by agents.
public struct EntryAPI: Spire_Api_Server_Entry_V1_Entry.SimpleServiceProtocol {
    public let state: ServerState
    public let listener: ServerState.Listener

    public init(state: ServerState, listener: ServerState.Listener) {
        self.state = state
        self.listener = listener
    }

    public func batchCreateEntry(
        request: Spire_Api_Server_Entry_V1_BatchCreateEntryRequest, context: ServerContext
    ) async throws -> Spire_Api_Server_Entry_V1_BatchCreateEntryResponse {
        try state.require(listener, in: [.admin], "BatchCreateEntry")
        var response = Spire_Api_Server_Entry_V1_BatchCreateEntryResponse()
        for wire in request.entries {
            var result = Spire_Api_Server_Entry_V1_BatchCreateEntryResponse.Result()
            do {
                var entry = try wire.registrationEntry(defaultX509SVIDTTL: Int(state.defaultX509SVIDTTL))
                entry.createdAt = state.now()
                guard entry.spiffeID.isMember(of: state.trustDomain) else {
                    throw AgentError.badEntry("\(entry.spiffeID) is not in this server's trust domain \(state.trustDomain)")
                }
                let created = entry
                let existing: RegistrationEntry? = try state.dataStore.update { contents in
                    // As SPIRE's datastore: an entry may federate only with a trust domain whose
                    // bundle the server already holds.
                    for domain in created.federatesWith where !contents.federatedBundles.contains(where: { $0.trustDomain == domain }) {
                        throw AgentError.badEntry("-federatesWith \(domain.idString): the server holds no bundle of \(domain) yet; create the federation relationship first (federation create -socketPath) and wait for its first fetch, or give it -trustDomainBundlePath")
                    }
                    // SPIRE refuses a second entry with the same parent, SPIFFE ID and selectors.
                    if let same = contents.entries.first(where: {
                        $0.parentID == created.parentID && $0.spiffeID == created.spiffeID && $0.selectors == created.selectors
                    }) { return same }
                    contents.entries.append(created)
                    return nil
                }
                if let existing {
                    result.status.code = Int32(RPCError.Code.alreadyExists.rawValue)
                    result.status.message = "similar entry already exists"
                    result.entry = .init(existing)
                } else {
                    result.status.message = "OK"
                    result.entry = .init(created)
                    state.logger.info("entry created: \(created.entryID) \(created.spiffeID) parent \(created.parentID) selectors \(created.selectors.map(\.description).joined(separator: ","))")
                }
            } catch AgentError.badEntry(let reason) {
                // The reason alone: the client says what it was refusing.
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

    public func batchDeleteEntry(
        request: Spire_Api_Server_Entry_V1_BatchDeleteEntryRequest, context: ServerContext
    ) async throws -> Spire_Api_Server_Entry_V1_BatchDeleteEntryResponse {
        try state.require(listener, in: [.admin], "BatchDeleteEntry")
        var response = Spire_Api_Server_Entry_V1_BatchDeleteEntryResponse()
        for id in request.ids {
            var result = Spire_Api_Server_Entry_V1_BatchDeleteEntryResponse.Result()
            result.id = id
            let removed = try state.dataStore.update { contents in
                let before = contents.entries.count
                contents.entries.removeAll { $0.entryID == id }
                return before != contents.entries.count
            }
            if removed {
                result.status.message = "OK"
                state.logger.info("entry deleted: \(id)")
            } else {
                result.status.code = Int32(RPCError.Code.notFound.rawValue)
                result.status.message = "entry not found"
            }
            response.results.append(result)
        }
        return response
    }

    public func listEntries(
        request: Spire_Api_Server_Entry_V1_ListEntriesRequest, context: ServerContext
    ) async throws -> Spire_Api_Server_Entry_V1_ListEntriesResponse {
        try state.require(listener, in: [.admin], "ListEntries")
        let filter = request.filter
        let bySpiffeID = filter.hasBySpiffeID ? try? filter.bySpiffeID.spiffeID() : nil
        let byParentID = filter.hasByParentID ? try? filter.byParentID.spiffeID() : nil
        var response = Spire_Api_Server_Entry_V1_ListEntriesResponse()
        response.entries = state.dataStore.snapshot.entries
            .filter { entry in
                (bySpiffeID.map { $0 == entry.spiffeID } ?? true) && (byParentID.map { $0 == entry.parentID } ?? true)
            }
            .sorted { $0.entryID < $1.entryID }
            .map(Spire_Api_Types_Entry.init)
        return response
    }

    // step: server-get-authorized-entries
    /// What an agent syncs: only the entries it may serve. An agent never learns of entries
    /// parented by another agent, let alone gets their SVIDs.
    public func getAuthorizedEntries(
        request: Spire_Api_Server_Entry_V1_GetAuthorizedEntriesRequest, context: ServerContext
    ) async throws -> Spire_Api_Server_Entry_V1_GetAuthorizedEntriesResponse {
        try state.require(listener, in: [.agent], "GetAuthorizedEntries")
        let agent = try state.authenticatedAgent(context)
        var response = Spire_Api_Server_Entry_V1_GetAuthorizedEntriesResponse()
        response.entries = state.authorizedEntries(for: agent.spiffeID).map(Spire_Api_Types_Entry.init)
        state.logger.debug("entries synced by \(agent.spiffeID): \(response.entries.count)")
        return response
    }
    // end-step
}
