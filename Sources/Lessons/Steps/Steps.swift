import WorkbookProtocol

/// The registry the workbook runs: step id -> Swift function.
///
/// Each concept keeps its steps in its own file (X509Steps.swift, WorkloadSteps.swift, …);
/// this list only joins them.
public enum Steps {
    public static let all: [Step] =
        x509Steps + workloadSteps + agentSteps + jwtSteps + oidcSteps + identitySteps + tlsSteps + pqcSteps + federationSteps + spireSteps + spireWorkloadSteps + spireFederationSteps

    public static func step(id: String) -> Step? {
        all.first { $0.id == id }
    }

    /// Runs step `id` in `context`, or says that no step has that id.
    public static func run(_ id: String, in context: StepContext) async throws -> StepOutput {
        guard let step = step(id: id) else { throw StepUnavailable(stepID: id, reason: "no step has this id") }
        return try await step.run(context)
    }
}
