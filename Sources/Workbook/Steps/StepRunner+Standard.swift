import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
import WorkbookProtocol

extension StepRunner {
    /// The workbook's own runner: the committed catalog, and the `workbook-kernel` program next to
    /// the workbook or in the first-run build folder. While that first build is still going, a
    /// step or a check that needs the kernel waits for it with a progress bar on stderr.
    public static func standard(paths: WorkbookPaths, console: any Console, glyphs: Glyphs) -> StepRunner {
        // A kernel named in $WORKBOOK_KERNEL is used as it is; the background build is followed
        // only when its output is one of the candidates.
        let explicit = !(ProcessInfo.processInfo.environment["WORKBOOK_KERNEL"] ?? "").isEmpty
        let build = explicit ? nil : KernelBuild(directory: paths.workspace.appendingPathComponent(".kernel-build"))
        let bar = BuildProgressBar(console: console)
        let kernel = ProcessKernel(
            candidates: ProcessKernel.candidates(sourceRoot: paths.sourceRoot), build: build,
            onWait: { done, total in bar.show(done: done, total: total) })
        return StepRunner(catalog: StepCatalog.load(sourceRoot: paths.sourceRoot), kernel: kernel)
    }

    /// `evaluate` as the closure `ConditionEvaluator` takes.
    public var evidenceDecider: @Sendable (Evidence, URL, Date) async -> EvidenceResult {
        { [self] evidence, directory, at in await self.evaluate(evidence, directory: directory, at: at) }
    }

    /// Decides evidence that needs X.509, through the kernel; a kernel that cannot answer is a
    /// failed condition that says why.
    public func evaluate(_ evidence: Evidence, directory: URL, at: Date) async -> EvidenceResult {
        do {
            return try await kernel.evaluate(evidence, directory: directory, at: at)
        } catch {
            return EvidenceResult(passed: false, detail: error.description)
        }
    }
}

/// The first build's progress, drawn from SwiftPM's `[n/N]` lines instead of its output: on a
/// terminal one line redrawn in place, elsewhere a line every tenth of the way.
final class BuildProgressBar: Sendable {
    private let console: any Console
    private let shown = Mutex<(started: Bool, tenth: Int)>((false, -1))

    init(console: any Console) {
        self.console = console
    }

    /// `done` -1: the wait is over (the redrawn line gets its newline).
    func show(done: Int, total: Int) {
        // The bar goes to stderr, so that is the stream whose terminal matters.
        let interactive = console is StandardConsole && isatty(2) == 1
        if done < 0 {
            if interactive, shown.withLock({ $0.started }) { console.err("\n") }
            return
        }
        let (first, redraw) = shown.withLock { state -> (Bool, Bool) in
            let first = !state.started
            state.started = true
            let tenth = total > 0 ? done * 10 / total : 0
            let redraw = interactive || tenth != state.tenth
            state.tenth = tenth
            return (first, redraw)
        }
        if first {
            console.err("The toolkit kernel is still being built (it started when the workbook opened); waiting for it:\n")
        }
        guard redraw else { return }
        let line = "building workbook-kernel " + KernelBuild.bar(done: done, total: total)
        console.err(interactive ? "\r" + line : line + "\n")
    }
}
