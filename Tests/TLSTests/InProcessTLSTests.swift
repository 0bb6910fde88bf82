import Foundation
import NIOCore
import NIOPosix
import SpiffeBundles
import SpiffeIdentity
import SpiffeTLS
import SpiffeX509
import Synchronization
import Testing

/// A source whose SVID a test can swap, standing in for a rotating Workload API source.
final class SwappableSource: X509SVIDSource, X509BundleSource {
    private let state: Mutex<X509Context>
    init(_ context: X509Context) { state = Mutex(context) }
    func swap(_ svid: X509SVID) { state.withLock { $0.svids = [svid] } }
    func x509SVID() throws -> X509SVID {
        guard let svid = state.withLock({ $0.defaultSVID }) else { throw X509SourceError.noSVID }
        return svid
    }
    func x509Bundle(for trustDomain: TrustDomain) throws -> X509Bundle {
        guard let bundle = state.withLock({ $0.bundle(for: trustDomain) }) else { throw X509SourceError.noBundle(trustDomain) }
        return bundle
    }
}

/// Collects what a server logs.
final class EventLog: Sendable {
    private let events = Mutex<[MTLSServerEvent]>([])
    func record(_ event: MTLSServerEvent) { events.withLock { $0.append(event) } }
    var all: [MTLSServerEvent] { events.withLock { $0 } }
    var lines: [String] { all.map(\.description) }
}

struct Fixture {
    let td = try! TrustDomain("example.org")
    let ca: CertificateAuthority
    let serverID = try! SpiffeID("spiffe://example.org/server")
    let clientID = try! SpiffeID("spiffe://example.org/client")

    init() throws { ca = try CertificateAuthority(trustDomain: td) }

    func source(_ id: SpiffeID, ca: CertificateAuthority? = nil) throws -> SwappableSource {
        let issuer = ca ?? self.ca
        return SwappableSource(X509Context(svids: [try issuer.issueSVID(for: id)], bundles: [td: self.ca.bundle]))
    }
}

/// Runs a server on 127.0.0.1 with a free port for the duration of `body`.
func withServer<T>(
    svids: SwappableSource, authorizer: Authorizer, log: EventLog,
    _ body: (Int) async throws -> T
) async throws -> T {
    // The same generous deadline as `attempt`'s, for the same reason.
    let server = try await MTLSServer.bind(
        host: "127.0.0.1", port: 0, svids: svids, bundles: svids, authorizer: authorizer,
        requestTimeout: .seconds(120), log: log.record)
    let serving = Task { try await server.serve() }
    defer { server.close(); serving.cancel() }
    let result = try await body(server.localAddress.port!)
    server.close()
    try await serving.value
    return result
}

/// One exchange, with the typed failure kept for the test to inspect.
func attempt(_ client: MTLSClient, port: Int) async -> Result<MTLSExchange, MTLSClientError> {
    // A generous deadline: on a loaded 2-core machine running the whole suite, the server's
    // verification task can wait tens of seconds for a thread, and a client that gives up first
    // turns the server's verdict into "the client closed the connection".
    var client = client
    client.timeout = .seconds(120)
    do throws(MTLSClientError) {
        return .success(try await client.exchange(host: "127.0.0.1", port: port))
    } catch {
        return .failure(error)
    }
}

@Suite("mTLS in process")
struct InProcessTLSTests {
    @Test("client and server authenticate each other and each sees the other's SPIFFE ID")
    func mutualHandshake() async throws {
        let f = try Fixture()
        let serverSource = try f.source(f.serverID)
        let log = EventLog()
        let exchange = try await withServer(svids: serverSource, authorizer: .id(f.clientID), log: log) { port in
            try await attempt(MTLSClient(svids: try f.source(f.clientID), bundles: serverSource, authorizer: .id(f.serverID)),
                              port: port).get()
        }
        #expect(exchange.server.spiffeID == f.serverID)
        #expect(exchange.reply == "hello from spiffe://example.org/server")
        #expect(exchange.clientID == f.clientID)
        // The validated chain ends at the bundle's authority, not at whatever the peer sent.
        #expect(exchange.server.chain.last == f.ca.certificate)
        #expect(log.lines.contains { $0.hasPrefix("client spiffe://example.org/client connected from 127.0.0.1:") })
        #expect(log.lines.contains("answered spiffe://example.org/client: hello from spiffe://example.org/server"))
    }

    @Test("the server refuses an authenticated client that is not on its allow list, and says so")
    func serverAuthorizationRefusal() async throws {
        let f = try Fixture()
        let serverSource = try f.source(f.serverID)
        let log = EventLog()
        let intruder = try SpiffeID("spiffe://example.org/intruder")
        let outcome: Result<MTLSExchange, MTLSClientError> = try await withServer(
            svids: serverSource, authorizer: .oneOf([f.clientID]), log: log
        ) { port in
            await attempt(MTLSClient(svids: try f.source(intruder), bundles: serverSource, authorizer: .any), port: port)
        }
        guard case .failure(.handshakeFailed(let reason)) = outcome else {
            Issue.record("expected the server to refuse the client, got \(outcome)")
            return
        }
        #expect(reason.contains("refused our certificate") || reason.contains("alert"), "\(reason)")
        #expect(log.lines.contains { $0.contains("authorization failed: spiffe://example.org/intruder is authenticated but not allowed") }, "\(log.lines)")
        #expect(!log.lines.contains { $0.hasPrefix("answered") })
    }

