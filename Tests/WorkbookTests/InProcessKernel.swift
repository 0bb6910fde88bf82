import Foundation
import Lessons
import Workbook
import WorkbookProtocol

/// The kernel in the test's own process: the same `StepKernel` workbook-kernel runs, without the
/// process and JSON in between, so tests can hand it a registry of their own.
struct InProcessKernel: KernelConnection {
    var kernel: StepKernel

    func ready() async throws(KernelError) {}

    func run(_ step: String, mode: RunMode, directory: URL, endpoint: String?, at: Date?) async throws(KernelError) -> StepResult {
        await kernel.run(step, mode: mode, directory: directory, endpoint: endpoint, now: { at ?? Date() })
    }

    func evaluate(_ evidence: Evidence, directory: URL, at: Date?) async throws(KernelError) -> EvidenceResult {
        kernel.evaluate(evidence, directory: directory, now: at ?? Date())
    }
}

extension StepRunner {
    /// A runner on `registry`, in this process: its catalog is the kernel's own listing.
    static func inProcess(_ registry: [Step] = Steps.all, endpoint: String? = nil) -> StepRunner {
        let kernel = StepKernel(registry: registry)
        return StepRunner(catalog: StepCatalog(steps: kernel.listing.steps), kernel: InProcessKernel(kernel: kernel), endpoint: endpoint)
    }
}
