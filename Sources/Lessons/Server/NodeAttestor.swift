import Foundation
import SpiffeFormats
import SpiffeIdentity
import X509

/// The server half of node attestation: attestation data in, the agent's SPIFFE ID out.
///
/// Node attestation comes before any workload gets an identity: the server signs workload SVIDs
/// only for entries parented by an attested agent, so everything downstream stands on the
/// server's belief that the agent runs where it says it does.
public struct NodeAttestor: Sendable {
    /// The stand-in for AWS's certificate, when aws_iid is enabled (`--aws-iid-cert`).
    public var awsCertificate: Certificate?
    /// Accounts whose instances may attest; empty means any account.
    public var awsAccounts: Set<String> = []

    public init(awsCertificate: Certificate? = nil, awsAccounts: Set<String> = []) {
        self.awsCertificate = awsCertificate
        self.awsAccounts = awsAccounts
    }

    // step: node-attest
    /// Verifies `type`'s `payload` and returns the agent ID it earns. A join token is spent
    /// the moment it is presented, even when it turns out to have expired; an aws_iid instance
    /// is recorded by the caller (AgentAPI.attestAgent) once its SVID is signed.
    public func attest(
        type: String, payload: Data, state: ServerState
    ) throws(NodeAttestationError) -> SpiffeID {
        let trustDomain = state.trustDomain
        switch type {
        case "join_token":
            // A join token is a shared secret, valid once and for a short time: whoever presents
            // it first becomes the agent spiffe://<td>/spire/agent/join_token/<token>.
            let token = String(decoding: payload, as: UTF8.self)
            let now = state.now()
            // nil: spent now; else why it was refused. (The datastore write is the only thing
            // that can throw inside.)
            let refusal: String?
            do {
                refusal = try state.dataStore.update { contents -> String? in
                    guard let index = contents.joinTokens.firstIndex(where: { $0.value == token }) else {
                        return "join token does not exist or has already been used"
                    }
                    let expiresAt = contents.joinTokens[index].expiresAt
                    contents.joinTokens.remove(at: index)            // spent, even if expired
                    return expiresAt > now ? nil : "join token expired at \(TimeText.iso(expiresAt))"
                }
            } catch {
                throw .refused("the datastore could not be updated: \(error)")
            }
            if let refusal { throw .refused(refusal) }
            return try Self.agentID(trustDomain, "/spire/agent/join_token/\(token)")

        case "aws_iid":
            guard let certificate = awsCertificate else {
                throw .refused("the aws_iid node attestor is not enabled on this server (--aws-iid-cert)")
            }
            let sent: InstanceIdentityDocument.AttestationPayload
            do { sent = try JSONDecoder().decode(InstanceIdentityDocument.AttestationPayload.self, from: payload) } catch {
                throw .refused("the aws_iid payload is not {\"document\": …, \"signature\": …}")
            }
            let document = try InstanceIdentityDocument.verify(sent, certificate: certificate)
            if !awsAccounts.isEmpty, !awsAccounts.contains(document.accountId) {
                throw .refused("account \(document.accountId) is not one this server accepts")
            }
            let id = try Self.agentID(trustDomain, "/spire/agent/aws_iid/\(document.accountId)/\(document.region)/\(document.instanceId)")
            // Trust on first use: one attestation per instance. A document is not secret (any
            // process on the instance can read it), so a second attestation with it could come
            // from anyone who copied it. SPIRE refuses it too, and lets the instance attest again
            // once an operator has evicted its agent (the model has no eviction).
            if state.dataStore.snapshot.agents.contains(where: { $0.spiffeID == id }) {
                throw .refused("instance \(document.instanceId) has already attested (aws_iid accepts each instance once)")
            }
            return id

        default:
            throw .refused("node attestor \"\(type)\" is not known to this server (join_token, aws_iid)")
        }
    }
    // end-step

    private static func agentID(_ trustDomain: TrustDomain, _ path: String) throws(NodeAttestationError) -> SpiffeID {
        do { return try SpiffeID(trustDomain: trustDomain, path: path) } catch {
            throw .refused("\(path) is not a valid SPIFFE ID path: \(error)")
        }
    }
}
