import Foundation
import SpiffeExchange
import SpiffeIdentity
import SpiffeLocalTrustDomain
import SpiffeX509
import TestSupport
import Testing

/// tls-server and tls-client against the openssl command-line tools: software nobody here wrote.
/// The SVIDs come from the same simulated CA the binaries use, written with SVIDFiles in SPIRE's
/// `fetch x509 -write` layout (svid.0.pem, svid.0.key, bundle.0.pem).
@Suite("mTLS interop with openssl", .serialized)
struct OpenSSLInteropTests {
    let td = try! TrustDomain("example.org")

    /// A scratch directory with the shared CA in `state/` and helpers to mint SVID files.
    struct Workspace {
        let root: URL
        var state: URL { root.appendingPathComponent("state") }
        let authority: CertificateAuthority

        init(trustDomain: TrustDomain) throws {
            root = try TestSupport.makeTempDirectory(prefix: "tls-openssl")
            authority = try StateDirectory(root.appendingPathComponent("state")).trustDomain(trustDomain)
                .loadOrCreate(trustDomain: trustDomain, renewal: .simulated, now: Date()).ca
        }

        /// Writes an SVID for `id` from `ca` (default: the shared CA) into `root/<name>/`.
        func svidFiles(_ name: String, id: String, ca: CertificateAuthority? = nil) throws -> (cert: String, key: String, bundle: String) {
            let issuer = ca ?? authority
            let svid = try issuer.issueSVID(for: try SpiffeID(id))
            let dir = root.appendingPathComponent(name)
            try SVIDFiles.write(X509Context(svids: [svid], bundles: [issuer.trustDomain: issuer.bundle]), to: dir)
            return (dir.appendingPathComponent("svid.0.pem").path, dir.appendingPathComponent("svid.0.key").path,
                    dir.appendingPathComponent("bundle.0.pem").path)
        }
    }

    func startServer(_ ws: Workspace, _ extra: [String] = []) async throws -> (BackgroundProcess, Int) {
        let server = try BackgroundProcess("tls-server", try TestSupport.product("spiffe-demo").path,
            ["tls-server", "--listen", "127.0.0.1:0", "--state-dir", ws.state.path] + extra)
        return (server, try await listeningPort(server))
    }

    /// `openssl s_client`, sending one line and waiting for the server to close (-ign_eof).
    func sClient(port: Int, _ args: [String]) async throws -> TestSupport.ProcessResult {
        try await TestSupport.run("openssl", ["s_client", "-connect", "127.0.0.1:\(port)", "-ign_eof"] + args,
                            stdin: "hello from openssl\n", deadline: 60)
    }

    @Test("openssl s_client with an SVID completes the mTLS handshake with tls-server, over TLS 1.3 and 1.2")
    func sClientToServer() async throws {
        let ws = try Workspace(trustDomain: td)
        defer { try? FileManager.default.removeItem(at: ws.root) }
        let files = try ws.svidFiles("client", id: "spiffe://example.org/openssl-client")
        let (server, port) = try await startServer(ws)
        defer { server.stop() }

        for version in ["-tls1_3", "-tls1_2"] {
            let result = try await sClient(port: port, [version, "-cert", files.cert, "-key", files.key,
                                                  "-CAfile", files.bundle, "-verify_return_error"])
            // openssl verified the server's SVID against the bundle, and the server answered.
            #expect(result.stdout.contains("Verify return code: 0 (ok)"), "\(result)")
            #expect(result.stdout.contains("hello from spiffe://example.org/server"), "\(result)")
            #expect(result.stdout.contains(version == "-tls1_3" ? "TLSv1.3" : "TLSv1.2"), "\(result)")
        }
        // The server printed the openssl client's SPIFFE ID after each handshake.
        try await server.waitUntil("two accepted clients") { out, _ in
            out.components(separatedBy: "client spiffe://example.org/openssl-client connected").count == 3
        }
        #expect(await server.stopped(signal: SIGINT) == 0, "tls-server should exit 0 on SIGINT\n\(server.stderr)")
        #expect(server.stderr.contains("shutting down"))
    }

