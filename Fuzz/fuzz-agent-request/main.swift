import Foundation
import FuzzSupport
import GRPCCore
import Logging
import NIOCore
import NIOEmbedded
import NIOHPACK
import NIOHTTP2
@testable import SpiffeAgent
import SpiffeIdentity
import SpiffeJWT
import SpiffeX509
import SwiftProtobuf
import WorkloadAPIProto

// The agent's handling of a workload's request, past the transport: the message bytes decoded
// as the gRPC layer decodes them, then handed to the agent's service for an attested caller (this
// process, with the credentials the agent's pipeline would attach). The first byte picks what is
// fuzzed:
// - ValidateJWTSVID (as protobuf, or the bytes as the token): no token the fuzzer writes may
//   validate, as it never sees the agent's key;
// - FetchJWTSVID: it may only ever mint the caller's own ID;
// - the security header: only `workload.spiffe.io: true` lets a request through;
// - the X.509 and JWT-bundle streams' requests: decoded and opened for the attested caller;
// - the request headers as the stream pipeline sees them (StreamCredentialsHandler): whatever
//   the client sends, the RPC sees exactly one credentials value, the kernel's; a stream past
//   its caller's limit reaches gRPC not at all and is answered ResourceExhausted once.
// Issue 19's item 1 (one ValidateJWTSVID with exp = 1e300 killed the shared agent) was found by
// hand; this looks for the next one.
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
            switch rpc % 6 {
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
            case 2:
                guard let message = try? Workload_JWTSVIDRequest(serializedBytes: body) else { return }
                guard let answer = try? await service.fetchJWTSVID(request: ServerRequest(metadata: metadata, message: message), context: context),
                      let response = try? answer.message else { return }
                require(response.svids.allSatisfy { $0.spiffeID == ownID.description }, "FetchJWTSVID minted an ID that is not the caller's")
            case 3:
                // The security header's value, as the client sent it.
                var sent = Metadata()
                for value in text(body).split(separator: "\n", omittingEmptySubsequences: false) {
                    sent.addString(String(value), forKey: "workload.spiffe.io")
                }
                sent.addString(me.description, forKey: PeerCredentialsPipeline.metadataKey)
                let passed = (try? service.caller(sent)) != nil
                require(passed == text(body).split(separator: "\n", omittingEmptySubsequences: false).contains("true"),
                        "the security header check let through, or refused, the wrong request")
            case 4:
                // The streams' requests carry no fields today; unknown ones must not matter.
                let accepted: Bool
                switch body.first.map({ $0 % 3 }) {
                case 0:
                    guard let message = try? Workload_X509SVIDRequest(serializedBytes: body.dropFirst()) else { return }
                    accepted = (try? await service.fetchX509SVID(request: ServerRequest(metadata: metadata, message: message), context: context)) != nil
                case 1:
                    guard let message = try? Workload_X509BundlesRequest(serializedBytes: body.dropFirst()) else { return }
                    accepted = (try? await service.fetchX509Bundles(request: ServerRequest(metadata: metadata, message: message), context: context)) != nil
                default:
                    guard let message = try? Workload_JWTBundlesRequest(serializedBytes: body.dropFirst()) else { return }
                    accepted = (try? await service.fetchJWTBundles(request: ServerRequest(metadata: metadata, message: message), context: context)) != nil
                }
                require(accepted, "a stream's request with unknown fields was refused for an attested caller")
            default:
                streamHeaders(body)
            }
        }
    }
}

/// The request headers a client might send, through the stream pipeline's first handler: the
/// bytes after the first as header lines `name: value` (the reserved key in any case among them).
/// An odd first byte makes the stream one past its caller's limit.
func streamHeaders(_ bytes: [UInt8]) {
    let refusal = bytes.first.map { $0 % 2 == 1 } == true ? "uid 0 already holds 3 streams; 100% refused: \(text(Array(bytes.prefix(8))))" : nil
    var headers = HPACKHeaders()
    for line in text(Array(bytes.dropFirst())).split(separator: "\n") {
        let (name, value) = line.firstRange(of: ": ").map { (line[..<$0.lowerBound], line[$0.upperBound...]) } ?? (line[...], ""[...])
        // NIOHPACK's decoder hands on only ASCII names (RFC 9113 §8.2), and HPACKHeaders traps on others.
        guard !name.isEmpty, name.allSatisfy(\.isASCII) else { continue }
        headers.add(name: String(name).lowercased(), value: String(value))
    }
    let channel = EmbeddedChannel(handler: StreamCredentialsHandler(credentials: me, refusal: refusal))
    // An embedded channel is active once "connected", as a stream of an accepted connection is.
    try! channel.connect(to: try! SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
    // The request's HEADERS, a message, and a trailing HEADERS frame (trailers); a stream the
    // handler has ended takes no more.
    for frame: HTTP2Frame.FramePayload in [.headers(.init(headers: headers)), .data(.init(data: .byteBuffer(ByteBuffer(bytes: [0, 0, 0, 0, 0])))),
                                          .headers(.init(headers: headers))] where channel.isActive {
        try! channel.writeInbound(frame)
    }
    var seen: [HPACKHeaders] = []
    var passedOn = 0
    while let payload = try! channel.readInbound(as: HTTP2Frame.FramePayload.self) {
        passedOn += 1
        if case .headers(let frame) = payload { seen.append(frame.headers) }
    }
    var answered: [HTTP2Frame.FramePayload.Headers] = []
    while let payload = try! channel.readOutbound(as: HTTP2Frame.FramePayload.self) {
        if case .headers(let frame) = payload { answered.append(frame) }
    }
    let ended = !channel.isActive
    _ = try? channel.finish()
    if let refusal {
        // Nothing of a refused stream reaches gRPC; the pipeline answers it, once, and ends it.
        require(passedOn == 0, "a frame of a refused stream reached gRPC")
        require(ended, "a refused stream was not ended")
        require(answered.count == 1 && answered[0].endStream, "a refused stream was not answered exactly once")
        require(answered[0].headers["grpc-status"] == ["8"], "a refused stream's status is not ResourceExhausted")
        let message = answered[0].headers["grpc-message"].first ?? ""
        require(message.utf8.allSatisfy { (0x20...0x7E).contains($0) } && message.removingPercentEncoding == refusal,
                "grpc-message is not the refusal, percent-encoded: \(message)")
        return
    }
    require(answered.isEmpty && !ended, "an admitted stream was answered or ended by the pipeline")
    require(seen.count == 2 && passedOn == 3, "a frame of an admitted stream was lost")
    let credentials = seen[0][PeerCredentialsPipeline.metadataKey]
    require(credentials == [me.description], "the RPC would see credentials other than the kernel's: \(credentials)")
    require(seen[1][PeerCredentialsPipeline.metadataKey].isEmpty, "a client's credentials survived in a later HEADERS frame")
}
