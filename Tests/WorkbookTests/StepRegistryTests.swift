import Foundation
import Lessons
import Testing
import TestSupport
@testable import Workbook

/// Every registered step, whether a lesson names it yet or not: its quoted source exists, and it
/// runs in simulated mode or says it is live-only. (The drift test runs the steps the lessons
/// use; this runs the rest. `jwt-svid-aws` pointed at an anchor that did not exist until this
/// test.)
@Suite struct StepRegistryTests {
    @Test func anUnknownStepIsUnavailableNotACrash() async throws {
        let workspace = try TestSupport.makeTempDirectory(prefix: "registry-unknown")
        defer { try? FileManager.default.removeItem(at: workspace) }
        await #expect(throws: StepUnavailable(stepID: "no-such-step", reason: "no step has this id")) {
            try await Steps.run("no-such-step", in: StepContext(mode: .simulated, workspace: workspace, endpoint: nil))
        }
    }

    @Test func stepIDsAreUnique() {
        let ids = Steps.all.map(\.id)
        #expect(Set(ids).count == ids.count, "\(ids)")
    }

    @Test(arguments: Steps.all.map(\.id)) func anchorExistsInItsSourceFile(id: String) throws {
        let step = try #require(Steps.step(id: id))
        do {
            let source = try StepSource.extract(id: step.anchor, file: step.sourceFile, root: TestSupport.packageRoot)
            #expect(!source.code.isEmpty, "step \(id): anchor \(step.anchor) in \(step.sourceFile) quotes nothing")
        } catch {
            Issue.record("step \(id): \(error)")
        }
    }

    /// The steps some lesson names (```` ```step <id> ````): the drift test runs those, with the
    /// lesson's expectations, so running them here too would only double the suite's load.
    static let namedByLessons: Set<String> = {
        let days = TestSupport.packageRoot.appendingPathComponent("days")
        let files = (try? FileManager.default.contentsOfDirectory(at: days, includingPropertiesForKeys: nil)) ?? []
        var ids: Set<String> = []
        for file in files where file.lastPathComponent.hasPrefix("day") && file.pathExtension == "md" {
            let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") where line.hasPrefix("```step ") {
                ids.insert(String(line.dropFirst("```step ".count)).trimmingCharacters(in: .whitespaces))
            }
        }
        return ids
    }()

    @Test func lessonsNameSteps() {
        // The filter below must see the lessons, or it would silently run nothing twice.
        #expect(Self.namedByLessons.contains("make-svid") && Self.namedByLessons.contains("spire-issuance"), "\(Self.namedByLessons)")
    }

    // One step at a time, for the same reason as the drift test's step runs.
    @Test(.serialized, arguments: Steps.all.map(\.id).filter { !namedByLessons.contains($0) })
    func runsSimulatedOrDeclaresLiveOnly(id: String) async throws {
        let step = try #require(Steps.step(id: id))
        guard step.modes.contains(.simulated) else {
            #expect(step.modes == [.live], "step \(id) declares no mode it runs in")
            return
        }
        let workspace = try TestSupport.makeTempDirectory(prefix: "registry-\(id)")
        defer { try? FileManager.default.removeItem(at: workspace) }
        do {
            let output = try await Steps.run(id, in: StepContext(mode: .simulated, workspace: workspace, endpoint: nil))
            #expect(!output.lines.isEmpty, "step \(id) printed nothing")
        } catch let unavailable as StepUnavailable {
            Issue.record("step \(id) claims simulated mode but is unavailable: \(unavailable)")
        }
    }
}
