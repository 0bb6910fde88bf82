import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Answers one question before a live run: does anything listen at `SPIFFE_ENDPOINT_SOCKET`?
///
/// It only opens and closes a connection; speaking the Workload API is the steps' job. The
/// address forms are the Workload Endpoint spec's: `unix:///abs/path` (or `unix:/abs/path`) and
/// `tcp://IP:PORT`.
public enum EndpointProbe {
    public enum Result: Sendable, Equatable {
        case reachable(String)
        case unavailable(String)
    }

    public static func probe(_ value: String?) -> Result {
        guard let value, !value.trimmed.isEmpty else {
            return .unavailable("live mode needs a Workload API endpoint, but SPIFFE_ENDPOINT_SOCKET is not set")
        }
        if value.hasPrefix("unix:") {
            var path = String(value.dropFirst("unix:".count))
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
            guard path.hasPrefix("/") else {
                return .unavailable("SPIFFE_ENDPOINT_SOCKET=\(value) is not a unix:///absolute/path")
            }
            return connectUnix(path) ? .reachable(value)
                : .unavailable("nothing answers at SPIFFE_ENDPOINT_SOCKET=\(value)")
        }
        if value.hasPrefix("tcp://") {
            let rest = value.dropFirst("tcp://".count)
            guard let colon = rest.lastIndex(of: ":"), let port = UInt16(rest[rest.index(after: colon)...]) else {
                return .unavailable("SPIFFE_ENDPOINT_SOCKET=\(value) is not tcp://IP:PORT")
            }
            let host = String(rest[..<colon])
            return connectTCP(host, port) ? .reachable(value)
                : .unavailable("nothing answers at SPIFFE_ENDPOINT_SOCKET=\(value)")
        }
        return .unavailable("SPIFFE_ENDPOINT_SOCKET=\(value) has no unix: or tcp:// scheme")
    }

    static func connectUnix(_ path: String) -> Bool {
        #if canImport(Glibc)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in bytes.enumerated() { buffer[index] = byte }
            buffer[bytes.count] = 0
        }
        let length = socklen_t(MemoryLayout<sockaddr_un>.size)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, length) }
        }
        return result == 0
    }

    static func connectTCP(_ host: String, _ port: UInt16) -> Bool {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return false }
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return false }
        defer { close(fd) }
        // Do not hang on an unreachable host: give connect() two seconds.
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return result == 0
    }
}