    @Test("tls-server refuses a certificate from another trust domain, a client without a certificate, and TLS 1.1")
    func serverRefusals() async throws {
        let ws = try Workspace(trustDomain: td)
        defer { try? FileManager.default.removeItem(at: ws.root) }
        let otherCA = try CertificateAuthority(trustDomain: try TrustDomain("other.org"))
        let foreign = try ws.svidFiles("foreign", id: "spiffe://other.org/client", ca: otherCA)
        let good = try ws.svidFiles("client", id: "spiffe://example.org/openssl-client")
        let (server, port) = try await startServer(ws)
        defer { server.stop() }

        let wrongTD = try await sClient(port: port, ["-cert", foreign.cert, "-key", foreign.key, "-CAfile", good.bundle])
        #expect(!wrongTD.stdout.contains("hello from"), "\(wrongTD)")
        try await server.waitFor("spiffe://other.org/client is not a valid X509-SVID: check 5 (chain to bundle) failed", onStderr: true)

        let noCertificate = try await sClient(port: port, ["-CAfile", good.bundle])
        #expect(!noCertificate.stdout.contains("hello from"), "\(noCertificate)")
        #expect(noCertificate.stderr.contains("alert certificate required") || noCertificate.stderr.contains("alert number 116"), "\(noCertificate)")
        try await server.waitFor("authentication failed: the peer presented no certificate", onStderr: true)

        // SECLEVEL=0 lets this openssl offer TLS 1.1 at all; the server must still say no.
        let old = try await sClient(port: port, ["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0",
                                           "-cert", good.cert, "-key", good.key, "-CAfile", good.bundle])
        #expect(!old.stdout.contains("hello from"), "\(old)")
        try await server.waitFor("no common TLS version", onStderr: true)
        #expect(!server.stdout.contains("connected"), "no handshake above should have been accepted:\n\(server.stdout)")
    }

    /// Starts `openssl s_server` requiring a client certificate (-Verify 1) on a free port.
    func startSServer(_ files: (cert: String, key: String, bundle: String)) async throws -> (BackgroundProcess, Int) {
        var lastError: (any Error)?
        for _ in 0..<5 {
            let port = try freePort()
            let server = try BackgroundProcess("s_server", "/usr/bin/openssl",
                ["s_server", "-accept", "127.0.0.1:\(port)", "-cert", files.cert, "-key", files.key,
                 "-CAfile", files.bundle, "-Verify", "1", "-verify_return_error", "-rev"])
            do {
                try await server.waitFor("ACCEPT", deadline: 30)
                return (server, port)
            } catch {
                lastError = error
                await server.stopped(signal: SIGKILL)
            }
        }
        throw lastError!
    }

    @Test("tls-client completes a handshake with openssl s_server -Verify 1 and prints the server's ID")
    func clientToSServer() async throws {
        let ws = try Workspace(trustDomain: td)
        defer { try? FileManager.default.removeItem(at: ws.root) }
        let files = try ws.svidFiles("server", id: "spiffe://example.org/openssl-server")
        let (sServer, port) = try await startSServer(files)
        defer { sServer.stop(signal: SIGKILL) }

        let result = try await TestSupport.run("spiffe-demo", ["tls-client", "--connect", "127.0.0.1:\(port)",
            "--state-dir", ws.state.path, "--expect-id", "spiffe://example.org/openssl-server"], deadline: 60)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("server spiffe://example.org/openssl-server (certificate serial"), "\(result)")
        // s_server -rev answers each line reversed: proof the request went through its TLS stack.
        let reversed = String("hello from spiffe://example.org/client".reversed())
        #expect(result.stdout.contains("reply: \(reversed)"), "\(result)")
        // s_server required and verified the client certificate (-Verify 1 -verify_return_error).
        try await sServer.waitUntil("a verified client") { out, err in (out + err).contains("verify return:1") }

        // The same server, but the client expects another ID: authenticated, not authorized.
        let wrongID = try await TestSupport.run("spiffe-demo", ["tls-client", "--connect", "127.0.0.1:\(port)",
            "--state-dir", ws.state.path, "--expect-id", "spiffe://example.org/someone-else"], deadline: 60)
        #expect(wrongID.status != 0)
        #expect(wrongID.stderr.contains("refused the server: authorization failed: spiffe://example.org/openssl-server is authenticated but not allowed"), "\(wrongID)")
    }

    @Test("tls-client refuses an s_server whose SVID comes from another trust domain")
    func clientRefusesForeignServer() async throws {
        let ws = try Workspace(trustDomain: td)
        defer { try? FileManager.default.removeItem(at: ws.root) }
        let otherCA = try CertificateAuthority(trustDomain: try TrustDomain("other.org"))
        var files = try ws.svidFiles("server", id: "spiffe://other.org/server", ca: otherCA)
        // s_server must still accept our client, so it trusts example.org's bundle.
        files.bundle = try ws.svidFiles("bundle", id: "spiffe://example.org/unused").bundle
        let (sServer, port) = try await startSServer(files)
        defer { sServer.stop(signal: SIGKILL) }

        let result = try await TestSupport.run("spiffe-demo", ["tls-client", "--connect", "127.0.0.1:\(port)",
            "--state-dir", ws.state.path, "--expect-any"], deadline: 60)
        #expect(result.status != 0)
        #expect(result.stderr.contains("refused the server: authentication failed: the certificate for spiffe://other.org/server is not a valid X509-SVID: check 5"), "\(result)")
        #expect(!result.stdout.contains("reply:"))
    }
}
