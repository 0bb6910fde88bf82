import Foundation
import TestSupport

/// The files under docker/ that the tests read, and small helpers to read them.
enum DockerFiles {
    static let directory = TestSupport.packageRoot.appendingPathComponent("docker")

    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    static func text(_ name: String) throws -> String {
        try String(contentsOf: url(name), encoding: .utf8)
    }

    /// docker/server.conf or docker/agent.conf, parsed.
    static func hcl(_ name: String) throws -> HCL.Body {
        try HCL.parse(text(name))
    }

    /// The Markdown lessons, days/*.md (whatever exists when the tests run), sorted by name.
    static func lessons() throws -> [URL] {
        let days = TestSupport.packageRoot.appendingPathComponent("days")
        guard FileManager.default.fileExists(atPath: days.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(at: days, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "md" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }
}

/// JSON text with sorted keys, for comparing two readings of the same document regardless of
/// key order or formatting.
func canonicalJSON(_ object: Any) throws -> String {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    return String(decoding: data, as: UTF8.self)
}
