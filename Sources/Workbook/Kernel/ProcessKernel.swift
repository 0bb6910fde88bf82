import Foundation
import Subprocess
import SystemPackage
import WorkbookProtocol

/// The kernel as a program: `workbook-kernel`, run once per request, answering one JSON object.
public struct ProcessKernel: KernelConnection {
    /// Where to look for the kernel, in order (the first that exists is used).
    public var candidates: [URL]
    /// The background first build, if scripts/workbook started one.
    public var build: KernelBuild?
    /// Called every half second while waiting for the first build, with its progress.
    public var onWait: @Sendable (_ done: Int, _ total: Int) -> Void

    public init(candidates: [URL], build: KernelBuild?, onWait: @escaping @Sendable (Int, Int) -> Void = { _, _ in }) {
        self.candidates = candidates
        self.build = build
        self.onWait = onWait
    }

    /// `$WORKBOOK_KERNEL` alone when it is set; otherwise next to the workbook's own executable
    /// (a plain `swift build` builds the pair), then in the first-run build folder.
    public static func candidates(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        executable: URL? = Bundle.main.executableURL, sourceRoot: URL?
    ) -> [URL] {
        if let explicit = environment["WORKBOOK_KERNEL"], !explicit.isEmpty { return [URL(fileURLWithPath: explicit)] }
        var found: [URL] = []
        if let executable {
            found.append(executable.resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent(KernelProtocol.executableName))
        }
        if let sourceRoot {
            found.append(sourceRoot.appendingPathComponent(".build-kernel/debug").appendingPathComponent(KernelProtocol.executableName))
        }
        return found
    }

    /// Checks that a kernel is there (waiting for a first build still going) and that it speaks
    /// this workbook's protocol, by asking it for its steps.
    public func ready() async throws(KernelError) {
        let _: StepListing = try await request(["steps"], timeout: .seconds(60))
    }

    /// The kernel to run, waiting for a first build that is still going.
    ///
    /// Of the kernels that exist, the newest is used (next to the workbook wins a tie), so a
    /// kernel left next to the workbook by an older `swift build` does not shadow the one the
    /// background build just made. The background build's state matters only when its output is
    /// what would run: a failed first build does not hide a kernel built by hand.
    func executable() async throws(KernelError) -> URL {
        func modified(_ url: URL) -> Date {
            ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date) ?? .distantPast
        }
        var waited = false
        defer { if waited { onWait(-1, -1) } }
        while true {
            let existing = candidates.filter { FileManager.default.isExecutableFile(atPath: $0.path) }
            let newest = existing.max { modified($0) < modified($1) }
            let chosen = newest.map { newest in existing.first { modified($0) == modified(newest) } ?? newest }
            if let build, chosen == nil || chosen == buildOutput {
                switch build.state() {
                case .running(let done, let total):
                    waited = true
                    onWait(done, total)
                    try? await Task.sleep(for: .milliseconds(500))
                    continue
                case .failed:
                    // A kernel newer than the failure (built by hand since) is still good.
                    if let chosen, modified(chosen) > build.endedAt { return chosen }
                    throw .buildFailed(log: build.log.path)
                case .idle:
                    break
                }
            }
            if let chosen { return chosen }
            throw .notBuilt(searched: candidates.map(\.path))
        }
    }

    /// The background build's product, the last candidate when there is a build to follow.
    var buildOutput: URL? { build == nil ? nil : candidates.last }

    /// How long one step may run: far beyond any step of the course (the longest wait for a
    /// rotation or a peer); a step that hangs is stopped, and says so.
    public static let stepTimeout: Duration = .seconds(600)

    public func run(_ step: String, mode: RunMode, directory: URL, endpoint: String?, at: Date?) async throws(KernelError) -> StepResult {
        var arguments = ["run", step, "--dir", directory.path]
        if mode == .live { arguments.append("--live") }
        if let endpoint { arguments += ["--endpoint", endpoint] }
        if let at { arguments += ["--at", String(at.timeIntervalSince1970)] }
        return try await request(arguments, timeout: Self.stepTimeout)
    }

    public func evaluate(_ evidence: Evidence, directory: URL, at: Date?) async throws(KernelError) -> EvidenceResult {
        var arguments: [String]
        switch evidence {
        case .svid(let path, let id): arguments = ["evidence", "svid", path, id]
        case .chain(let svid, let bundle): arguments = ["evidence", "chain", svid, bundle]
        case .ids(let path, let minimum): arguments = ["evidence", "ids", path, String(minimum)]
        case .breaks(let path, let rule): arguments = ["evidence", "breaks", path, rule]
        }
        arguments += ["--dir", directory.path]
        if let at { arguments += ["--at", String(at.timeIntervalSince1970)] }
        return try await request(arguments, timeout: .seconds(60))
    }

    /// The kernel's one answer: the protocol number is read before anything else, so a kernel of
    /// another checkout is named as such instead of being misread.
    func request<Answer: Decodable>(_ arguments: [String], timeout: Duration) async throws(KernelError) -> Answer {
        let kernel = try await executable()
        let stdout: String
        do {
            stdout = try await Self.collect(kernel, arguments, timeout: timeout)
        } catch let error as KernelError {
            throw error
        } catch {
            throw .failed(kernel: kernel.path, status: "could not start", message: "\(error)")
        }
        let data = Data(stdout.utf8)
        guard let envelope = try? JSONDecoder().decode(ProtocolEnvelope.self, from: data) else {
            throw .badAnswer(kernel: kernel.path, reason: "no JSON object with a protocol number")
        }
        guard envelope.protocol == KernelProtocol.version else {
            throw .protocolMismatch(kernel: kernel.path, speaks: envelope.protocol)
        }
        do {
            return try JSONDecoder().decode(Answer.self, from: data)
        } catch {
            throw .badAnswer(kernel: kernel.path, reason: "\(error)")
        }
    }
}

/// The part of every kernel answer that is read first.
private struct ProtocolEnvelope: Decodable {
    let `protocol`: Int
}

extension ProcessKernel {
    /// Runs the kernel and returns its stdout; a non-zero exit is the last line of its stderr, and
    /// a kernel still running after `timeout` is stopped (cancelling the run tears the child down).
    static func collect(_ kernel: URL, _ arguments: [String], timeout: Duration) async throws -> String {
        try await withThrowingTaskGroup(of: String?.self) { group in
            group.addTask {
                let result = try await Subprocess.run(
                    .path(FilePath(kernel.path)), arguments: Arguments(arguments),
                    output: .string(limit: 16 << 20), error: .string(limit: 4 << 20))
                guard case .exited(0) = result.terminationStatus else {
                    let message = result.standardError.split(separator: "\n").last.map(String.init) ?? ""
                    throw KernelError.failed(kernel: kernel.path, status: "\(result.terminationStatus)", message: message)
                }
                return result.standardOutput
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let stdout = first else {
                throw KernelError.failed(kernel: kernel.path, status: "stopped after \(timeout.components.seconds) s",
                                         message: "\(arguments.prefix(2).joined(separator: " ")) did not finish")
            }
            return stdout
        }
    }
}
