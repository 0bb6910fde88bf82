import Foundation
import WorkbookProtocol

/// How the workbook reaches its kernel: `ProcessKernel` runs `workbook-kernel`; the tests also
/// talk to one in their own process.
public protocol KernelConnection: Sendable {
    /// Returns once the kernel can answer, or throws what keeps it from answering (not built, a
    /// build that failed). A kernel still being built is waited for.
    func ready() async throws(KernelError)
    func run(_ step: String, mode: RunMode, directory: URL, endpoint: String?, at: Date?) async throws(KernelError) -> StepResult
    func evaluate(_ evidence: Evidence, directory: URL, at: Date?) async throws(KernelError) -> EvidenceResult
}

/// Why the kernel did not answer, in one line that says what to do.
public enum KernelError: Error, Equatable, Sendable, CustomStringConvertible {
    case notBuilt(searched: [String])
    case buildFailed(log: String)
    case protocolMismatch(kernel: String, speaks: Int)
    case failed(kernel: String, status: String, message: String)
    case badAnswer(kernel: String, reason: String)

    public var description: String {
        switch self {
        case .notBuilt(let searched):
            return "the toolkit kernel (\(KernelProtocol.executableName)) is not built yet, so steps cannot run: "
                + "scripts/workbook builds it in the background, or run `swift build --product \(KernelProtocol.executableName)` "
                + "(looked for \(searched.joined(separator: ", ")))"
        case .buildFailed(let log):
            return "building the toolkit kernel failed; the compiler's output is in \(log)"
        case .protocolMismatch(let kernel, let speaks):
            return "\(kernel) speaks kernel protocol \(speaks), this workbook speaks \(KernelProtocol.version): "
                + "they come from different checkouts; rebuild both (scripts/workbook does)"
        case .failed(let kernel, let status, let message):
            return "\(kernel) failed (\(status))" + (message.isEmpty ? "" : ": \(message)")
        case .badAnswer(let kernel, let reason):
            return "\(kernel) gave an answer this workbook cannot read (\(reason)); rebuild both (scripts/workbook does)"
        }
    }
}
