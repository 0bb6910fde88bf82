import Foundation

/// Any JSON value: what a JOSE header or a claims set holds before we decide what it means.
///
/// Tokens are decoded into this first, not straight into a struct with typed fields, so that a
/// validator can tell "the claim is missing" from "the claim is there but has the wrong type"
/// (an `exp` of `"tomorrow"` is not the same mistake as no `exp`), and so that `jwt-parse` can
/// show every claim, including ones this toolkit has never heard of.
public enum JSONValue: Sendable, Equatable, Codable, CustomStringConvertible {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        // Strings and integers first: they are most of what a token holds, and every failed
        // attempt costs a thrown error.
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// A JSON number as a Double (RFC 7519 NumericDate may have a fraction).
    public var numberValue: Double? {
        switch self {
        case .integer(let value): return Double(value)
        case .number(let value): return value
        default: return nil
        }
    }

    /// The name of the JSON type, for error messages ("a string", "an array").
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .integer, .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// Compact JSON text, keys sorted.
    public var description: String {
        String(decoding: JSONValue.encode(self, pretty: false), as: UTF8.self)
    }

    /// JSON text for any Encodable, keys sorted, no escaped slashes (URLs stay readable).
    public static func encode<T: Encodable>(_ value: T, pretty: Bool) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty
            ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            : [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a JSONValue (or our own Codable structs) cannot fail: no non-finite numbers
        // are ever produced by the decoder, and our structs hold only strings and numbers.
        return (try? encoder.encode(value)) ?? Data("null".utf8)
    }

    /// Parses a JSON object (a header or a claims set); nil when the bytes are not one, or when
    /// a member name appears twice (`JSONParser`).
    public static func object(from bytes: [UInt8]) -> [String: JSONValue]? {
        try? JSONParser.object(bytes)
    }

    /// The first member name that appears twice in one object of `bytes`, or nil.
    ///
    /// JSON parsers disagree about duplicates: Foundation's JSONDecoder keeps the first value,
    /// Python's json and JSONSerialization the last. A header `{"alg":"none","alg":"ES256"}` would
    /// mean different things to two validators, so RFC 7515 §5.2 says reject it (or take the
    /// last); we reject. Escapes are decoded first, so "a" and "\u0061" are the same name.
    public static func duplicateMemberName(in bytes: [UInt8]) -> String? {
        do {
            _ = try JSONParser.object(bytes)
            return nil
        } catch .duplicateMember(let name) {
            return name
        } catch {
            return nil
        }
    }
}
