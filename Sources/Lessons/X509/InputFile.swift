import Foundation

/// Reads an input file, turning the usual mistakes into one-line errors that say what is wrong.
public enum InputFile {
    /// The largest input file read: 1 MiB, hundreds of times any real chain or bundle.
    public static let maximumSize = 1024 * 1024

    public static func read(_ url: URL) throws(X509Error) -> Data {
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .fileProblem(path: path, reason: "no such file")
        }
        if isDirectory.boolValue { throw .fileProblem(path: path, reason: "is a directory, not a file") }
        // Certificates, bundles, keys and tokens are kilobytes; a file this large is a mistake
        // (or an attack), and reading it whole would only make that slow.
        if let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue, size > maximumSize {
            throw .fileProblem(path: path, reason: "is \(size / 1024) KiB; inputs are limited to \(maximumSize / 1024 / 1024) MiB")
        }
        guard FileManager.default.isReadableFile(atPath: path), let data = FileManager.default.contents(atPath: path) else {
            throw .fileProblem(path: path, reason: "cannot be read (check its permissions)")
        }
        return data
    }

    public static func read(path: String) throws(X509Error) -> Data {
        try read(URL(fileURLWithPath: path))
    }
}
