import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads an input file, turning the usual mistakes into one-line errors that say what is wrong.
public enum InputFile {
    /// The largest input file read: 1 MiB, hundreds of times any real chain or bundle.
    public static let maximumSize = 1024 * 1024

    public static func read(_ url: URL) throws(X509Error) -> Data {
        let path = url.path
        // One open, then questions about what was opened: the size of a name can change (or
        // belong to a link) before the read, and a pipe or device has no size at all.
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            switch errno {
            case ENOENT: throw .fileProblem(path: path, reason: "no such file")
            case EACCES: throw .fileProblem(path: path, reason: "cannot be read (check its permissions)")
            default: throw .fileProblem(path: path, reason: "cannot be opened: \(String(cString: strerror(errno)))")
            }
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .fileProblem(path: path, reason: "cannot be read: \(String(cString: strerror(errno)))") }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw .fileProblem(path: path, reason: "is a directory, not a file")
        default: throw .fileProblem(path: path, reason: "is not a regular file (a pipe or a device?); save it to a file first")
        }
        // Certificates, bundles, keys and tokens are kilobytes; a file this large is a mistake
        // (or an attack), and reading it whole would only make that slow. At most one byte more
        // than the limit is read, whatever the file does meanwhile.
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while data.count <= maximumSize {
            let n = Glibc.read(fd, &buffer, buffer.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw .fileProblem(path: path, reason: "cannot be read: \(String(cString: strerror(errno)))")
            }
            if n == 0 { return data }
            data.append(contentsOf: buffer[..<n])
        }
        throw .fileProblem(path: path, reason: "is over \(maximumSize / 1024 / 1024) MiB, the limit for inputs")
    }

    public static func read(path: String) throws(X509Error) -> Data {
        try read(URL(fileURLWithPath: path))
    }
}
