import Foundation

/// Where the workbook finds its lessons and sources, and where it keeps the learner's work.
///
/// - Lessons: `$WORKBOOK_DAYS` if set; otherwise the first `days/` directory holding `day03.md`
///   found walking up from the current directory, then from the executable's location (so
///   `.build/debug/workbook` finds the checkout it was built from).
/// - Sources quoted by step blocks: `$WORKBOOK_SOURCES` (the package root, or its
///   `Sources/Lessons`) if set; otherwise the directory that holds `days/`, if it has
///   `Sources/Lessons`; otherwise found by the same walk.
/// - Workspace: `$WORKBOOK_HOME` if set, else `./workspace` under the current directory. It holds
///   `progress.json` and one directory per day (`day03/`, …) where steps write their files.
public struct WorkbookPaths: Sendable {
    public var days: URL
    /// The package root: step `sourceFile`s are relative to it. Nil when the sources are not
    /// around (an installed binary); steps still run, their source is just not quoted.
    public var sourceRoot: URL?
    public var workspace: URL

    public init(days: URL, sourceRoot: URL?, workspace: URL) {
        self.days = days
        self.sourceRoot = sourceRoot
        self.workspace = workspace
    }

    public static func resolve(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
        executable: URL? = Bundle.main.executableURL
    ) throws(WorkbookError) -> WorkbookPaths {
        let starts = [currentDirectory] + (executable.map { [$0.resolvingSymlinksInPath().deletingLastPathComponent()] } ?? [])

        let days: URL
        if let explicit = environment["WORKBOOK_DAYS"], !explicit.isEmpty {
            days = URL(fileURLWithPath: explicit, relativeTo: currentDirectory).standardizedFileURL
        } else if let found = firstAncestor(of: starts, where: { hasFile($0.appendingPathComponent("days/day03.md")) }) {
            days = found.appendingPathComponent("days")
        } else {
            throw .daysDirectoryNotFound(searched: starts.map(\.path))
        }

        var sourceRoot: URL?
        if let explicit = environment["WORKBOOK_SOURCES"], !explicit.isEmpty {
            var url = URL(fileURLWithPath: explicit, relativeTo: currentDirectory).standardizedFileURL
            if url.path.hasSuffix("/Sources/Lessons") {
                url = url.deletingLastPathComponent().deletingLastPathComponent()
            }
            sourceRoot = url
        } else {
            let besideDays = days.deletingLastPathComponent()
            if isDirectory(besideDays.appendingPathComponent("Sources/Lessons")) {
                sourceRoot = besideDays
            } else {
                sourceRoot = firstAncestor(of: starts, where: { isDirectory($0.appendingPathComponent("Sources/Lessons")) })
            }
        }

        let workspace: URL
        if let home = environment["WORKBOOK_HOME"], !home.isEmpty {
            workspace = URL(fileURLWithPath: home, relativeTo: currentDirectory).standardizedFileURL
        } else {
            workspace = currentDirectory.appendingPathComponent("workspace")
        }
        return WorkbookPaths(days: days, sourceRoot: sourceRoot, workspace: workspace)
    }

    /// The lesson file of `day` (`day03.md`).
    public func lessonFile(day: Int) -> URL {
        days.appendingPathComponent(String(format: "day%02d.md", day))
    }

    /// Days that have a lesson file, ascending.
    public func availableDays() -> [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: days.path)) ?? []
        return names.compactMap { name -> Int? in
            guard name.hasPrefix("day"), name.hasSuffix(".md") else { return nil }
            return Int(name.dropFirst(3).dropLast(3))
        }.sorted()
    }

    /// Where the steps of `day` write their files.
    public func dayDirectory(_ day: Int) -> URL {
        workspace.appendingPathComponent(String(format: "day%02d", day))
    }

    public var progressFile: URL { workspace.appendingPathComponent("progress.json") }

    public func loadLesson(day: Int) throws(WorkbookError) -> Lesson {
        let url = lessonFile(day: day)
        guard Self.hasFile(url) else { throw .noSuchDay(day, available: availableDays()) }
        return try Lesson.load(from: url)
    }

    // MARK: Helpers

    static func firstAncestor(of starts: [URL], where predicate: (URL) -> Bool) -> URL? {
        for start in starts {
            var dir = start.standardizedFileURL
            while true {
                if predicate(dir) { return dir }
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path { break }
                dir = parent
            }
        }
        return nil
    }

    static func hasFile(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && !isDirectory.boolValue
    }

    static func isDirectory(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
