/// A fact about a workload that attestation established, such as `unix:uid:1000`.
///
/// A selector is a type (which attestor produced it: `unix`, `docker`, `k8s`, …) and a value
/// (`uid:1000`, `path:/usr/bin/web`). SPIRE writes them `type:value` on the command line, so
/// `unix:uid:1000` is type `unix`, value `uid:1000`: only the first colon separates.
public struct Selector: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let type: String
    public let value: String

    public init(type: String, value: String) {
        self.type = type
        self.value = value
    }

    /// Parses `type:value`, e.g. `unix:uid:1000`.
    public init(_ string: String) throws(AgentError) {
        guard let colon = string.firstIndex(of: ":") else {
            throw .badSelector(string, reason: "expected type:value, e.g. unix:uid:1000")
        }
        let type = String(string[..<colon])
        let value = String(string[string.index(after: colon)...])
        guard !type.isEmpty, !value.isEmpty else {
            throw .badSelector(string, reason: "both the type and the value must be non-empty")
        }
        self.init(type: type, value: value)
    }

    /// A selector of the Unix workload attestor: `unix:<key>:<value>`.
    public static func unix(_ key: String, _ value: String) -> Selector {
        Selector(type: "unix", value: "\(key):\(value)")
    }

    public var description: String { "\(type):\(value)" }

    public static func < (lhs: Selector, rhs: Selector) -> Bool { lhs.description < rhs.description }

    public init(from decoder: any Decoder) throws {
        let string = try decoder.singleValueContainer().decode(String.self)
        self = try Selector(string)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
