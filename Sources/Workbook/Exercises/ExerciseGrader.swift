import Foundation
import Subprocess
import Synchronization
import SystemPackage

/// Builds and runs `exercise-grader` for the learner's exercises, in the checkout's own build
/// folder (incrementally: only the edited file and what depends on it are rebuilt).
///
/// The learner's code runs in the grader, a child process with a time limit, so a trap or an
/// endless loop in it is a verdict ("crashed in case …", "did not finish case …") rather than a
/// workbook that dies or hangs.
public struct ExerciseGrader: Sendable {
    /// The checkout: its Package.swift builds the grader.
    public var checkout: URL
    /// How long the grader may take; the learner's code should answer in microseconds.
    public var timeLimit: Duration = .seconds(10)

    /// A grader built already, run instead of building one: `WORKBOOK_EXERCISE_GRADER`. The
    /// workbook's own tests use it (a build inside `swift test` would wait for SwiftPM's lock);
    /// with it, edits to the exercise files are not compiled, so learners leave it unset.
    public var prebuilt: URL?

    public init(checkout: URL, prebuilt: URL? = ProcessInfo.processInfo.environment["WORKBOOK_EXERCISE_GRADER"].map { URL(fileURLWithPath: $0) }) {
        self.checkout = checkout
        self.prebuilt = prebuilt
    }

    /// A digest of an exercise file's bytes (64-bit FNV-1a: it tells an edited file from the
    /// graded one; it guards against nobody, and needs no crypto in the front end).
    public static func digest(of file: URL) -> String? {
        FileManager.default.contents(atPath: file.path).map(ContentDigest.of)
    }

    public enum Verdict: Sendable, Equatable {
        case passed(cases: Int)
        case notDone
        case failed(case: String, expected: String, got: String, passedBefore: Int)
        /// The learner's code trapped (or the process died) during this case.
        case crashed(case: String, status: String)
        /// The time limit was reached during this case.
        case timedOut(case: String)
        /// The exercise module does not build; the compiler's errors about the learner's file.
        case buildFailed([String])
    }

    var executable: URL { prebuilt ?? checkout.appendingPathComponent(".build/debug/exercise-grader") }

    /// Rebuilds the grader; nil when it built, else the errors worth showing: the lines about
    /// `file`, with the source line and caret that follow each.
    public func build(showingErrorsIn file: String) async -> [String]? {
        if prebuilt != nil { return nil }
        // The workbook's own tests run this inside `swift test`, which holds SwiftPM's lock on
        // the build folder for as long as it runs; they say so, and only they. They also build
        // on one core, leaving the other to the tests running beside them.
        var arguments = ["build", "--product", "exercise-grader"]
        if ProcessInfo.processInfo.environment["WORKBOOK_TEST_IGNORE_SWIFTPM_LOCK"] == "1" { arguments += ["--ignore-lock", "--jobs", "1"] }
        do {
            let result = try await Subprocess.run(
                .name("swift"), arguments: Arguments(arguments),
                workingDirectory: FilePath(checkout.path),
                output: .string(limit: 8 << 20), error: .string(limit: 8 << 20))
            if case .exited(0) = result.terminationStatus { return nil }
            let text = result.standardOutput + "\n" + result.standardError
            return Self.errors(in: text, about: file)
        } catch {
            return ["could not run swift build: \(error)"]
        }
    }

    /// The compiler's diagnostics for `file`, each with the quoted line after it; all errors when
    /// none is about `file` (the learner broke something else), and a note when there are none.
    static func errors(in output: String, about file: String) -> [String] {
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var kept: [String] = []
        for (index, line) in lines.enumerated() where line.contains(file) && (line.contains(": error:") || line.contains(": warning:")) {
            kept.append(line.replacingOccurrences(of: line.components(separatedBy: file).first ?? "", with: ""))
            kept.append(contentsOf: lines[(index + 1)..<min(lines.count, index + 4)].filter { !$0.contains(": error:") && !$0.hasPrefix("[") })
        }
        if kept.isEmpty {
            kept = lines.filter { $0.contains("error:") }.prefix(10).map { $0 }
        }
        return kept.isEmpty ? ["the build failed without an error line; run `swift build --product exercise-grader` to see why"] : Array(kept.prefix(30))
    }

    /// Grades exercise `id` (the grader must be built).
    public func grade(_ id: String) async -> Verdict {
        let path = executable.path
        let limit = timeLimit
        let outcome: (status: TerminationStatus?, events: [[String: String]])
        do {
            outcome = try await withThrowingTaskGroup(of: (TerminationStatus?, [[String: String]])?.self) { group in
                let collected = EventLog()
                group.addTask {
                    let result = try await Subprocess.run(
                        .path(FilePath(path)), arguments: ["grade", id], input: .none, output: .sequence, error: .discarded
                    ) { execution in
                        // Lines that are no event (the learner's own prints) are skipped; a line too
                        // long to read ends the reading, and the events so far still tell the case.
                        do {
                            for try await line in execution.standardOutput.strings(bufferingPolicy: .maxLineLength(1 << 20)) {
                                if let data = line.data(using: .utf8),
                                   let event = try? JSONSerialization.jsonObject(with: data) as? [String: String] {
                                    collected.append(event)
                                }
                            }
                        } catch {}
                    }
                    return (result.terminationStatus, collected.events)
                }
                group.addTask {
                    try await Task.sleep(for: limit)
                    return nil
                }
                defer { group.cancelAll() }
                if let first = try await group.next(), let finished = first { return finished }
                return (nil, collected.events)   // the time limit: the run is cancelled (and killed)
            }
        } catch {
            return .crashed(case: "(the grader did not start)", status: "\(error)")
        }
        let results = outcome.events.filter { $0["kind"] == "result" }
        let started = outcome.events.last { $0["kind"] == "start" }?["name"] ?? "(before the first case)"
        if let end = outcome.events.last(where: { $0["kind"] == "end" }) {
            switch end["outcome"] {
            case "passed": return .passed(cases: results.count)
            case "notDone": return .notDone
            default:
                let failing = results.last { $0["outcome"] == "failed" } ?? [:]
                return .failed(case: failing["name"] ?? "?", expected: failing["expected"] ?? "?",
                               got: failing["got"] ?? "?", passedBefore: results.count - 1)
            }
        }
        guard let status = outcome.status else { return .timedOut(case: started) }
        if case .exited(64) = status, outcome.events.isEmpty {
            return .crashed(case: "(none: the grader knows no exercise \(id); is the lesson's id a typo?)", status: "\(status)")
        }
        return .crashed(case: started, status: "\(status)")
    }

    /// The exercise's hints, from the grader.
    public func hints(_ id: String) async -> [String] {
        guard let result = try? await Subprocess.run(.path(FilePath(executable.path)), arguments: ["hints", id],
                                                     output: .string(limit: 1 << 20), error: .discarded) else { return [] }
        return result.standardOutput.split(separator: "\n").map(String.init)
    }
}

/// The grader's events as they arrive, readable after a cancelled run.
final class EventLog: Sendable {
    private let storage = Mutex<[[String: String]]>([])
    func append(_ event: [String: String]) { storage.withLock { $0.append(event) } }
    var events: [[String: String]] { storage.withLock { $0 } }
}
