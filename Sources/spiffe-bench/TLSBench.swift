import ArgumentParser
import Foundation
import NIOCore
import SpiffeIdentity
import SpiffeTLS
import SpiffeX509
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `spiffe-bench tls`: mutual-TLS handshakes per second served by tls-server's code (MTLSServer:
/// swift-nio-ssl, SVID chosen per handshake, SPIFFE verification of the client), next to
/// `openssl s_server` serving the same certificate and requiring the same client certificate.
///
/// Both servers face the same client, `openssl s_time -new -www /`: a full handshake per
/// connection (no resumption), the client's SVID presented, one request and one response, so
/// each counted connection includes the server's verification of the client certificate.
struct TLSBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tls",
        abstract: "mTLS handshakes per second: tls-server's MTLSServer next to openssl s_server, same certificates, same client (openssl s_time)."
    )

    @Option(help: "Seconds to run each measurement.")
    var seconds: Int = 5

    @Option(help: ArgumentHelp("TLS version: 1.3 or 1.2.", valueName: "version"))
    var tls: String = "1.3"

    @Option(help: ArgumentHelp("Key type of the SVIDs and the CA: ec-p256, ec-p384, rsa-2048.", valueName: "type"))
    var keyType: String = KeyType.p256.rawValue

    func run() async throws {
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
        guard let versionFlag = ["1.3": "-tls1_3", "1.2": "-tls1_2"][tls] else { throw ValidationError("--tls must be 1.3 or 1.2") }
        guard let keyType = KeyType(rawValue: keyType) else { throw ValidationError("--key-type must be ec-p256, ec-p384 or rsa-2048") }
        let openssl = try Self.which("openssl")

        // One CA, one server SVID, one client SVID, written as SPIRE writes them.
        let directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("spiffe-bench-tls-\(getpid())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let trustDomain = try TrustDomain("example.org")
        let ca = try CertificateAuthority(trustDomain: trustDomain, keyType: keyType)
        let serverSVID = try ca.issueSVID(for: try SpiffeID("spiffe://example.org/server"), keyType: keyType)
        let clientSVID = try ca.issueSVID(for: try SpiffeID("spiffe://example.org/client"), keyType: keyType)
        let serverFiles = directory.appendingPathComponent("server")
        let clientFiles = directory.appendingPathComponent("client")
        try SVIDFiles.write(X509Context(svids: [serverSVID], bundles: [trustDomain: ca.bundle]), to: serverFiles)
        try SVIDFiles.write(X509Context(svids: [clientSVID], bundles: [trustDomain: ca.bundle]), to: clientFiles)
        func file(_ dir: URL, _ name: String) -> String { dir.appendingPathComponent(name).path }
        let client = [versionFlag, "-new", "-www", "/", "-time", String(seconds),
                      "-cert", file(clientFiles, "svid.0.pem"), "-key", file(clientFiles, "svid.0.key"),
                      "-CAfile", file(clientFiles, "bundle.0.pem"), "-verify", "1"]

        // 1. tls-server's code, in this process, serving exactly serverSVID.
        let accepted = Counter()
        let source = StaticX509Source(X509Context(svids: [serverSVID], bundles: [trustDomain: ca.bundle]))
        let server = try await MTLSServer.bind(
            host: "127.0.0.1", port: 0, svids: source, bundles: source, authorizer: .memberOf(trustDomain)
        ) { event in
            if case .accepted = event { accepted.increment() }
            if case .refused(_, let reason) = event { FileHandle.standardError.write(Data("spiffe-bench: tls-server refused: \(reason)\n".utf8)) }
        }
        let serving = Task { try await server.serve() }
        let ours = try Self.sTime(openssl, port: server.localAddress.port ?? 0, client)
        server.close()
        try await serving.value
        guard ours.connections > 0, ours.bytesPerConnection > 0 else {
            throw ValidationError("no mTLS connection to tls-server completed: \(ours.output)")
        }
        // s_time counts what it finished; the server's own count proves each was a verified mTLS
        // handshake (a connection the server had refused would not be in it).
        guard accepted.value >= ours.connections else {
            throw ValidationError("s_time counted \(ours.connections) connections but tls-server accepted only \(accepted.value)")
        }

        // 2. openssl s_server with the same certificate, requiring a client certificate.
        let theirs = try Self.withSServer(openssl, [versionFlag, "-cert", file(serverFiles, "svid.0.pem"),
            "-key", file(serverFiles, "svid.0.key"), "-CAfile", file(serverFiles, "bundle.0.pem"),
            "-Verify", "1", "-verify_return_error", "-www"]) { port in
            try Self.sTime(openssl, port: port, client)
        }
        guard theirs.connections > 0, theirs.bytesPerConnection > 0 else {
            throw ValidationError("no mTLS connection to openssl s_server completed: \(theirs.output)")
        }

        #if DEBUG
        let build = "debug build: Swift code unoptimized (swift build -c release for fair figures)"
        #else
        let build = "release build"
        #endif
        print("spiffe-bench tls: TLS \(tls), \(keyType.rawValue) SVIDs, client openssl s_time -new -www (full mTLS handshake + one request per connection), \(seconds) s each; \(build)")
        print(Self.line("tls-server (MTLSServer, swift-nio-ssl)", ours))
        print(Self.line("openssl s_server -Verify 1", theirs))
        print(String(format: "ratio tls-server / openssl s_server: %.2f", ours.perSecond / theirs.perSecond))
    }

    struct Result {
        let connections: Int
        let elapsed: Double
        let bytesPerConnection: Int
        let output: String
        var perSecond: Double { Double(connections) / elapsed }
    }

    static func line(_ label: String, _ r: Result) -> String {
        label.padding(toLength: 42, withPad: " ", startingAt: 0)
            + String(format: "%8.1f handshakes/s  (%d in %.2f s)", r.perSecond, r.connections, r.elapsed)
    }

    /// Runs s_time against 127.0.0.1:`port`; the rate uses our own wall clock, because s_time
    /// rounds its "real seconds" to whole seconds.
    static func sTime(_ openssl: String, port: Int, _ args: [String]) throws -> Result {
        let start = Date()
        let output = try runToEnd(openssl, ["s_time", "-connect", "127.0.0.1:\(port)"] + args)
        let elapsed = Date().timeIntervalSince(start)
        // "623 connections in 4 real seconds, 39 bytes read per connection"
        guard let line = output.split(separator: "\n").first(where: { $0.contains("real seconds") }) else {
            return Result(connections: 0, elapsed: elapsed, bytesPerConnection: 0, output: output)
        }
        let words = line.split(separator: " ")
        let connections = Int(words.first ?? "") ?? 0
        let bytes = words.firstIndex(of: "bytes").flatMap { Int(words[words.index(before: $0)]) } ?? 0
        return Result(connections: connections, elapsed: elapsed, bytesPerConnection: bytes, output: output)
    }

    /// Starts `openssl s_server` on a free port, runs `body`, and always kills the server.
    static func withSServer<T>(_ openssl: String, _ args: [String], _ body: (Int) throws -> T) throws -> T {
        for _ in 0..<5 {
            let port = try freePort()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: openssl)
            process.arguments = ["s_server", "-accept", "127.0.0.1:\(port)"] + args
            let out = Pipe()
            process.standardOutput = out
            process.standardError = out
            process.standardInput = FileHandle.nullDevice
            try process.run()
            defer {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
            // s_server prints ACCEPT once it listens (or an error and exits, if the port was taken).
            let seen = TextBox()
            out.fileHandleForReading.readabilityHandler = { handle in
                let data = handle.availableData
                if data.isEmpty { handle.readabilityHandler = nil } else { seen.withLock { $0 += String(decoding: data, as: UTF8.self) } }
            }
            let deadline = Date().addingTimeInterval(30)
            while process.isRunning, Date() < deadline, !seen.withLock({ $0.contains("ACCEPT") }) { usleep(20_000) }
            guard process.isRunning, seen.withLock({ $0.contains("ACCEPT") }) else { continue }
            let result = try body(port)
            out.fileHandleForReading.readabilityHandler = nil
            return result
        }
        throw ValidationError("openssl s_server did not start")
    }

    static func runToEnd(_ executable: String, _ args: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = args
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    static func which(_ name: String) throws -> String {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw ValidationError("\(name) not found on PATH")
    }

    /// A free TCP port on 127.0.0.1, picked by the kernel (s_server cannot report port 0).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ValidationError("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard ok else { throw ValidationError("cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    final class TextBox: Sendable {
        private let text = Mutex("")
        func withLock<T>(_ body: (inout String) -> T) -> T { text.withLock { body(&$0) } }
    }

    final class Counter: Sendable {
        private let count = Mutex(0)
        func increment() { count.withLock { $0 += 1 } }
        var value: Int { count.withLock { $0 } }
    }
}
