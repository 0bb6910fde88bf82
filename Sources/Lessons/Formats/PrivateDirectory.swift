import Foundation

/// A directory only its owner can read: where private keys and registration entries are kept.
public enum PrivateDirectory {
    /// Creates `directory` and its parents with mode 0700 if it is missing; refuses a file in its
    /// place. An existing directory is left as it is (another process may just have made it).
    public static func create(_ directory: URL) throws(X509Error) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw .fileProblem(path: directory.path, reason: "exists and is not a directory") }
            return
        }
        do {
            try FileManager.default.createDirectory(
                at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .fileProblem(path: directory.path, reason: "cannot create directory: \(error.localizedDescription)")
        }
    }
}
