import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A child process started the way a shell would start it, whatever state the test runner's
/// threads are in.
///
/// Why not Foundation's `Process`: a child inherits the calling thread's signal mask and every
/// file descriptor not marked close-on-exec. In the test runner SIGCHLD, SIGINT and SIGTERM are
/// blocked on many threads, and sibling tests open pipes concurrently. A `tmux` server started
/// from such a thread never learns that its pane's program exited (SIGCHLD stays blocked), never
/// exits, and keeps a copy of the runner's output pipe open — so whoever reads `swift test`'s
/// output waits for ever. Here every child starts with an empty signal mask, default signal
/// handlers, exactly stdin/stdout/stderr open, and in its own process group, so `kill()` reaches
/// anything it forked.
public final class ChildProcess: @unchecked Sendable {
    // @unchecked: `pid` is immutable; the exit status is behind a lock.
    public let pid: pid_t
    private let lock = NSLock()
    private var reaped: Int32?

    /// Starts `path` with `args`. `stdin`, `stdout` and `stderr` are descriptors in this process
    /// that become the child's 0, 1 and 2 (nil: /dev/null). `environment` replaces the child's
    /// environment entirely.
    public init(
        path: String,
        args: [String],
        environment: [String: String],
        currentDirectory: URL? = nil,
        stdin: Int32? = nil,
        stdout: Int32? = nil,
        stderr: Int32? = nil
    ) throws {
        let devNull = open("/dev/null", O_RDWR | O_CLOEXEC)
        defer { if devNull >= 0 { close(devNull) } }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin ?? devNull, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout ?? devNull, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr ?? devNull, 2)
        if let closeFrom = Libc.addCloseFrom {
            _ = closeFrom(&actions, 3)
        }
        if let currentDirectory {
            guard let addChdir = Libc.addChdir else {
                throw TestSupport.SupportError.launchFailed(path, "posix_spawn_file_actions_addchdir_np is not available")
            }
            _ = addChdir(&actions, currentDirectory.path)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        // Handlers the runner installed or ignores (SIGPIPE) go back to their defaults.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM] {
            sigaddset(&defaults, signal)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + args).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard spawned == 0 else {
            throw TestSupport.SupportError.launchFailed(path, String(cString: strerror(spawned)))
        }
        self.pid = pid
    }

    /// The exit status once the child has exited (128+N when killed by signal N), else nil.
    /// Reaps the child; never blocks.
    public var exitStatus: Int32? {
        lock.lock()
        defer { lock.unlock() }
        if let reaped { return reaped }
        var status: Int32 = 0
        var result: pid_t
        repeat { result = waitpid(pid, &status, WNOHANG) } while result < 0 && errno == EINTR
        guard result == pid else { return nil }
        reaped = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return reaped
    }

    public var isRunning: Bool { exitStatus == nil }

    /// Polls until the child exits or `deadline` seconds pass; returns its status or nil.
    public func wait(deadline: TimeInterval) -> Int32? {
        let end = Date().addingTimeInterval(deadline)
        while true {
            if let status = exitStatus { return status }
            if Date() >= end { return nil }
            usleep(5_000)
        }
    }

    /// Sends `signal` to the child's whole process group (it leads one of its own).
    public func signal(_ signal: Int32) {
        guard isRunning else { return }
        kill(-pid, signal)
    }

    /// `signal` (SIGTERM by default), then SIGKILL after `grace` seconds; returns the status.
    /// Blocks the calling thread: from async code use `stopped`, from a `defer` `stopSoon`.
    @discardableResult
    public func stop(signal first: Int32 = SIGTERM, grace: TimeInterval = 10) -> Int32 {
        signal(first)
        if let status = wait(deadline: grace) { return status }
        kill(-pid, SIGKILL)
        return wait(deadline: 60) ?? 128 + SIGKILL
    }

    /// `stop`, awaited: polls with `Task.sleep`, so no thread of the cooperative pool waits.
    @discardableResult
    public func stopped(signal first: Int32 = SIGTERM, grace: TimeInterval = 10) async -> Int32 {
        signal(first)
        if let status = await exit(within: grace) { return status }
        kill(-pid, SIGKILL)
        return await exit(within: 60) ?? 128 + SIGKILL
    }

    /// Sends `signal` now and leaves the waiting (and SIGKILL after `grace`) to a thread of its
    /// own: for `defer` and `deinit`, which cannot await and must not hold a pool thread while a
    /// loaded machine takes seconds to end the child.
    public func stopSoon(signal first: Int32 = SIGTERM, grace: TimeInterval = 10) {
        signal(first)
        Thread.detachNewThread { self.stop(signal: first, grace: grace) }
    }

    /// The exit status once the child has exited within `seconds`; nil if it has not (or the
    /// waiting task was cancelled).
    private func exit(within seconds: TimeInterval) async -> Int32? {
        (try? await TestSupport.poll(for: seconds, every: .milliseconds(5)) { exitStatus }) ?? nil
    }

    /// A close-on-exec pipe (pipe2 with O_CLOEXEC: atomic, so no concurrently spawned child can
    /// inherit it): `[read end, write end]`.
    public static func pipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        let made = fds.withUnsafeMutableBufferPointer { buffer -> Bool in
            if let pipe2 = Libc.pipe2 { return pipe2(buffer.baseAddress!, O_CLOEXEC) == 0 }
            guard Glibc.pipe(buffer.baseAddress!) == 0 else { return false }
            _ = fcntl(buffer[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(buffer[1], F_SETFD, FD_CLOEXEC)
            return true
        }
        guard made else { throw TestSupport.SupportError.launchFailed("pipe", String(cString: strerror(errno))) }
        return (fds[0], fds[1])
    }

    /// Reads `fd` to end of file.
    public static func readAll(_ fd: Int32) -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            data.append(contentsOf: buffer[0..<n])
        }
        return data
    }

    deinit {
        if exitStatus == nil {
            kill(-pid, SIGKILL)
            _ = wait(deadline: 30)
        }
    }

    /// GNU extensions Swift's Glibc module hides (they sit behind _GNU_SOURCE), looked up at run
    /// time.
    enum Libc {
        typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
        typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
        typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        static let pipe2: Pipe2? = dlsym(nil, "pipe2").map { unsafeBitCast($0, to: Pipe2.self) }
        static let addChdir: AddChdir? = dlsym(nil, "posix_spawn_file_actions_addchdir_np").map { unsafeBitCast($0, to: AddChdir.self) }
        static let addCloseFrom: AddCloseFrom? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map { unsafeBitCast($0, to: AddCloseFrom.self) }
    }
}

extension TestSupport {
    /// Copies an executable through a close-on-exec descriptor. Tests run in parallel, and a
    /// process another test spawns while a plain copy is being written inherits the write
    /// descriptor; as long as any process holds one, executing the file fails with "Text file
    /// busy" (ETXTBSY).
    public static func copyExecutable(_ source: URL, to destination: URL) throws {
        let data = try Data(contentsOf: source)
        let fd = open(destination.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o755)
        guard fd >= 0 else { throw SupportError.launchFailed(destination.path, "cannot create: \(String(cString: strerror(errno)))") }
        let written = data.withUnsafeBytes { buffer -> Int in
            var offset = 0
            while offset < buffer.count {
                let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 { if errno == EINTR { continue }; break }
                offset += n
            }
            return offset
        }
        fchmod(fd, 0o755)
        close(fd)
        guard written == data.count else { throw SupportError.launchFailed(destination.path, "short write") }
    }
}
