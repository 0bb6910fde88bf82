import Foundation
import WorkbookProtocol

/// What the workbook knows about the registered steps without asking the kernel: the registry as
/// committed in `Sources/Lessons/Steps/registry.json` (the kernel's own `steps` answer; the drift
/// test keeps the two equal). Enough to show a lesson, quote its steps' sources and offer them.
public struct StepCatalog: Sendable {
    public var steps: [StepInfo]
    /// Why the catalog is empty, when it could not be read.
    public var problem: String?

    public init(steps: [StepInfo], problem: String? = nil) {
        self.steps = steps
        self.problem = problem
    }

    public static let file = "Sources/Lessons/Steps/registry.json"

    /// Reads the committed registry below `sourceRoot`.
    public static func load(sourceRoot: URL?) -> StepCatalog {
        guard let sourceRoot else {
            return StepCatalog(steps: [], problem: "the package sources were not found; set WORKBOOK_SOURCES")
        }
        let url = sourceRoot.appendingPathComponent(file)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            return StepCatalog(steps: [], problem: "\(url.path) is missing")
        }
        do {
            let listing = try JSONDecoder().decode(StepListing.self, from: data)
            return StepCatalog(steps: listing.steps)
        } catch {
            return StepCatalog(steps: [], problem: "\(url.path) does not parse: \(error)")
        }
    }

    public func step(_ id: String) -> StepInfo? {
        steps.first { $0.id == id }
    }
}
