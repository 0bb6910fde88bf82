import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Helpers every test target may use: where the package and the built binaries are, how to run a
/// binary and capture what it printed, and scratch directories.
///
/// Tests drive the REAL binaries (`workbook`, `spiffe-demo`, …) that `swift build --build-tests`
/// put next to the test bundle, so what a test asserts is what a learner sees.
public enum TestSupport {

    /// What a finished process left behind.
    public struct ProcessResult: Sendable, CustomStringConvertible {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        /// True when the process was killed because it outlived its deadline.
        public var timedOut: Bool

        public var description: String {
            "exit \(status)\(timedOut ? " (killed after deadline)" : "")\n--- stdout ---\n\(stdout)\n--- stderr ---\n\(stderr)"
        }
    }

    public enum SupportError: Error, CustomStringConvertible {
        case productMissing(String, searched: URL)
        case launchFailed(String, String)
        case pythonMissing(String)
        case tmuxFailed(String)

        public var description: String {
            switch self {
            case .productMissing(let name, let dir):
                return "built product '\(name)' not found in \(dir.path); run `swift build --build-tests` first"
            case .launchFailed(let path, let why):
                return "could not launch \(path): \(why)"
            case .pythonMissing(let why):
                return "the Python interop venv is missing (\(why)); run `scripts/setup --tests` or set SPIFFE_WORKBOOK_PYTHON"
            case .tmuxFailed(let why):
                return "tmux: \(why)"
            }
        }
    }

    // MARK: Locations