    @Test("the client refuses a server whose ID is not the expected one")
    func clientAuthorizationRefusal() async throws {
        let f = try Fixture()
        let serverSource = try f.source(f.serverID)
        let log = EventLog()
        let other = try SpiffeID("spiffe://example.org/other")
        let outcome: Result<MTLSExchange, MTLSClientError> = try await withServer(
            svids: serverSource, authorizer: .any, log: log
        ) { port in
            await attempt(MTLSClient(svids: try f.source(f.clientID), bundles: serverSource, authorizer: .id(other)), port: port)
        }
        guard case .failure(.serverRejected(.notAuthorized(let id, _))) = outcome else {
            Issue.record("expected the client to refuse the server, got \(outcome)")
            return
        }
        #expect(id == f.serverID)
    }

    @Test("a certificate from another CA of the same trust domain name fails authentication, not authorization")
    func foreignCA() async throws {
        let f = try Fixture()
        let serverSource = try f.source(f.serverID)
        let log = EventLog()
        let rogueCA = try CertificateAuthority(trustDomain: f.td)
        let outcome: Result<MTLSExchange, MTLSClientError> = try await withServer(
            svids: serverSource, authorizer: .any, log: log
        ) { port in
            await attempt(MTLSClient(svids: try f.source(f.clientID, ca: rogueCA), bundles: serverSource, authorizer: .any), port: port)
        }
        guard case .failure = outcome else { Issue.record("a rogue CA's SVID was accepted"); return }
        #expect(log.lines.contains { $0.contains("authentication failed: the certificate for spiffe://example.org/client is not a valid X509-SVID: check 5 (chain to bundle) failed") }, "\(log.lines)")
    }

    @Test("a client from a trust domain the server holds no bundle for fails check 5")
    func otherTrustDomain() async throws {
        let f = try Fixture()
        let serverSource = try f.source(f.serverID)
        let log = EventLog()
        let otherTD = try TrustDomain("other.org")
        let otherCA = try CertificateAuthority(trustDomain: otherTD)
        let stranger = SwappableSource(X509Context(
            svids: [try otherCA.issueSVID(for: try SpiffeID("spiffe://other.org/client"))],
            bundles: [otherTD: otherCA.bundle, f.td: f.ca.bundle]))
        let outcome = try await withServer(svids: serverSource, authorizer: .any, log: log) { port in
            await attempt(MTLSClient(svids: stranger, bundles: stranger, authorizer: .any), port: port)
        }
        guard case .failure = outcome else { Issue.record("a foreign trust domain's SVID was accepted"); return }
        #expect(log.lines.contains { $0.contains("spiffe://other.org/client is not a valid X509-SVID: check 5 (chain to bundle) failed") && $0.contains("other.org") }, "\(log.lines)")
    }

    @Test("an expired client SVID fails check 4, and the refusal says so")
    func expiredClient() async throws {
        let f = try Fixture()
        let serverSource = try f.source(f.serverID)
        let log = EventLog()
        let expired = try f.ca.issueSVID(for: f.clientID, ttl: 60, now: Date() - 3600)
        let client = SwappableSource(X509Context(svids: [expired], bundles: [f.td: f.ca.bundle]))
        let outcome = try await withServer(svids: serverSource, authorizer: .any, log: log) { port in
            await attempt(MTLSClient(svids: client, bundles: client, authorizer: .any), port: port)
        }
        guard case .failure = outcome else { Issue.record("an expired SVID was accepted"); return }
        #expect(log.lines.contains { $0.contains("check 4 (validity window) failed: expired") }, "\(log.lines)")
    }

    @Test("a server picks up a swapped SVID on the next handshake without restarting")
    func hotRotation() async throws {
        let f = try Fixture()
        let serverSource = try f.source(f.serverID)
        let clientSource = try f.source(f.clientID)
        let log = EventLog()
        let serials = try await withServer(svids: serverSource, authorizer: .any, log: log) { port in
            var client = MTLSClient(svids: clientSource, bundles: serverSource, authorizer: .id(f.serverID))
            client.timeout = .seconds(120)   // as in `attempt`
            var serials: [String] = []
            for round in 0..<4 {
                if round == 2 { serverSource.swap(try f.ca.issueSVID(for: f.serverID)) }
                serials.append(try await client.exchange(host: "127.0.0.1", port: port).server.serialNumber)
            }
            return serials
        }
        #expect(serials[0] == serials[1])
        #expect(serials[2] == serials[3])
        #expect(serials[1] != serials[2])
        #expect(serials[2] == (try serverSource.x509SVID().leaf.serialNumber.bytes.map { String(format: "%02x", $0) }.joined(separator: ":")))
    }
}
