import Foundation
import GRPCCore
import SpiffeAgent
import SpiffeFormats
import SpireAPIProto

/// svid.v1.SVID: the server signs workload SVIDs from the agent's CSRs.
public struct SVIDAPI: Spire_Api_Server_Svid_V1_SVID.SimpleServiceProtocol {
    public let state: ServerState
    public let listener: ServerState.Listener

    public init(state: ServerState, listener: ServerState.Listener) {
        self.state = state
        self.listener = listener
    }

    // step: server-batch-new-x509-svid
    /// One CSR per entry. Each is signed only if the entry is one this agent is authorized
    /// for; the SPIFFE ID and lifetime come from the entry, never from the CSR. Each result
    /// stands alone: one bad CSR does not fail the others.
    public func batchNewX509SVID(
        request: Spire_Api_Server_Svid_V1_BatchNewX509SVIDRequest, context: ServerContext
    ) async throws -> Spire_Api_Server_Svid_V1_BatchNewX509SVIDResponse {
        try state.require(listener, in: [.agent], "BatchNewX509SVID")
        let agent = try state.authenticatedAgent(context)
        let authorized = Dictionary(state.authorizedEntries(for: agent.spiffeID).map { ($0.entryID, $0) }, uniquingKeysWith: { a, _ in a })
        var response = Spire_Api_Server_Svid_V1_BatchNewX509SVIDResponse()
        for params in request.params {
            var result = Spire_Api_Server_Svid_V1_BatchNewX509SVIDResponse.Result()
            if let entry = authorized[params.entryID] {
                do {
                    let chain = try state.sign(csrDER: params.csr, for: entry.spiffeID, ttl: TimeInterval(entry.x509SVIDTTL))
                    result.svid = try ServerState.wire(chain, id: entry.spiffeID, hint: entry.hint)
                    result.status.code = 0
                    result.status.message = "OK"
                    state.logger.info("SVID signed: \(entry.spiffeID) (entry \(entry.entryID)) for agent \(agent.spiffeID), serial \(CertificateNames.hex(chain[0].serialNumber.bytes)), expires \(TimeText.iso(chain[0].notValidAfter))")
                } catch {
                    result.status.code = Int32(RPCError.Code.invalidArgument.rawValue)
                    result.status.message = "\(error)"
                }
            } else {
                result.status.code = Int32(RPCError.Code.notFound.rawValue)
                result.status.message = "entry \(params.entryID) not found or not authorized for \(agent.spiffeID)"
                state.logger.warning("refused a CSR from \(agent.spiffeID) for entry \(params.entryID): not one of its entries")
            }
            response.results.append(result)
        }
        return response
    }
    // end-step
}
