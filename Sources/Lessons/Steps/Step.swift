import Foundation
import SpiffeLocalTrustDomain
import WorkbookProtocol

/// Everything a step may touch: the mode, the learner's workspace and the clock.
public struct StepContext: Sendable {
    public var mode: RunMode
    /// The learner's workspace; steps write their files (SVIDs, keys, bundles) below it.
    public var workspace: URL
    /// The Workload API endpoint for live mode (the value of `SPIFFE_ENDPOINT_SOCKET`).
    public var endpoint: String?
    /// Everything time-dependent takes a clock, so expiry and rotation are testable.
    public var now: @Sendable () -> Date

    /// Where simulated mode keeps its trust domains for this workspace (`<workspace>/state/`):
    /// every step of a day signs with the same CA and the same JWT keys.
    public var state: StateDirectory { StateDirectory(workspace.appendingPathComponent("state", isDirectory: true)) }

    public init(
        mode: RunMode,
        workspace: URL,
        endpoint: String? = ProcessInfo.processInfo.environment["SPIFFE_ENDPOINT_SOCKET"],
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.mode = mode
        self.workspace = workspace
        self.endpoint = endpoint
        self.now = now
    }
}

/// One exercise step: an id a lesson names in a ```` ```step <id> ```` block, the file whose
/// `// step: <id>` … `// end-step` anchors hold the source the lesson quotes, and the code to run.
public struct Step: Sendable {
    public let id: String
    public let title: String
    /// Path relative to the package root, e.g. `Sources/Lessons/X509/SVIDBuilder.swift`.
    public let sourceFile: String
    public let modes: Set<RunMode>
    /// The anchor name in `sourceFile` (`// step: <anchor>`); the step's id unless several steps
    /// quote the same code (svid-exchange-a and svid-exchange-b both quote `svid-exchange`) or
    /// the code's anchor has a name of its own (agent-register quotes `entry-create`).
    public let anchor: String
    public let run: @Sendable (StepContext) async throws -> StepOutput

    public init(
        id: String,
        title: String,
        sourceFile: String,
        anchor: String? = nil,
        modes: Set<RunMode> = [.simulated],
        run: @escaping @Sendable (StepContext) async throws -> StepOutput
    ) {
        self.id = id
        self.title = title
        self.sourceFile = sourceFile
        self.anchor = anchor ?? id
        self.modes = modes
        self.run = run
    }
}

/// Thrown by a step whose machinery has not landed yet, so a lesson can say what is missing.
public struct StepUnavailable: Error, Equatable, CustomStringConvertible {
    public let stepID: String
    public let reason: String
    public init(stepID: String, reason: String) {
        self.stepID = stepID
        self.reason = reason
    }
    public var description: String { "step \(stepID) is not available yet: \(reason)" }
}

/// A step that ran and found something wrong, in one sentence for the learner.
struct StepFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
