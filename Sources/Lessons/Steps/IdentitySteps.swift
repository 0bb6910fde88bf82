import Foundation
import SpiffeFormats
import SpiffeIdentity
import WorkbookProtocol

/// Steps for the SPIFFE ID lesson: Day 7 (id-check).
let identitySteps: [Step] = [
    Step(
        id: "id-check",
        title: "Check a list of workload IDs: the rules, then design advice",
        sourceFile: "Sources/Lessons/Identity/WorkloadIDCheck.swift"
    ) { context in
        try IdentityLesson.idCheck(context)
    },
]

enum IdentityLesson {
    /// The learner's list, or (before they write one) an example that shows every kind of verdict.
    static let exampleList = """
        spiffe://example.org/ns/prod/sa/provisioning
        spiffe://example.org/ns/prod/sa/billing
        spiffe://example.org
        spiffe://example.org/ns/prod/sa/provisioning/
        spiffe://Example.org/ns/prod/sa/web
        spiffe://example.org/ns/prod/sa/web/v2
        spiffe://example.org/ns/prod/host/ip-10-0-3-17
        spiffe://example.org/ns/prod/sa/db-password-hunter2
        spiffe://example.org/aws/lambda/provisioning-hook

        """

    /// Judges `ids.txt` in the day's workspace; without it, writes and judges `ids.example.txt`.
    static func idCheck(_ context: StepContext) throws -> StepOutput {
        let own = context.workspace.appendingPathComponent("ids.txt")
        let example = context.workspace.appendingPathComponent("ids.example.txt")
        var lines: [String] = []
        let source: URL
        if FileManager.default.fileExists(atPath: own.path) {
            source = own
            lines.append("Judging your list, \(own.path):")
        } else {
            try FileManager.default.createDirectory(at: context.workspace, withIntermediateDirectories: true)
            try AtomicFile.write(Data(exampleList.utf8), to: example)
            source = example
            lines.append("No ids.txt yet: judging the example list \(example.path).")
            lines.append("Write your own IDs, one per line, to \(own.path) and run this step again.")
        }
        let verdicts = WorkloadIDCheck().judge(String(decoding: try InputFile.read(source), as: UTF8.self))
        lines.append("")
        for verdict in verdicts {
            let shown = verdict.id.isEmpty ? "(empty line)" : verdict.id
            lines.append(verdict.valid ? "✓ \(shown)" : "✗ \(shown): \(verdict.reason ?? "")")
            for warning in verdict.warnings { lines.append("    ! \(warning)") }
        }
        let invalid = verdicts.filter { !$0.valid }.count
        let warnings = verdicts.reduce(0) { $0 + $1.warnings.count }
        lines.append("")
        lines.append("\(verdicts.count) IDs: \(verdicts.count - invalid) valid, \(invalid) rejected, \(warnings) warnings (advice, not errors)")
        return StepOutput(lines: lines, facts: [
            "file": source.lastPathComponent,
            "count": String(verdicts.count),
            "valid": String(verdicts.count - invalid),
            "invalid": String(invalid),
            "warnings": String(warnings),
        ])
    }
}
