import ArgumentParser
import CommandLineMain
import Foundation
import Workbook

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@main
struct WorkbookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workbook",
        abstract: "A hands-on workbook for SPIFFE and SPIRE.",
        discussion: """
            Run `workbook` alone to resume where you stopped (on a fresh start: Day 3).
            Lessons are read from days/ (or $WORKBOOK_DAYS); your progress and the files the \
            exercises write live in ./workspace (or $WORKBOOK_HOME).
            """,
        subcommands: [Resume.self, List.self, Show.self, Run.self, Check.self, Exercise.self, Watch.self,
                      Solution.self, Hint.self, Status.self, Reset.self, Next.self, Analysis.self],
        defaultSubcommand: Resume.self
    )

    /// CommandLineMain's: a command-line mistake is ONE line naming it and where the help is
    /// (`workbook: Missing expected argument '<day>' (see 'workbook show --help')`), like every
    /// other workbook error; help exits 0 only when help is all that was asked.
    static func main() async {
        await CommandLineMain.main(WorkbookCommand.self, tool: "workbook") { error in
            CommandLineMain.printError("workbook: \(CommandLineMain.printable(String(describing: error)))")
            Glibc.exit(1)
        }
    }
}

/// Presentation flags shared by every command.
struct Display: ParsableArguments {
    @Flag(help: "Plain text: no colour, ASCII frames, no pager.")
    var plain = false

    @Option(help: "Wrap at this many columns (default: COLUMNS, else the terminal's width, else 80).")
    var width: Int?

    @Flag(name: .customLong("no-pager"), help: "Never page long output.")
    var noPager = false
}

/// Builds the app and turns a `WorkbookError` into one line on stderr and a non-zero exit.
func withApp<T>(_ display: Display, _ body: (WorkbookApp) async throws(WorkbookError) -> T) async throws -> T {
    do {
        let paths = try WorkbookPaths.resolve()
        let app = WorkbookApp(
            paths: paths,
            console: StandardConsole(),
            style: OutputStyle.detect(plain: display.plain, width: display.width, noPager: display.noPager)
        )
        return try await body(app)
    } catch {
        FileHandle.standardError.write(Data("workbook: \(CommandLineMain.printable(error.description))\n".utf8))
        throw ExitCode(error == .cancelled ? 1 : 2)
    }
}

struct Resume: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Resume where you stopped: show the current day and what to do next (the default)."
    )
    @OptionGroup var display: Display

    func run() async throws {
        try await withApp(display) { app throws(WorkbookError) in try app.resume() }
    }
}

struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the days with progress marks.")
    @OptionGroup var display: Display
    @Flag(help: "Print JSON for scripts.") var json = false

    func run() async throws {
        try await withApp(display) { app throws(WorkbookError) in try app.list(json: json) }
    }
}

struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a day's lesson, rendered for the terminal.")
    @OptionGroup var display: Display
    @Argument(help: "The day (3-21).") var day: Int

    func run() async throws {
        try await withApp(display) { app throws(WorkbookError) in try app.show(day: day) }
    }
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a day's steps in order, showing each step's source and output.",
        discussion: "Exit status 0 when every step ran as expected, 1 otherwise (a step failed or is not available yet)."
    )
    @OptionGroup var display: Display
    @Argument(help: "The day.") var day: Int
    @Option(help: "Run only this step.") var step: String?
    @Flag(help: "Use the Workload API at SPIFFE_ENDPOINT_SOCKET instead of the simulated CA.") var live = false

    func run() async throws {
        let summary = try await withApp(display) { app throws(WorkbookError) in
            try await app.run(day: day, step: step, live: live)
        }
        if !summary.allPassed { throw ExitCode(1) }
    }
}

struct Exercise: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build and grade the functions you write for a day (Sources/Exercises).",
        discussion: """
            Builds the exercise module incrementally in the checkout's build folder, then runs the \
            grader's cases against your function and names the first that fails, with what was \
            expected and what came back. Exit status 0 when every exercise of the day passes.
            """
    )
    @OptionGroup var display: Display
    @Argument(help: "The day.") var day: Int

    func run() async throws {
        let summary = try await withApp(display) { app throws(WorkbookError) in try await app.exercise(day: day) }
        if !summary.allPassed { throw ExitCode(1) }
    }
}

struct Watch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Grade a day's exercise, then again every time you save its file (h hint, n next, q quit).")
    @OptionGroup var display: Display
    @Argument(help: "The day.") var day: Int

    func run() async throws {
        try await withApp(display) { app throws(WorkbookError) in try await app.watch(day: day) }
    }
}

struct Solution: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the reference solution of a day's exercises (before you pass, only after a confirmation).")
    @OptionGroup var display: Display
    @Argument(help: "The day.") var day: Int
    @Flag(help: "Do not ask, even before a pass.") var yes = false

    func run() async throws {
        try await withApp(display) { app throws(WorkbookError) in try app.solution(day: day, confirmed: yes) }
    }
}

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Answer a day's checks in the terminal (or from --answers FILE); graded and explained.",
        discussion: """
            The answers file has one `<check-id>: <answer>` per line, and `concept <id>: solid|partial|need review` \
            for the self-ratings. Exit status 0 when every check of the day is answered correctly.
            """
    )
    @OptionGroup var display: Display
    @Argument(help: "The day.") var day: Int
    @Option(help: "Read answers from this file instead of asking.") var answers: String?
    @Flag(help: "Ask every check again, including the ones already right.") var all = false
    @Flag(help: "Evidence checks that run steps use the live Workload API.") var live = false

    func run() async throws {
        let url = answers.map { URL(fileURLWithPath: $0) }
        let summary = try await withApp(display) { app throws(WorkbookError) in
            try await app.check(day: day, answersFile: url, live: live, all: all)
        }
        if !summary.allRight { throw ExitCode(1) }
    }
}

