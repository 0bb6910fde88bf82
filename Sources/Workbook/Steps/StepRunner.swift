import Foundation
import Lessons

/// The result of running one step, labelled with the mode it ran in.
public struct StepRun: Sendable {
    public enum Outcome: Sendable {
        case succeeded(StepOutput)
        case failed(String)
        /// The lesson names a step that is not registered yet, or the step threw `StepUnavailable`.
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

/// Runs registered steps for a day, in a directory of the learner's workspace.
public struct StepRunner: Sendable {
    /// Looks a step up by id (the Lessons registry by default; tests may pass their own).
    public var lookup: @Sendable (String) -> Step?
    public var now: @Sendable () -> Date
    public var endpoint: String?

    public init(
        lookup: @escaping @Sendable (String) -> Step? = { Steps.step(id: $0) },
        now: @escaping @Sendable () -> Date = { Date() },
        endpoint: String? = ProcessInfo.processInfo.environment["SPIFFE_ENDPOINT_SOCKET"]
    ) {
        self.lookup = lookup
        self.now = now
        self.endpoint = endpoint
    }

    /// Runs `id` in `mode` with `directory` as its workspace.
    ///
    /// A step that supports only the simulated mode runs simulated even when live was asked for;
    /// the result says so, because every result is labelled with the mode it really ran in.
    public func run(_ id: String, mode requested: RunMode, directory: URL, pendingReason: String? = nil) async -> StepRun {
        guard let step = lookup(id) else {
            let why = pendingReason.map { "step \(id) is not available yet: \($0)" }
                ?? "step \(id) is not registered in the Lessons step registry"
            return StepRun(stepID: id, mode: requested, outcome: .unavailable(why))
        }
        let mode = step.modes.contains(requested) ? requested : (step.modes.contains(.simulated) ? .simulated : requested)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            return StepRun(stepID: id, mode: mode, outcome: .failed("cannot create \(directory.path): \(error.localizedDescription)"))
        }
        let context = StepContext(mode: mode, workspace: directory, endpoint: endpoint, now: now)
        do {
            let output = try await step.run(context)
            return StepRun(stepID: id, mode: mode, outcome: .succeeded(output))
        } catch let unavailable as StepUnavailable {
            return StepRun(stepID: id, mode: mode, outcome: .unavailable(unavailable.description))
        } catch {
            return StepRun(stepID: id, mode: mode, outcome: .failed(String(describing: error)))
        }
    }
}
