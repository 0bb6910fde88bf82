import Foundation
import Synchronization
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A long-running process (a server, an agent) a test starts, reads while it runs, and always
/// stops: `stop()` sends SIGTERM, then SIGKILL if it lingers; `deinit` kills it as a last resort,
/// so no test leaves a process behind even when an expectation throws.
///
/// Beware: Foundation's `Process` passes on the test runner's signal mask, in which SIGINT and
/// SIGTERM are *blocked*. Programs that read signals through signalfd (libdispatch signal
/// sources, as spiffe-demo uses) still see them; programs with classic handlers (openssl
/// s_server) never do, so stop those with SIGKILL.
final class BackgroundProcess: @unchecked Sendable {
    // @unchecked: `process` is set once in init; the buffers are behind a Mutex.
    let name: String
    private let process = Process()
    private let output = OutputBox()

    private final class OutputBox: Sendable {
        private let text = Mutex<(stdout: String, stderr: String)>(("", ""))
        func withLock<T>(_ body: (inout (stdout: String, stderr: String)) -> T) -> T { text.withLock { body(&$0) } }
    }

    init(_ name: String, _ executable: String, _ args: [String], env: [String: String] = [:], currentDirectory: URL? = nil) throws {
        self.name = name
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = args
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in env { environment[key] = value }
        process.environment = environment
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        let outPipe = Pipe(), errPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = FileHandle.nullDevice
        outPipe.fileHandleForReading.readabilityHandler = { [output] handle in
            let data = handle.availableData
            guard !data.isEmpty else { handle.readabilityHandler = nil; return }
            output.withLock { $0.stdout += String(decoding: data, as: UTF8.self) }
        }
        errPipe.fileHandleForReading.readabilityHandler = { [output] handle in
            let data = handle.availableData
            guard !data.isEmpty else { handle.readabilityHandler = nil; return }
            output.withLock { $0.stderr += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var stdout: String { output.withLock { $0.stdout } }
    var stderr: String { output.withLock { $0.stderr } }
    var isRunning: Bool { process.isRunning }
    var exitStatus: Int32? { process.isRunning ? nil : process.terminationStatus }

    struct WaitFailed: Error, CustomStringConvertible {
        let description: String
    }

    /// Polls until `predicate` holds for (stdout, stderr); the deadline only turns a hang into a
    /// failure, it measures nothing.
    @discardableResult
    func waitUntil(_ what: String, deadline: TimeInterval = 120, _ predicate: (String, String) -> Bool) throws -> (String, String) {
        let end = Date().addingTimeInterval(deadline)
        while Date() < end {
            let (out, err) = output.withLock { ($0.stdout, $0.stderr) }
            if predicate(out, err) { return (out, err) }
            if !process.isRunning {
                Thread.sleep(forTimeInterval: 0.2)   // let the pipes drain
                let (out, err) = output.withLock { ($0.stdout, $0.stderr) }
                if predicate(out, err) { return (out, err) }
                throw WaitFailed(description: "\(name) exited (status \(process.terminationStatus)) before \(what)\n--- stdout ---\n\(out)\n--- stderr ---\n\(err)")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw WaitFailed(description: "\(name): no \(what) within \(Int(deadline)) s\n--- stdout ---\n\(stdout)\n--- stderr ---\n\(stderr)")
    }

    /// Waits for `text` on stdout (or stderr with `onStderr`).
    @discardableResult
    func waitFor(_ text: String, onStderr: Bool = false, deadline: TimeInterval = 120) throws -> String {
        let (out, err) = try waitUntil("'\(text)'", deadline: deadline) { out, err in (onStderr ? err : out).contains(text) }
        return onStderr ? err : out
    }

    /// Waits for the process to exit by itself.
    func waitForExit(deadline: TimeInterval = 120) throws -> Int32 {
        let end = Date().addingTimeInterval(deadline)
        while process.isRunning, Date() < end { Thread.sleep(forTimeInterval: 0.05) }
        guard !process.isRunning else {
            throw WaitFailed(description: "\(name) still running after \(Int(deadline)) s\n--- stdout ---\n\(stdout)\n--- stderr ---\n\(stderr)")
        }
        Thread.sleep(forTimeInterval: 0.1)
        return process.terminationStatus
    }

    /// SIGTERM (or `signal`), then SIGKILL after `grace` seconds. Returns the exit status.
    @discardableResult
    func stop(signal: Int32 = SIGTERM, grace: TimeInterval = 10) -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        kill(process.processIdentifier, signal)
        let end = Date().addingTimeInterval(grace)
        while process.isRunning, Date() < end { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        Thread.sleep(forTimeInterval: 0.1)
        return process.terminationStatus
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// The port a `tls-server` printed in its first line (`listening on 127.0.0.1:PORT as …`).
func listeningPort(_ server: BackgroundProcess) throws -> Int {
    let out = try server.waitFor("listening on ")
    for line in out.split(separator: "\n") where line.hasPrefix("listening on ") {
        let address = line.dropFirst("listening on ".count).split(separator: " ")[0]
        if let port = address.split(separator: ":").last.flatMap({ Int($0) }) { return port }
    }
    throw BackgroundProcess.WaitFailed(description: "no port in: \(out)")
}

/// A free TCP port on 127.0.0.1 for tools that cannot bind port 0 and report it (openssl
/// s_server). The kernel picks it; the small window before the tool binds it is acceptable on
/// loopback, and callers retry on a bind failure.
func freePort() throws -> Int {
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
