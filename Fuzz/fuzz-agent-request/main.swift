import Foundation
import FuzzSupport
import GRPCCore
import Logging
import SpiffeAgent
import SpiffeIdentity
import SpiffeJWT
import SpiffeX509
import SwiftProtobuf
import WorkloadAPIProto

// The agent's handling of a workload's request, past the transport: the message bytes decoded
// as the gRPC layer decodes them, then handed to the agent's service for an attested caller (this
// process, with the credentials the agent's pipeline would attach). The first byte picks the
// RPC. No token the fuzzer writes may validate (it never sees the agent's key), and FetchJWTSVID
// may only ever mint the caller's own ID: issue 19's item 1 (one ValidateJWTSVID with
// exp = 1e300 killed the shared agent) was found by hand; this looks for the next one.
let trustDomain = try! TrustDomain("example.org")
let now = Date()
let ca = try! CertificateAuthority(trustDomain: trustDomain, now: now)
let cache = SVIDCache(ca: ca)
let ownID = try! SpiffeID("spiffe://example.org/fuzz")
let entry = try! RegistrationEntry(spiffeID: ownID, parentID: cache.agentID, selectors: [.unix("uid", String(getuid()))])
_ = try! cache.refresh(entries: [entry], now: now)
var logger = Logger(label: "fuzz-agent")
logger.logLevel = .critical
let dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-agent-\(getpid())")
let service = WorkloadAPIService(cache: cache, jwtAuthority: try! JWTAuthority(trustDomain: trustDomain),
                                 dataDirectory: AgentDataDirectory(dataDirectory), logger: logger, now: { now })
let me = PeerCredentials(pid: getpid(), uid: getuid(), gid: getgid(), startTime: PeerCredentials.startTime(ofProcess: getpid())!)
let metadata: Metadata = {
    var metadata = Metadata()
    metadata.addString("true", forKey: "workload.spiffe.io")
    metadata.addString(me.description, forKey: PeerCredentialsPipeline.metadataKey)
    return metadata
}()


runFuzzer { bytes in
    guard let rpc = bytes.first else { return }
    let body = Array(bytes.dropFirst())
    blocking {
        await withServerContextRPCCancellationHandle { handle in
            let context = ServerContext(descriptor: MethodDescriptor(fullyQualifiedService: "SpiffeWorkloadAPI", method: "fuzz"),
                                        remotePeer: "unix:fuzz", localPeer: "unix:agent", cancellation: handle)
            switch rpc % 3 {
            case 0:
                // The message as protobuf, as a client would send it.
                guard let message = try? Workload_ValidateJWTSVIDRequest(serializedBytes: body) else { return }
                let answer = try? await service.validateJWTSVID(request: ServerRequest(metadata: metadata, message: message), context: context)
                require(answer == nil, "ValidateJWTSVID accepted a token the agent never signed")
            case 1:
                // The bytes as the token itself, to spend the fuzzer's time in the validator.
                var message = Workload_ValidateJWTSVIDRequest()
                message.audience = "fuzz"
                message.svid = text(body)
                let answer = try? await service.validateJWTSVID(request: ServerRequest(metadata: metadata, message: message), context: context)
                require(answer == nil, "ValidateJWTSVID accepted a token the agent never signed")
            default:
                guard let message = try? Workload_JWTSVIDRequest(serializedBytes: body) else { return }
                guard let answer = try? await service.fetchJWTSVID(request: ServerRequest(metadata: metadata, message: message), context: context),
                      let response = try? answer.message else { return }
                require(response.svids.allSatisfy { $0.spiffeID == ownID.description }, "FetchJWTSVID minted an ID that is not the caller's")
            }
        }
    }
}
