import Foundation
import WorkbookProtocol

/// The result of running one step, labelled with the mode it ran in.
public struct StepRun: Sendable {
    public enum Outcome: Sendable {
        case succeeded(StepOutput)
        case failed(String)
        /// The lesson names a step that is not registered yet, the step threw `StepUnavailable`,
        /// or the kernel cannot be reached.
        case unavailable(String)
    }

    public var stepID: String
    public var mode: RunMode
    public var outcome: Outcome

    public var output: StepOutput? {
        if case .succeeded(let output) = outcome { return output }
        return nil
    }
}

/// Runs registered steps for a day, in a directory of the learner's workspace, through the kernel.
public struct StepRunner: Sendable {
    /// The registry as the workbook knows it without the kernel (what `show` uses).
    public var catalog: StepCatalog
    public var kernel: any KernelConnection
    /// A fixed time for every step and check (tests); nil: the kernel's own clock.
    public var at: Date?
    public var endpoint: String?

    public init(
        catalog: StepCatalog, kernel: any KernelConnection, at: Date? = nil,
        endpoint: String? = ProcessInfo.processInfo.environment["SPIFFE_ENDPOINT_SOCKET"]
    ) {
        self.catalog = catalog
        self.kernel = kernel
        self.at = at
        self.endpoint = endpoint
    }

    /// The step registered as `id`, if any.
    public func lookup(_ id: String) -> StepInfo? { catalog.step(id) }

    /// Runs `id` in `mode` with `directory` as its workspace.
    ///
    /// A step that supports only the simulated mode runs simulated even when live was asked for;
    /// the result says so, because every result is labelled with the mode it really ran in.
    public func run(_ id: String, mode requested: RunMode, directory: URL, pendingReason: String? = nil) async -> StepRun {
        guard lookup(id) != nil else {
            let why = pendingReason.map { "step \(id) is not available yet: \($0)" }
                ?? "step \(id) is not registered in the Lessons step registry"
            return StepRun(stepID: id, mode: requested, outcome: .unavailable(why))
        }
        do {
            let result = try await kernel.run(id, mode: requested, directory: directory, endpoint: endpoint, at: at)
            switch result.outcome {
            case .succeeded: return StepRun(stepID: id, mode: result.mode, outcome: .succeeded(result.output))
            case .failed: return StepRun(stepID: id, mode: result.mode, outcome: .failed(result.message ?? "failed"))
            case .unavailable: return StepRun(stepID: id, mode: result.mode, outcome: .unavailable(result.message ?? "unavailable"))
            }
        } catch {
            switch error {
            case .notBuilt, .buildFailed:
                return StepRun(stepID: id, mode: requested, outcome: .unavailable(error.description))
            case .protocolMismatch, .failed, .badAnswer:
                // The kernel was there and broke: that is a failure, not a step still to come.
                return StepRun(stepID: id, mode: requested, outcome: .failed(error.description))
            }
        }
    }
}
