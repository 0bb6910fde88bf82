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
    /// failure, it measures nothing. Every wait here is async and sleeps with `Task.sleep`, never
    /// on a thread of Swift's cooperative pool (see `TestSupport.run`).
    @discardableResult
    public func waitUntil(
        _ what: String, deadline: TimeInterval = 120, _ predicate: (String, String) -> Bool
    ) async throws -> (String, String) {
        let end = Date().addingTimeInterval(deadline)
        while Date() < end {
            let (out, err) = output.withLock { ($0.stdout, $0.stderr) }
            if predicate(out, err) { return (out, err) }
            if let status = child.exitStatus {
                await outputDrained()
                let (out, err) = output.withLock { ($0.stdout, $0.stderr) }
                if predicate(out, err) { return (out, err) }
                throw WaitFailed(description: "\(name) exited (status \(status)) before \(what)\n--- stdout ---\n\(out)\n--- stderr ---\n\(err)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw WaitFailed(description: "\(name): no \(what) within \(Int(deadline)) s\n--- stdout ---\n\(stdout)\n--- stderr ---\n\(stderr)")
    }

    /// Waits for `text` on stdout (or stderr with `onStderr`).
    @discardableResult
    public func waitFor(_ text: String, onStderr: Bool = false, deadline: TimeInterval = 120) async throws -> String {
        let (out, err) = try await waitUntil("'\(text)'", deadline: deadline) { out, err in (onStderr ? err : out).contains(text) }
        return onStderr ? err : out
    }

    /// Waits for the process to exit by itself.
    public func waitForExit(deadline: TimeInterval = 120) async throws -> Int32 {
        let end = Date().addingTimeInterval(deadline)
        while child.isRunning && Date() < end { try await Task.sleep(for: .milliseconds(20)) }
        guard let status = child.exitStatus else {
            throw WaitFailed(description: "\(name) still running after \(Int(deadline)) s\n--- stdout ---\n\(stdout)\n--- stderr ---\n\(stderr)")
        }
        await outputDrained()
        return status
    }

    /// Lets the reader threads take the last of the output (for at most 2 s: something the child
    /// left behind may hold its pipes open).
    private func outputDrained() async {
        var tries = 0
        while drained.wait(timeout: .now()) == .timedOut && tries < 100 {
            try? await Task.sleep(for: .milliseconds(20))
            tries += 1
        }
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
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw BackgroundProcess.WaitFailed(description: "socket() failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    guard bound == 0 else { throw BackgroundProcess.WaitFailed(description: "bind() failed") }
    let named = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard named == 0 else { throw BackgroundProcess.WaitFailed(description: "getsockname() failed") }
    return Int(UInt16(bigEndian: address.sin_port))
}