struct Hint: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show hints for the checks you have not got right yet.")
    @OptionGroup var display: Display
    @Argument(help: "The day.") var day: Int
    @Option(help: "Only this check.") var check: String?

    func run() async throws {
        try await withApp(display) { app throws(WorkbookError) in try app.hint(day: day, check: check) }
    }
}

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show your progress: steps, checks and concept ratings per day.")
    @OptionGroup var display: Display
    @Flag(help: "Print JSON for scripts.") var json = false

    func run() async throws {
        try await withApp(display) { app throws(WorkbookError) in try app.status(json: json) }
    }
}

struct Reset: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Clear a day's progress (asks first; keeps a dated backup and moves its files aside)."
    )
    @OptionGroup var display: Display
    @Argument(help: "The day.") var day: Int
    @Flag(name: .shortAndLong, help: "Do not ask for confirmation.") var yes = false

    func run() async throws {
        try await withApp(display) { app throws(WorkbookError) in try app.reset(day: day, confirmed: yes) }
    }
}

struct Next: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Say what to do next.")
    @OptionGroup var display: Display

    func run() async throws {
        try await withApp(display) { app throws(WorkbookError) in try app.next() }
    }
}

struct Analysis: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write spiffe-analysis.md for your service: edit its parts, see what is missing, assemble it.",
        discussion: """
            The analysis has a cover, six sections (§1 credential inventory … §6 recommendation), the \
            SPIRE internals notes of Day 8, the week summaries and the reflection. Each part is a \
            draft in workspace/analysis/, started from its template in days/analysis/ (whose README \
            explains the fields). Name a part by number (1-6), §N or id (cover, internals, summaries, \
            reflection, …).
            """,
        subcommands: [AnalysisStatus.self, AnalysisEdit.self, AnalysisBuild.self, AnalysisCheck.self],
        defaultSubcommand: AnalysisStatus.self
    )
}

/// Where the drafts are, for every analysis command.
struct DraftsOption: ParsableArguments {
    @Option(help: "Read the drafts from this folder instead of workspace/analysis.")
    var drafts: String?

    var url: URL? { drafts.map { URL(fileURLWithPath: $0) } }
}

struct AnalysisStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Each part: blank, draft or complete, with what is still missing.",
        discussion: "Exit status 0 when every part is complete, 1 otherwise."
    )
    @OptionGroup var display: Display
    @OptionGroup var drafts: DraftsOption
    @Flag(help: "Print JSON for scripts.") var json = false

    func run() async throws {
        let complete = try await withApp(display) { app throws(WorkbookError) in try app.analysisStatus(drafts: drafts.url, json: json) }
        if !complete { throw ExitCode(1) }
    }
}

struct AnalysisEdit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit",
        abstract: "Open a part's draft in $VISUAL or $EDITOR (created from its template the first time; never replaced).",
        discussion: "Fields written {{from dayNN/check-id: …}} are filled with your answer to that record check when the draft is created."
    )
    @OptionGroup var display: Display
    @OptionGroup var drafts: DraftsOption
    @Argument(help: "The part: 1-6, §N, or an id such as cover, internals, summaries, reflection.") var part: String
    @Flag(name: .customLong("no-editor"), help: "Only create the draft if needed and print its path.") var noEditor = false

    func run() async throws {
        let edited = try await withApp(display) { app throws(WorkbookError) in
            try await app.analysisEdit(part: part, drafts: drafts.url, openEditor: !noEditor)
        }
        // No editor, or one that failed: the draft is there, but the edit did not happen.
        if !edited && !noEditor { throw ExitCode(1) }
    }
}

struct AnalysisBuild: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Assemble spiffe-analysis.md from the drafts, with evidence from your workspace.",
        discussion: """
            Writes workspace/spiffe-analysis.md (or --out). If that file was edited by hand since the \
            last build, your version is kept as spiffe-analysis.<time>.md first. The same drafts \
            build the same bytes. Exit status 0 when every part is complete, 1 when the document \
            was written with parts still incomplete.
            """
    )
    @OptionGroup var display: Display
    @OptionGroup var drafts: DraftsOption
    @Option(help: "Write the document here instead of workspace/spiffe-analysis.md.") var out: String?
    @Option(help: "The document's date, YYYY-MM-DD (default: the cover's Date: line).") var date: String?
    @Flag(name: .customLong("no-evidence"), help: "Quote nothing from the workspace (for the worked example).") var noEvidence = false
    @Flag(help: "Print JSON for scripts.") var json = false

    func run() async throws {
        let complete = try await withApp(display) { app throws(WorkbookError) in
            try app.analysisBuild(drafts: drafts.url, output: out.map { URL(fileURLWithPath: $0) }, date: date,
                                  evidence: !noEvidence, json: json)
        }
        if !complete { throw ExitCode(1) }
    }
}

struct AnalysisCheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "List every blank part, empty field, placeholder row, bad rating and length problem.",
        discussion: "Exit status 0 when nothing is missing, 1 otherwise."
    )
    @OptionGroup var display: Display
    @OptionGroup var drafts: DraftsOption
    @Flag(help: "Print JSON for scripts.") var json = false

    func run() async throws {
        let complete = try await withApp(display) { app throws(WorkbookError) in try app.analysisCheck(drafts: drafts.url, json: json) }
        if !complete { throw ExitCode(1) }
    }
}
