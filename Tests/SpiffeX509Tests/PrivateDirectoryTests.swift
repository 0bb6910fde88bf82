import Foundation
import SpiffeFormats
import Testing
import TestSupport

@Suite struct PrivateDirectoryTests {
    /// Only the private directory itself is closed: a parent it creates may also hold the agent's
    /// socket, which other uids must be able to reach (connect needs search permission on it).
    @Test func onlyTheDirectoryItselfIsPrivateNotTheParentsItCreates() throws {
        let root = try TestSupport.makeTempDirectory(prefix: "private-dir")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = root.appendingPathComponent("day18-agent/data")
        try PrivateDirectory.create(data)
        func mode(_ url: URL) throws -> Int { (try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int ?? 0) & 0o777 }
        #expect(try mode(data) == 0o700)
        #expect(try mode(data.deletingLastPathComponent()) & 0o011 == 0o011, "the parent stays searchable by others")
        // An existing directory others can read is closed.
        let open = root.appendingPathComponent("open")
        try FileManager.default.createDirectory(at: open, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
        try PrivateDirectory.create(open)
        #expect(try mode(open) == 0o700)
    }
}
