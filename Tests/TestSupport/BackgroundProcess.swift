import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A long-running process (a server, an agent) a test starts, reads while it runs, and always
/// stops: `stop()` sends SIGTERM, then SIGKILL if it lingers; `deinit` kills it as a last resort,
/// so no test leaves a process behind even when an expectation throws.
///
/// Started through TestSupport's `ChildProcess`, so the child gets an empty signal mask (the test
/// runner blocks SIGINT and SIGTERM on its threads; a child that inherited that mask and uses
/// classic handlers, as openssl s_server does, would never see the signal).
public final class BackgroundProcess: @unchecked Sendable {
    // @unchecked: `child` is set once in init; the buffers are behind a Mutex.
    public let name: String
    private let child: ChildProcess
    private let output = OutputBox()
    private let drained = DispatchGroup()

    private final class OutputBox: Sendable {
        private let text = Mutex<(stdout: String, stderr: String)>(("", ""))
        func withLock<T>(_ body: (inout (stdout: String, stderr: String)) -> T) -> T { text.withLock { body(&$0) } }
    }

    public init(_ name: String, _ executable: String, _ args: [String], env: [String: String] = [:], currentDirectory: URL? = nil) throws {
        self.name = name
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in env { environment[key] = value }
        let out = try ChildProcess.pipe(), err = try ChildProcess.pipe()
        do {
            child = try ChildProcess(path: executable, args: args, environment: environment, currentDirectory: currentDirectory,
                                     stdout: out.write, stderr: err.write)
        } catch {
            for fd in [out.read, out.write, err.read, err.write] { close(fd) }
            throw error
        }
        close(out.write); close(err.write)
        for (fd, isOut) in [(out.read, true), (err.read, false)] {
            drained.enter()
            Thread.detachNewThread { [output, drained] in
                var buffer = [UInt8](repeating: 0, count: 16384)
                while true {
                    let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { break }
                    let text = String(decoding: buffer[0..<n], as: UTF8.self)
                    output.withLock { if isOut { $0.stdout += text } else { $0.stderr += text } }
                }
                close(fd)
                drained.leave()
            }
        }
    }

    public var pid: Int32 { child.pid }
    public var stdout: String { output.withLock { $0.stdout } }
    public var stderr: String { output.withLock { $0.stderr } }
    public var isRunning: Bool { child.isRunning }
    var exitStatus: Int32? { child.exitStatus }

    public struct WaitFailed: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// Polls until `predicate` holds for (stdout, stderr); the deadline only turns a hang into a
    /// failure, it measures nothing. Every wait here is async (TestSupport.poll), never on a
    /// thread of Swift's cooperative pool (see `TestSupport.run`).
    @discardableResult
    public func waitUntil(
        _ what: String, deadline: TimeInterval = 120, _ predicate: (String, String) -> Bool
    ) async throws -> (String, String) {
        let outcome = try await TestSupport.poll(for: deadline) { () -> (out: String, err: String, exited: Int32?)? in
            let (out, err) = output.withLock { ($0.stdout, $0.stderr) }
            if predicate(out, err) { return (out, err, nil) }
            if let status = child.exitStatus { return (out, err, status) }
            return nil
        }
        guard let outcome else {
            throw WaitFailed(description: "\(name): no \(what) within \(Int(deadline)) s\n--- stdout ---\n\(stdout)\n--- stderr ---\n\(stderr)")
        }
        guard let status = outcome.exited else { return (outcome.out, outcome.err) }
        await outputDrained()   // let the pipes drain: the line may have come with the exit
        let (out, err) = output.withLock { ($0.stdout, $0.stderr) }
        if predicate(out, err) { return (out, err) }
        throw WaitFailed(description: "\(name) exited (status \(status)) before \(what)\n--- stdout ---\n\(out)\n--- stderr ---\n\(err)")
    }

    /// Waits for `text` on stdout (or stderr with `onStderr`).
    @discardableResult
    public func waitFor(_ text: String, onStderr: Bool = false, deadline: TimeInterval = 120) async throws -> String {
        let (out, err) = try await waitUntil("'\(text)'", deadline: deadline) { out, err in (onStderr ? err : out).contains(text) }
        return onStderr ? err : out
    }