    /// The package root (the directory holding Package.swift), found from this source file.
    public static let packageRoot: URL = {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        for _ in 0..<6 {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
                return dir
            }
            dir = dir.deletingLastPathComponent()
        }
        // Tests/TestSupport/TestSupport.swift -> two levels up.
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }()

    /// The directory holding the built products (`.build/<triple>/debug`): the directory of the
    /// running test bundle. `SPIFFE_WORKBOOK_PRODUCTS` overrides it.
    public static let productsDirectory: URL = {
        if let override = ProcessInfo.processInfo.environment["SPIFFE_WORKBOOK_PRODUCTS"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        #if os(macOS)
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            return bundle.bundleURL.deletingLastPathComponent()
        }
        #endif
        // On Linux the test bundle is an executable (`…PackageTests.xctest`) in the products
        // directory itself.
        let executable = Bundle.main.executableURL
            ?? URL(fileURLWithPath: CommandLine.arguments[0])
        var dir = executable.resolvingSymlinksInPath().deletingLastPathComponent()
        // If the runner is nested (e.g. inside an .xctest directory), walk up to the directory
        // that holds the products.
        for _ in 0..<4 {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("workbook").path)
                || FileManager.default.fileExists(atPath: dir.appendingPathComponent("spiffe-demo").path)
            {
                return dir
            }
            dir = dir.deletingLastPathComponent()
        }
        return executable.resolvingSymlinksInPath().deletingLastPathComponent()
    }()

    /// The path of a built executable product, e.g. `try TestSupport.product("workbook")`.
    public static func product(_ name: String) throws -> URL {
        let url = productsDirectory.appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw SupportError.productMissing(name, searched: productsDirectory)
        }
        return url
    }

    /// The Python interpreter of the interop venv: `SPIFFE_WORKBOOK_PYTHON`, else
    /// `<package root>/.venv/bin/python`. Throws (so the test FAILS) when it is missing.
    public static func python() throws -> URL {
        if let explicit = ProcessInfo.processInfo.environment["SPIFFE_WORKBOOK_PYTHON"], !explicit.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: explicit) else {
                throw SupportError.pythonMissing("SPIFFE_WORKBOOK_PYTHON=\(explicit) is not executable")
            }
            return URL(fileURLWithPath: explicit)
        }
        let venv = packageRoot.appendingPathComponent(".venv/bin/python")
        guard FileManager.default.isExecutableFile(atPath: venv.path) else {
            throw SupportError.pythonMissing("no \(venv.path)")
        }
        return venv
    }

    // MARK: Scratch space

    /// A fresh, empty directory under the system temp directory. The caller removes it when done
    /// (or leaves it for inspection after a failure).
    public static func makeTempDirectory(prefix: String = "spiffe-workbook-test") throws -> URL {
        let base = URL(fileURLWithPath: NSTemporaryDirectory())
        let dir = base.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    // MARK: Running processes

    /// Asks `probe` every `interval` until it returns a value, for at most `deadline` seconds; nil
    /// when time runs out. Sleeps with `Task.sleep`, so no thread of the cooperative pool waits
    /// (see `run`). The deadline only turns a hang into a failure; it measures nothing.
    public static func poll<T>(
        for deadline: TimeInterval, every interval: Duration = .milliseconds(50), _ probe: () throws -> T?
    ) async throws -> T? {
        let end = ContinuousClock.now + .seconds(deadline)
        while true {
            if let value = try probe() { return value }
            guard ContinuousClock.now < end else { return nil }
            try await Task.sleep(for: interval)
        }
    }

    /// Runs blocking `work` on a new thread and awaits its result.
    public static func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
        }
    }

    /// Runs `executable` (a path, or a bare name of a built product, or a name found on PATH)
    /// with `args`, feeds `stdin` (then closes it), and returns the exit status and everything it
    /// printed. `env` entries are added to (and override) the current environment; names in
    /// `unsetting` are removed from it. The process is killed after `deadline` seconds so a hung
    /// binary fails the test instead of hanging the suite (a safety net, not a timing assertion).
    ///
    /// Built on `ChildProcess` rather than Foundation's `Process` (see there why): the child gets
    /// an empty signal mask and exactly stdin, stdout and stderr, and its pipes are close-on-exec
    /// so a sibling test's child cannot hold them open.
    ///
    /// Awaited without holding a thread of Swift's cooperative pool: the child is waited for on a
    /// thread of its own. On a 2-core machine the pool has two threads; a test that blocks one in
    /// `waitpid` starves every async task of the run, the in-process TLS handshakes and gRPC
    /// clients among them (CI saw a handshake's peer verification wait 15 s for a thread). There
    /// is therefore no public blocking variant.
    @discardableResult
    public static func run(
        _ executable: String,
        _ args: [String] = [],
        env: [String: String] = [:],
        unsetting: [String] = [],
        stdin: String? = nil,
        currentDirectory: URL? = nil,
        deadline: TimeInterval = 300
    ) async throws -> ProcessResult {
        try await offPool {
            try runBlocking(executable, args, env: env, unsetting: unsetting, stdin: stdin, currentDirectory: currentDirectory, deadline: deadline)
        }
    }

    /// `run` on the calling thread, for TestSupport's own short commands (tmux) only.
    @discardableResult
    static func runBlocking(
        _ executable: String,
        _ args: [String] = [],
        env: [String: String] = [:],
        unsetting: [String] = [],
        stdin: String? = nil,
        currentDirectory: URL? = nil,
        deadline: TimeInterval = 300
    ) throws -> ProcessResult {
        let path = try resolveExecutable(executable).path
        var environment = ProcessInfo.processInfo.environment
        for key in unsetting { environment.removeValue(forKey: key) }
        for (key, value) in env { environment[key] = value }

        let input = try ChildProcess.pipe(), output = try ChildProcess.pipe(), errors = try ChildProcess.pipe()
        let child: ChildProcess
        do {
            child = try ChildProcess(path: path, args: args, environment: environment, currentDirectory: currentDirectory,
                                     stdin: input.read, stdout: output.write, stderr: errors.write)
        } catch {
            for fd in [input.read, input.write, output.read, output.write, errors.read, errors.write] { close(fd) }
            throw error
        }
        close(input.read); close(output.write); close(errors.write)

        // Drain both pipes concurrently: a child that fills one pipe while we wait on the other
        // would otherwise deadlock.
        let collected = Collected()
        let group = DispatchGroup()
        for (fd, isOut) in [(output.read, true), (errors.read, false)] {
            group.enter()
            Thread.detachNewThread {
                collected.set(ChildProcess.readAll(fd), stdout: isOut)
                close(fd)
                group.leave()
            }
        }
        let stdinData = Array((stdin ?? "").utf8)
        let writerFD = input.write
        Thread.detachNewThread {
            // A child that exits without reading its input must not kill us with SIGPIPE.
            signal(SIGPIPE, SIG_IGN)
            var offset = 0
            while offset < stdinData.count {
                let n = stdinData[offset...].withUnsafeBytes { write(writerFD, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                offset += n
            }
            close(writerFD)
        }

        var timedOut = false
        var status = child.wait(deadline: deadline)
        if status == nil {
            timedOut = true
            status = child.stop(signal: SIGKILL, grace: 30)
        }
        // Something the child left behind may still hold its output open: give it a moment,
        // then end the child's process group.
        if group.wait(timeout: .now() + 30) == .timedOut {
            kill(-child.pid, SIGKILL)
            group.wait()
        }
        return ProcessResult(status: status ?? -1, stdout: collected.stdout, stderr: collected.stderr, timedOut: timedOut)
    }

    /// A built product name, an absolute/relative path, or a command on PATH.
    public static func resolveExecutable(_ name: String) throws -> URL {
        if name.contains("/") { return URL(fileURLWithPath: name) }
        let product = productsDirectory.appendingPathComponent(name)
        if FileManager.default.isExecutableFile(atPath: product.path) { return product }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(dir)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw SupportError.productMissing(name, searched: productsDirectory)
    }

    private final class Collected: @unchecked Sendable {
        private let lock = NSLock()
        private var out = Data(), err = Data()
        func set(_ data: Data, stdout: Bool) {
            lock.lock(); defer { lock.unlock() }
            if stdout { out = data } else { err = data }
        }
        var stdout: String { lock.lock(); defer { lock.unlock() }; return String(decoding: out, as: UTF8.self) }
        var stderr: String { lock.lock(); defer { lock.unlock() }; return String(decoding: err, as: UTF8.self) }
    }
}
