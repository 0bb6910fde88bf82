import Foundation

/// Reads an input file, turning the usual mistakes into one-line errors that say what is wrong.
public enum InputFile {
    public static func read(_ url: URL) throws(X509Error) -> Data {
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .fileProblem(path: path, reason: "no such file")
        }
        if isDirectory.boolValue { throw .fileProblem(path: path, reason: "is a directory, not a file") }
        guard FileManager.default.isReadableFile(atPath: path), let data = FileManager.default.contents(atPath: path) else {
            throw .fileProblem(path: path, reason: "cannot be read (check its permissions)")
        }
        return data
    }

    public static func read(path: String) throws(X509Error) -> Data {
        try read(URL(fileURLWithPath: path))
    }
}
