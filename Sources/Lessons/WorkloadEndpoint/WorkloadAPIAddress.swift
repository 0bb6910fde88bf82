import Foundation

/// Where the Workload API listens: the value of `SPIFFE_ENDPOINT_SOCKET`.
///
/// SPIFFE Workload Endpoint §4 allows two forms, and nothing else:
///
///     unix:///run/spire/agent.sock     a Unix domain socket; the path must be absolute
///     unix:/run/spire/agent.sock       the same, in the short URI form
///     tcp://127.0.0.1:8081             a TCP endpoint; the host must be an IP address, with a port
///
/// The address is a URI, not a bare path: `/run/spire/agent.sock` is rejected (so do go-spiffe and
/// py-spiffe: "scheme must be set"). Rejecting a near miss loudly is kinder than dialling the
/// wrong place: `unix://tmp/agent.sock` has two slashes, so `tmp` would be a *host* and the path
/// `/agent.sock`.
public enum WorkloadAPIAddress: Sendable, Hashable, CustomStringConvertible {
    case unix(path: String)
    case tcp(host: String, port: Int)

    /// The environment variable workloads read the endpoint from.
    public static let environmentVariable = "SPIFFE_ENDPOINT_SOCKET"

    /// SPIRE agent's default socket, used by `spiffe-demo agent` too.
    public static let defaultSocketPath = "/tmp/spire-agent/public/api.sock"

    // step: endpoint-address
    /// Parses an endpoint address, enforcing SPIFFE Workload Endpoint §4.
    public init(_ string: String) throws(WorkloadAPIAddressError) {
        // 1. A scheme is required: "unix" or "tcp".
        guard let colon = string.firstIndex(of: ":") else { throw .missingScheme(string) }
        let scheme = String(string[..<colon])
        let rest = String(string[string.index(after: colon)...])
        if scheme.isEmpty || scheme.contains("/") { throw .missingScheme(string) }

        // 2. No query and no fragment, in either form.
        if rest.contains("?") { throw .query(string) }
        if rest.contains("#") { throw .fragment(string) }

        switch scheme {
        case "unix":
            self = try WorkloadAPIAddress.parseUnix(rest, whole: string)
        case "tcp":
            self = try WorkloadAPIAddress.parseTCP(rest, whole: string)
        default:
            throw .unsupportedScheme(scheme)
        }
    }
    // end-step

    /// `unix:` followed by `///abs/path` (empty authority) or `/abs/path`.
    private static func parseUnix(_ rest: String, whole: String) throws(WorkloadAPIAddressError) -> WorkloadAPIAddress {
        let path: String
        if rest.hasPrefix("//") {
            // Hierarchical form: "//" authority path. The authority must be empty.
            let afterSlashes = rest.dropFirst(2)
            let authorityEnd = afterSlashes.firstIndex(of: "/") ?? afterSlashes.endIndex
            let authority = afterSlashes[..<authorityEnd]
            if authority.contains("@") { throw .userinfo(whole) }
            if !authority.isEmpty { throw .unixHost(whole, host: String(authority)) }
            path = String(afterSlashes[authorityEnd...])
        } else if rest.hasPrefix("/") {
            path = rest
        } else if rest.isEmpty {
            throw .missingPath(whole)
        } else {
            // "unix:relative/path": an opaque URI; a socket path must be absolute.
            throw .relativePath(whole)
        }
        if path.isEmpty || path == "/" { throw .missingPath(whole) }
        return .unix(path: path)
    }

