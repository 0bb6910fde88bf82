import Foundation
import TestSupport
import Testing

/// tls-server and tls-client against py-spiffe-tls 0.4.0 (PyPI, on pyOpenSSL): software nobody
/// here wrote, fed by the same local agent over the Workload API.
///
/// Two facts about the Python side shape these tests (SPIFFE-FACTS.md): `spiffetls.listen()`
/// builds its TLS context once, so its server runs well within one SVID lifetime (the default
/// hour); and under TLS 1.3 a refused client only notices on its first read, so the Python
/// client always sends and reads before it reports success.
@Suite("mTLS interop with py-spiffe-tls", .serialized)
struct PythonTLSInteropTests {
    static let a = AgentTLSTests.a
    static let b = AgentTLSTests.b
    static let intruder = AgentTLSTests.intruder

    static let common = #"""
import sys
from cryptography import x509
from cryptography.x509.oid import ExtensionOID
from OpenSSL import SSL
from spiffe import SpiffeId, WorkloadApiClient, X509Source
from spiffetls.tlsconfig.authorize import authorize_id

def peer_id(conn):
    cert = conn.get_peer_certificate().to_cryptography()
    san = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
    return san.get_values_for_type(x509.UniformResourceIdentifier)[0]

def read_line(conn):
    data = b""
    while b"\n" not in data:
        try:
            chunk = conn.recv(1024)
        except SSL.ZeroReturnError:
            break
        if not chunk:
            break
        data += chunk
    return data.decode().strip()

"""#

    /// Dials, sends a line and reads the answer; exits 1 with the reason on any failure.
    static let client = common + #"""
from spiffetls import dial
socket_path, address, expected = sys.argv[1:4]
with X509Source(workload_api_client=WorkloadApiClient(socket_path=socket_path), timeout_in_seconds=60) as source:
    try:
        conn = dial(address, source, authorize_fn=authorize_id(SpiffeId(expected)))
        print("server", peer_id(conn), flush=True)
        conn.sendall(("hello from " + str(source.svid.spiffe_id) + "\n").encode())
        reply = read_line(conn)
        if not reply:
            raise RuntimeError("connection closed without a reply")
        print("reply", reply, flush=True)
        conn.close()
    except Exception as error:
        print("failed", repr(error), flush=True)
        sys.exit(1)
"""#

    /// Serves `count` connections with spiffetls.listen(), allowing one client ID.
    static let server = common + #"""
from spiffetls import listen, ListenOptions
socket_path, address, allowed, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
with X509Source(workload_api_client=WorkloadApiClient(socket_path=socket_path), timeout_in_seconds=60) as source:
    listener = listen(address, source, ListenOptions(authorize_fn=authorize_id(SpiffeId(allowed))))
    print("listening", flush=True)
    for _ in range(count):
        conn, _ = listener.accept()
        try:
            conn.do_handshake()
            print("client", peer_id(conn), flush=True)
            print("request", read_line(conn), flush=True)
            conn.sendall(("hello from " + str(source.svid.spiffe_id) + "\n").encode())
            conn.shutdown()
        except Exception as error:
            print("refused", repr(error), flush=True)
        finally:
            conn.close()
"""#

    /// The venv's interpreter by its real path (the repo's .venv symlink may sit in a directory
    /// other uids cannot enter), and the scripts in the agent's world-readable directory.
    func setUp(_ agent: AgentHarness) throws -> (python: String, client: String, server: String) {
        let interpreter = try TestSupport.python()
        // Resolve the directory only: bin/python itself links to the system interpreter, which
        // would run without the venv's packages.
        let python = interpreter.deletingLastPathComponent().resolvingSymlinksInPath()
            .appendingPathComponent(interpreter.lastPathComponent).path
        let client = agent.root.appendingPathComponent("spiffe_tls_client.py")
        let server = agent.root.appendingPathComponent("spiffe_tls_server.py")
        try Self.client.write(to: client, atomically: true, encoding: .utf8)
        try Self.server.write(to: server, atomically: true, encoding: .utf8)
        chmod(client.path, 0o644)
        chmod(server.path, 0o644)
        return (python, client.path, server.path)
    }

    func runPython(_ agent: AgentHarness, uid: Int, _ args: [String]) async throws -> TestSupport.ProcessResult {
        try await TestSupport.run("/usr/bin/setpriv", agent.asUser(uid) + args, currentDirectory: agent.root, deadline: 120)
    }

    @Test("py-spiffe-tls dial() as uid 1001 talks to tls-server as uid 1000; as uid 1002 it is refused")
    func pythonClientToServer() async throws {
        let agent = try await AgentTLSTests().agent()
        let py = try setUp(agent)
        let server = try agent.spawn("tls-server", uid: 1000,
            ["tls-server", "--live", "--socket", agent.endpoint, "--listen", "127.0.0.1:0", "--allow-id", Self.b])
        defer { server.stop() }
        let port = try await listeningPort(server)

        let ok = try await runPython(agent, uid: 1001, [py.python, py.client, agent.endpoint, "127.0.0.1:\(port)", Self.a])
        try #require(ok.status == 0, "\(ok)\n\(server.stderr)")
        #expect(ok.stdout.contains("server \(Self.a)"), "\(ok)")
        #expect(ok.stdout.contains("reply hello from \(Self.a)"), "\(ok)")
        try await server.waitFor("client \(Self.b) connected")

        // The intruder's handshake may "complete" (TLS 1.3); its read fails with the alert.
        let refused = try await runPython(agent, uid: 1002, [py.python, py.client, agent.endpoint, "127.0.0.1:\(port)", Self.a])
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stdout.contains("failed"), "\(refused)")
        #expect(!refused.stdout.contains("reply"), "\(refused)")
        try await server.waitFor("authorization failed: \(Self.intruder) is authenticated but not allowed", onStderr: true)

        // And the Python client refuses a server that is not the one it expects.
        let wrongServer = try await runPython(agent, uid: 1001, [py.python, py.client, agent.endpoint, "127.0.0.1:\(port)", Self.intruder])
        #expect(wrongServer.status == 1, "\(wrongServer)")
        #expect(!wrongServer.stdout.contains("reply"), "\(wrongServer)")
    }

    @Test("tls-client as uid 1001 talks to a py-spiffe-tls listen() server as uid 1000; uid 1002 is refused")
    func clientToPythonServer() async throws {
        let agent = try await AgentTLSTests().agent()
        let py = try setUp(agent)
        let port = try freePort()
        let server = try BackgroundProcess("python server", "/usr/bin/setpriv",
            agent.asUser(1000) + [py.python, py.server, agent.endpoint, "127.0.0.1:\(port)", Self.b, "2"],
            currentDirectory: agent.root)
        defer { server.stop(signal: SIGKILL) }
        try await server.waitFor("listening")

        let ok = try await agent.runAs(uid: 1001, ["tls-client", "--live", "--socket", agent.endpoint,
                                           "--connect", "127.0.0.1:\(port)", "--expect-id", Self.a])
        try #require(ok.status == 0, "\(ok)\n\(server.stdout)\(server.stderr)")
        #expect(ok.stdout.contains("server \(Self.a) (certificate serial"), "\(ok)")
        #expect(ok.stdout.contains("reply: hello from \(Self.a)"), "\(ok)")
        try await server.waitFor("client \(Self.b)")
        try await server.waitFor("request hello from \(Self.b)")

        let refused = try await agent.runAs(uid: 1002, ["tls-client", "--live", "--socket", agent.endpoint,
                                                "--connect", "127.0.0.1:\(port)", "--expect-id", Self.a])
        #expect(refused.status == 1, "\(refused)")
        #expect(!refused.stdout.contains("reply:"), "\(refused)")
        try await server.waitFor("refused")
        #expect(!server.stdout.contains("client \(Self.intruder)"), "\(server.stdout)")
    }
}