    /// Waits for the process to exit by itself.
    public func waitForExit(deadline: TimeInterval = 120) async throws -> Int32 {
        guard let status = try await TestSupport.poll(for: deadline, every: .milliseconds(20), { child.exitStatus }) else {
            throw WaitFailed(description: "\(name) still running after \(Int(deadline)) s\n--- stdout ---\n\(stdout)\n--- stderr ---\n\(stderr)")
        }
        await outputDrained()
        return status
    }

    /// Lets the reader threads take the last of the output (for at most 2 s: something the child
    /// left behind may hold its pipes open).
    private func outputDrained() async {
        _ = try? await TestSupport.poll(for: 2, every: .milliseconds(20)) { drained.wait(timeout: .now()) == .success ? true : nil }
    }

    /// SIGTERM (or `signal`), then SIGKILL after `grace` seconds, for a `defer`: returns at once
    /// and lets a thread of its own wait for the end (see `ChildProcess.stopSoon`).
    public func stop(signal: Int32 = SIGTERM, grace: TimeInterval = 10) {
        child.stopSoon(signal: signal, grace: grace)
    }

    /// SIGTERM (or `signal`), then SIGKILL after `grace` seconds; returns the exit status once
    /// the process has ended and its output is read.
    @discardableResult
    public func stopped(signal: Int32 = SIGTERM, grace: TimeInterval = 10) async -> Int32 {
        let status = await child.stopped(signal: signal, grace: grace)
        await outputDrained()
        return status
    }

    deinit {
        if child.isRunning { child.stopSoon(signal: SIGKILL, grace: 0) }
    }
}

/// The port a `tls-server` printed in its first line (`listening on 127.0.0.1:PORT as …`).
public func listeningPort(_ server: BackgroundProcess) async throws -> Int {
    let out = try await server.waitFor("listening on ")
    for line in out.split(separator: "\n") where line.hasPrefix("listening on ") {
        let address = line.dropFirst("listening on ".count).split(separator: " ")[0]
        if let port = address.split(separator: ":").last.flatMap({ Int($0) }) { return port }
    }
    throw BackgroundProcess.WaitFailed(description: "no port in: \(out)")
}

/// A free TCP port on 127.0.0.1 for tools that cannot bind port 0 and report it (openssl
/// s_server). The kernel picks it; the small window before the tool binds it is acceptable on
/// loopback, and callers retry on a bind failure.
public func freePort() throws -> Int {
    guard let (fd, port) = listenOnLoopback(AF_INET) else {
        throw BackgroundProcess.WaitFailed(description: "cannot listen on 127.0.0.1: \(String(cString: strerror(errno)))")
    }
    close(fd)
    return Int(port)
}

/// A TCP socket listening on the loopback address of `family` (AF_INET: 127.0.0.1, AF_INET6:
/// ::1) at a port the kernel picks, and that port; nil when the machine cannot bind there.
public func listenOnLoopback(_ family: Int32) -> (fd: Int32, port: UInt16)? {
    let fd = socket(family, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    var address = sockaddr_storage()
    var length: socklen_t
    if family == AF_INET6 {
        length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        withUnsafeMutableBytes(of: &address) { raw in
            let v6 = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in6.self)
            v6.pointee.sin6_family = sa_family_t(AF_INET6)
            v6.pointee.sin6_addr = in6addr_loopback
        }
    } else {
        length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutableBytes(of: &address) { raw in
            let v4 = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in.self)
            v4.pointee.sin_family = sa_family_t(AF_INET)
            v4.pointee.sin_addr.s_addr = inet_addr("127.0.0.1")
        }
    }
    let listening = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, length) == 0 && listen(fd, 4) == 0 && getsockname(fd, $0, &length) == 0
        }
    }
    guard listening else { close(fd); return nil }
    // sin_port and sin6_port sit at the same offset, in network byte order.
    let port = withUnsafeBytes(of: &address) { $0.load(fromByteOffset: 2, as: UInt16.self) }
    return (fd, UInt16(bigEndian: port))
}
