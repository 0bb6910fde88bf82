import Foundation
import WorkbookProtocol

/// Verifies conditions against real state: files in the day's workspace, a step's output, or a
/// step run now.
public struct ConditionEvaluator: Sendable {
    /// The day's workspace directory; condition paths are relative to it.
    public var directory: URL
    /// The clock evidence is judged by, read at each condition: a `step` condition may run a
    /// step that writes a fresh SVID, and a time taken before it would find that SVID "not
    /// valid yet".
    public var now: @Sendable () -> Date
    /// The output of the step the conditions belong to (for `fact` and `output`).
    public var output: StepOutput?
    /// Runs a step by id (for `step <id> fact …` evidence).
    public var runStep: (@Sendable (String) async -> StepRun)?
    /// Decides `svid` and `chain`, which need X.509: the kernel's job (`StepRunner.evaluate`).
    public var decideEvidence: (@Sendable (Evidence, URL, Date) async -> EvidenceResult)?
    /// Decides `analysis complete|built` from the learner's drafts (`WorkbookApp.analysisClaim`):
    /// whether it holds, and what was found.
    public var judgeAnalysis: (@Sendable (Condition.AnalysisClaim) -> (Bool, String))?

    public init(
        directory: URL, now: @escaping @Sendable () -> Date, output: StepOutput? = nil,
        decideEvidence: (@Sendable (Evidence, URL, Date) async -> EvidenceResult)?,
        runStep: (@Sendable (String) async -> StepRun)? = nil,
        judgeAnalysis: (@Sendable (Condition.AnalysisClaim) -> (Bool, String))? = nil
    ) {
        self.judgeAnalysis = judgeAnalysis
        self.directory = directory
        self.now = now
        self.output = output
        self.decideEvidence = decideEvidence
        self.runStep = runStep
    }

    public func evaluate(_ conditions: [Condition]) async -> [ConditionResult] {
        var results: [ConditionResult] = []
        for condition in conditions { results.append(await evaluate(condition)) }
        return results
    }

    public func evaluate(_ condition: Condition) async -> ConditionResult {
        func result(_ passed: Bool, _ detail: String) -> ConditionResult {
            ConditionResult(condition: condition, passed: passed, detail: detail)
        }
        switch condition {
        case .file(let path):
            let url = directory.appendingPathComponent(path)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
                return result(false, "\(path) does not exist in \(directory.path)")
            }
            guard !isDirectory.boolValue else { return result(false, "\(path) is a directory, not a file") }
            let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
            return size > 0 ? result(true, "\(path): \(size) bytes") : result(false, "\(path) is empty")

        case .mode(let path, let bits):
            let url = directory.appendingPathComponent(path)
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
                  let permissions = attributes[.posixPermissions] as? Int else {
                return result(false, "\(path) does not exist in \(directory.path)")
            }
            let actual = permissions & 0o7777
            let shown = String(actual, radix: 8).leftPadded(to: 4, with: "0")
            return actual == bits ? result(true, "\(path) has mode \(shown)")
                : result(false, "\(path) has mode \(shown), expected \(String(bits, radix: 8).leftPadded(to: 4, with: "0"))")

        case .svid(let path, let id):
            return await decide(.svid(path: path, id: id), result)

        case .chain(let svid, let bundle):
            return await decide(.chain(svid: svid, bundle: bundle), result)

        case .ids(let path, let minimum):
            return await decide(.ids(path: path, minimum: minimum), result)

        case .breaks(let path, let rule):
            return await decide(.breaks(path: path, rule: rule), result)

        case .fact(let name, let value):
            guard let output else { return result(false, "no step output to look at") }
            guard let actual = output.facts[name] else {
                return result(false, "the step did not report \(name) (it reported: \(output.facts.keys.sorted().joined(separator: ", ")))")
            }
            return actual == value ? result(true, "\(name) = \(actual)") : result(false, "\(name) is \(actual), expected \(value)")

        case .factPresent(let name):
            guard let output else { return result(false, "no step output to look at") }
            guard let actual = output.facts[name] else { return result(false, "the step did not report \(name)") }
            return result(true, "\(name) = \(actual)")

        case .outputContains(let text):
            guard let output else { return result(false, "no step output to look at") }
            return output.lines.contains(where: { $0.contains(text) })
                ? result(true, "found \"\(text)\"")
                : result(false, "no output line contains \"\(text)\"")

        case .stepFact(let step, let name, let value):
            guard let runStep else { return result(false, "cannot run step \(step) here") }
            let run = await runStep(step)
            switch run.outcome {
            case .unavailable(let why): return result(false, "cannot check yet: \(why)")
            case .failed(let why): return result(false, "step \(step) failed (\(run.mode.rawValue)): \(why)")
            case .succeeded(let output):
                guard let actual = output.facts[name] else {
                    return result(false, "step \(step) did not report \(name)")
                }
                return actual == value
                    ? result(true, "step \(step) (\(run.mode.rawValue)) reports \(name) = \(actual)")
                    : result(false, "step \(step) (\(run.mode.rawValue)) reports \(name) = \(actual), expected \(value)")
            }

        case .analysis(let claim):
            guard let judgeAnalysis else { return result(false, "the analysis cannot be checked here") }
            let (passed, detail) = judgeAnalysis(claim)
            return result(passed, detail)
        }
    }

    private func decide(_ evidence: Evidence, _ result: (Bool, String) -> ConditionResult) async -> ConditionResult {
        guard let decideEvidence else { return result(false, "checking this needs the toolkit kernel, which is not connected here") }
        let answer = await decideEvidence(evidence, directory, now())
        return result(answer.passed, answer.detail)
    }
}
