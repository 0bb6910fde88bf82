/// The registry the workbook runs: step id -> Swift function.
///
/// Each concept keeps its steps in its own file (X509Steps.swift, WorkloadSteps.swift, …);
/// this list only joins them.
public enum Steps {
    public static let all: [Step] =
        x509Steps + workloadSteps + jwtSteps + tlsSteps

    public static func step(id: String) -> Step? {
        all.first { $0.id == id }
    }
}
