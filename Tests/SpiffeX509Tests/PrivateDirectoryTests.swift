import Foundation
import SpiffeFormats
import Testing
import TestSupport

@Suite struct PrivateDirectoryTests {
    /// A server started with `--socket /tmp/x.sock` or `iid make --out /tmp` once closed /tmp
    /// itself (mode 0700), locking every other user out of it.
    @Test func aSharedStickyDirectoryIsRefusedAndLeftAsItIs() throws {
        let shared = try TestSupport.makeTempDirectory(prefix: "private-sticky")
        defer { try? FileManager.default.removeItem(at: shared) }
        #expect(chmod(shared.path, 0o1777) == 0)
        #expect(throws: X509Error.self) { try PrivateDirectory.create(shared) }
        let mode = (try FileManager.default.attributesOfItem(atPath: shared.path)[.posixPermissions] as? Int) ?? 0
        #expect(mode == 0o1777, "mode \(String(mode, radix: 8))")
        // Below it, a directory of its own is made private as before.
        let own = shared.appendingPathComponent("spire-server")
        try PrivateDirectory.create(own)
        #expect((try FileManager.default.attributesOfItem(atPath: own.path)[.posixPermissions] as? Int) == 0o700)
    }

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
