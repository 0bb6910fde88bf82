import Foundation
import SpiffeFormats
import SpiffeX509
#if canImport(Glibc)
import Glibc
#endif

/// The registration entries of the local agent, kept as JSON in its data directory
/// (`entries.json`), so `spiffe-demo entry create` and a running agent share them.
///
/// Writes are atomic (a reader sees the old file or the new one, never half), and
/// read-modify-write cycles hold an exclusive lock so two `entry create` commands run at once
/// cannot lose each other's entries. The agent notices changes by the file's identity and mtime,
/// so entries take effect without a restart.
public struct EntryStore: Sendable {
    public let directory: URL
    public var file: URL { directory.appendingPathComponent("entries.json") }
    private var lockFile: URL { directory.appendingPathComponent("entries.lock") }

    public init(directory: URL) {
        self.directory = directory
    }

    private struct Document: Codable {
        var entries: [RegistrationEntry]
    }

    /// All entries, oldest first. A missing file means no entries yet.
    public func load() throws(AgentError) -> [RegistrationEntry] {
        let data: Data
        do {
            data = try Data(contentsOf: file)
        } catch {
            if !FileManager.default.fileExists(atPath: file.path) { return [] }
            throw .dataDirectory(path: directory.path, reason: "cannot read entries.json: \(error.localizedDescription)")
        }
        do {
            return try Self.decoder.decode(Document.self, from: data).entries
        } catch {
            throw .dataDirectory(path: directory.path, reason: "entries.json is not valid: \(error)")
        }
    }

    /// Changes the entries under an exclusive lock and writes them back atomically.
    @discardableResult
    public func update<T>(_ change: (inout [RegistrationEntry]) throws(AgentError) -> T) throws(AgentError) -> T {
        do { try PrivateDirectory.create(directory) } catch {
            throw .dataDirectory(path: directory.path, reason: error.description)
        }
        do {
            return try FileLock.with(lockFile, .exclusive) { () throws(AgentError) -> T in
                var entries = try load()
                let result = try change(&entries)
                let data: Data
                do { data = try Self.encoder.encode(Document(entries: entries)) } catch {
                    throw .dataDirectory(path: directory.path, reason: "cannot encode entries: \(error)")
                }
                do {
                    try AtomicFile.write(data, to: file, mode: 0o600)
                } catch {
                    throw .dataDirectory(path: directory.path, reason: "\(error)")
                }
                return result
            }
        } catch let error as AgentError {
            throw error
        } catch {
            throw .dataDirectory(path: directory.path, reason: "cannot lock entries.lock: \(error)")
        }
    }

    // step: entry-create
    /// Adds an entry, as `spire-server entry create` does. Like SPIRE, refuses a second entry with
    /// the same SPIFFE ID, parent and selectors: it would only mint a duplicate SVID.
    public func create(_ entry: RegistrationEntry) throws(AgentError) {
        try update { (entries: inout [RegistrationEntry]) throws(AgentError) in
            if let twin = entries.first(where: {
                $0.spiffeID == entry.spiffeID && $0.parentID == entry.parentID && Set($0.selectors) == Set(entry.selectors)
            }) {
                throw .entryExists(twin.entryID)
            }
            entries.append(entry)
        }
    }
    // end-step

    /// Removes the entry with `entryID`; returns it.
    @discardableResult
    public func delete(entryID: String) throws(AgentError) -> RegistrationEntry {
        try update { (entries: inout [RegistrationEntry]) throws(AgentError) -> RegistrationEntry in
            guard let index = entries.firstIndex(where: { $0.entryID == entryID }) else { throw .entryNotFound(entryID) }
            return entries.remove(at: index)
        }
    }

    /// Something that changes whenever entries.json is replaced or modified: its inode, size and
    /// modification time. Cheap enough to poll every few hundred milliseconds.
    public func stamp() -> String { Self.stamp(of: file) }

    /// The identity, size and modification time of `file`, or "missing".
    static func stamp(of file: URL) -> String {
        var info = stat()
        guard stat(file.path, &info) == 0 else { return "missing" }
        return "\(info.st_ino)-\(info.st_size)-\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
    }

    private static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    private static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
