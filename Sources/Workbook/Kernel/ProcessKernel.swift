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

    public func ready() async throws(KernelError) {
        _ = try await executable()
    }

    /// The kernel to run, waiting for a first build that is still going.
    func executable() async throws(KernelError) -> URL {
        while true {
            if let build {
                switch build.state() {
                case .running(let done, let total):
                    onWait(done, total)
                    try? await Task.sleep(for: .milliseconds(500))
                    continue
                case .failed:
                    throw .buildFailed(log: build.log.path)
                case .idle:
                    break
                }
            }
            if let kernel = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) {
                return kernel
            }
            throw .notBuilt(searched: candidates.map(\.path))
        }
    }

    public func run(_ step: String, mode: RunMode, directory: URL, endpoint: String?, at: Date?) async throws(KernelError) -> StepResult {
        var arguments = ["run", step, "--dir", directory.path]
        if mode == .live { arguments.append("--live") }
        if let endpoint { arguments += ["--endpoint", endpoint] }
        if let at { arguments += ["--at", String(at.timeIntervalSince1970)] }
        return try await request(arguments)
    }

    public func evaluate(_ evidence: Evidence, directory: URL, at: Date?) async throws(KernelError) -> EvidenceResult {
        var arguments: [String]
        switch evidence {
        case .svid(let path, let id): arguments = ["evidence", "svid", path, id]
        case .chain(let svid, let bundle): arguments = ["evidence", "chain", svid, bundle]
        }
        arguments += ["--dir", directory.path]
        if let at { arguments += ["--at", String(at.timeIntervalSince1970)] }
        return try await request(arguments)
    }

    /// The kernel's one answer: the protocol number is read before anything else, so a kernel of
    /// another checkout is named as such instead of being misread.
    func request<Answer: Decodable>(_ arguments: [String]) async throws(KernelError) -> Answer {
        let kernel = try await executable()
        let stdout: String
        do {
            let result = try await Subprocess.run(
                .path(FilePath(kernel.path)), arguments: Arguments(arguments),
                output: .string(limit: 16 << 20), error: .string(limit: 64 << 10))
            guard case .exited(0) = result.terminationStatus else {
                let message = (result.standardError ?? "").split(separator: "\n").last.map(String.init) ?? ""
                throw KernelError.failed(kernel: kernel.path, status: "\(result.terminationStatus)", message: message)
            }
            stdout = result.standardOutput ?? ""
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