    /// `tcp://` followed by an IP address, `:`, a port, and nothing else.
    private static func parseTCP(_ rest: String, whole: String) throws(WorkloadAPIAddressError) -> WorkloadAPIAddress {
        guard rest.hasPrefix("//") else { throw .tcpForm(whole) }
        let authorityAndPath = rest.dropFirst(2)
        let authorityEnd = authorityAndPath.firstIndex(of: "/") ?? authorityAndPath.endIndex
        if authorityEnd != authorityAndPath.endIndex { throw .tcpPath(whole) }
        let authority = String(authorityAndPath)
        if authority.contains("@") { throw .userinfo(whole) }

        // Split host and port; an IPv6 literal is bracketed: [::1]:8081.
        let host: String
        let portText: String
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw .tcpHostNotIP(whole, host: authority) }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let afterHost = authority[authority.index(after: close)...]
            guard afterHost.hasPrefix(":") else { throw .tcpMissingPort(whole) }
            portText = String(afterHost.dropFirst())
            guard isIPv6(host) else { throw .tcpHostNotIP(whole, host: host) }
        } else {
            guard let colon = authority.lastIndex(of: ":") else {
                if authority.isEmpty { throw .tcpMissingHost(whole) }
                throw .tcpMissingPort(whole)
            }
            host = String(authority[..<colon])
            portText = String(authority[authority.index(after: colon)...])
            if host.isEmpty { throw .tcpMissingHost(whole) }
            guard isIPv4(host) else { throw .tcpHostNotIP(whole, host: host) }
        }
        if portText.isEmpty { throw .tcpMissingPort(whole) }
        guard portText.allSatisfy(\.isASCII), portText.allSatisfy(\.isNumber),
              let port = Int(portText), (1...65535).contains(port)
        else { throw .tcpBadPort(whole, port: portText) }
        return .tcp(host: host, port: port)
    }

    /// Reads the address from `SPIFFE_ENDPOINT_SOCKET`, or uses `explicit` (a `--socket` option)
    /// when one is given. Both follow the same rules: a URI, as the spec says, so that what works
    /// on the command line also works in the variable (and in py-spiffe or go-spiffe).
    public static func resolve(
        explicit: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(WorkloadAPIAddressError) -> WorkloadAPIAddress {
        if let explicit {
            return try WorkloadAPIAddress(explicit)
        }
        guard let value = environment[environmentVariable], !value.isEmpty else {
            throw .notConfigured
        }
        return try WorkloadAPIAddress(value)
    }

    /// The canonical URI form: `unix:///path` or `tcp://ip:port`.
    public var description: String {
        switch self {
        case .unix(let path): return "unix://" + path
        case .tcp(let host, let port): return host.contains(":") ? "tcp://[\(host)]:\(port)" : "tcp://\(host):\(port)"
        }
    }

    private static func isIPv4(_ host: String) -> Bool {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        return parts.allSatisfy { part in
            !part.isEmpty && part.count <= 3 && part.allSatisfy { $0.isASCII && $0.isNumber }
                && Int(part)! <= 255
        }
    }

    private static func isIPv6(_ host: String) -> Bool {
        var address = in6_addr()
        return inet_pton(AF_INET6, host, &address) == 1
    }
}

/// Why a string is not a Workload API endpoint address.
public enum WorkloadAPIAddressError: Error, Equatable, Sendable, CustomStringConvertible {
    case notConfigured
    case missingScheme(String)
    case unsupportedScheme(String)
    case query(String)
    case fragment(String)
    case userinfo(String)
    case unixHost(String, host: String)
    case relativePath(String)
    case missingPath(String)
    case tcpForm(String)
    case tcpPath(String)
    case tcpMissingHost(String)
    case tcpHostNotIP(String, host: String)
    case tcpMissingPort(String)
    case tcpBadPort(String, port: String)

    public var description: String {
        switch self {
        case .notConfigured:
            return "no Workload API endpoint: set SPIFFE_ENDPOINT_SOCKET (e.g. unix:///tmp/spire-agent/public/api.sock) or pass --socket"
        case .missingScheme(let address) where address.hasPrefix("/"):
            return "\"\(address)\" has no scheme: write it as unix://\(address) (the endpoint is a URI, Workload Endpoint §4)"
        case .missingScheme(let address):
            return "\"\(address)\" has no scheme: the endpoint is a URI such as unix:///path/to/api.sock (Workload Endpoint §4)"
        case .unsupportedScheme(let scheme):
            return "scheme \"\(scheme)\" is not supported: the endpoint must be unix:// or tcp:// (Workload Endpoint §4)"
        case .query(let address):
            return "\"\(address)\" has a query ('?'), which an endpoint address must not have"
        case .fragment(let address):
            return "\"\(address)\" has a fragment ('#'), which an endpoint address must not have"
        case .userinfo(let address):
            return "\"\(address)\" has userinfo ('@'), which an endpoint address must not have"
        case .unixHost(let address, let host):
            return "\"\(address)\" names a host (\"\(host)\"): a unix socket URI has three slashes, unix:///absolute/path"
        case .relativePath(let address):
            return "\"\(address)\" has a relative path: a unix socket path must be absolute (unix:///path or unix:/path)"
        case .missingPath(let address):
            return "\"\(address)\" has no socket path: use unix:///path/to/api.sock"
        case .tcpForm(let address):
            return "\"\(address)\" is not of the form tcp://IP:PORT"
        case .tcpPath(let address):
            return "\"\(address)\" has a path: a tcp endpoint is only tcp://IP:PORT"
        case .tcpMissingHost(let address):
            return "\"\(address)\" has no IP address: use tcp://IP:PORT"
        case .tcpHostNotIP(let address, let host):
            return "\"\(address)\": host \"\(host)\" is not an IP address; a tcp endpoint names an IP, not a DNS name"
        case .tcpMissingPort(let address):
            return "\"\(address)\" has no port: use tcp://IP:PORT"
        case .tcpBadPort(let address, let port):
            return "\"\(address)\": \"\(port)\" is not a port number (1-65535)"
        }
    }
}
