import Foundation

/// A parser for the subset of HCL (version 1, the dialect SPIRE's config files are read with,
/// github.com/hashicorp/hcl v1) that SPIRE configurations use:
///
///     # comment            // comment            /* comment */
///     server {                                    a block
///         trust_domain = "example.org"            string attribute (escapes \" \\ \n \t)
///         bind_port = 8081                        number (integer or decimal, optional sign)
///         audit_log_enabled = false               bool
///         admin_ids = ["spiffe://a/b", "c"]       list (trailing comma allowed)
///     }
///     plugins {
///         NodeAttestor "join_token" {             a block with quoted labels
///             plugin_data {}                      an empty nested block ...
///         }
///         KeyManager "memory" {
///             plugin_data = {}                    ... or an object value, which HCL1 treats alike
///         }
///     }
///
/// It is honest about the rest: heredocs (`<<EOF`), `${...}` interpolation used as HCL
/// expressions, and anything else outside this subset are errors with a line and column, never
/// silently skipped, so a config that uses them fails the tests instead of being half-read.
/// Repeating an attribute in one body is an error too (SPIRE's decoder would keep only one).
enum HCL {
    struct ParseError: Error, CustomStringConvertible, Equatable {
        var line: Int
        var column: Int
        var message: String
        var description: String { "line \(line), column \(column): \(message)" }
    }

    indirect enum Value: Equatable, Sendable {
        case string(String)
        case number(Double)
        case bool(Bool)
        case list([Value])
        case object(Body)
    }

    struct Attribute: Equatable, Sendable {
        var name: String
        var value: Value
        var line: Int
    }

    struct Block: Equatable, Sendable {
        var type: String
        var labels: [String]
        var body: Body
        var line: Int
    }

    struct Body: Equatable, Sendable {
        var attributes: [Attribute] = []
        var blocks: [Block] = []

        subscript(attribute name: String) -> Value? {
            attributes.first { $0.name == name }?.value
        }

        func blocks(_ type: String) -> [Block] { blocks.filter { $0.type == type } }

        /// The one block `type "label"…`, or nil when there is none (or several).
        func block(_ type: String, _ labels: String...) -> Block? {
            let found = blocks.filter { $0.type == type && $0.labels == labels }
            return found.count == 1 ? found[0] : nil
        }

        /// HCL1 lets a nested map be written as a block (`plugin_data {}`) or as an object value
        /// (`plugin_data = {}`); this finds it either way.
        func map(_ name: String) -> Body? {
            if case .object(let body)? = self[attribute: name] { return body }
            return block(name)?.body
        }

        /// The body as plain JSON-like values, in the shape HCL1 decoders (and pyhcl) produce:
        /// a block `T "a" "b" { … }` becomes `{"T": {"a": {"b": {…}}}}`, repeated block types
        /// merge, lists become arrays, integral numbers become integers.
        func jsonObject() -> [String: Any] {
            var result: [String: Any] = [:]
            for attribute in attributes { result[attribute.name] = Self.json(attribute.value) }
            for block in blocks {
                let keys = [block.type] + block.labels
                result = Self.merge(result, keys: keys[...], value: block.body.jsonObject())
            }
            return result
        }

        private static func json(_ value: Value) -> Any {
            switch value {
            case .string(let s): return s
            case .bool(let b): return b
            case .number(let n): return n.rounded() == n && abs(n) < 1e15 ? Int(n) as Any : n as Any
            case .list(let items): return items.map(json)
            case .object(let body): return body.jsonObject()
            }
        }

        private static func merge(_ object: [String: Any], keys: ArraySlice<String>, value: [String: Any]) -> [String: Any] {
            var object = object
            guard let key = keys.first else { return object }
            if keys.count == 1 {
                let existing = object[key] as? [String: Any] ?? [:]
                object[key] = existing.merging(value) { _, new in new }
            } else {
                let existing = object[key] as? [String: Any] ?? [:]
                object[key] = merge(existing, keys: keys.dropFirst(), value: value)
            }
            return object
        }
    }

    static func parse(_ text: String) throws(ParseError) -> Body {
        var lexer = Lexer(text)
        var parser = Parser(tokens: try lexer.tokens())
        return try parser.parseFile()
    }

    // MARK: Lexer

    enum TokenKind: Equatable {
        case identifier(String)
        case string(String)
        case number(Double)
        case symbol(Character)  // { } [ ] = ,
        case end
    }

    struct Token {
        var kind: TokenKind
        var line: Int
        var column: Int
    }

    struct Lexer {
        private let chars: [Character]
        private var index = 0
        private var line = 1
        private var column = 1

        init(_ text: String) { chars = Array(text) }

        private var current: Character? { index < chars.count ? chars[index] : nil }
        private func peek(_ offset: Int = 1) -> Character? {
            index + offset < chars.count ? chars[index + offset] : nil
        }

        private mutating func advance() {
            if chars[index] == "\n" { line += 1; column = 1 } else { column += 1 }
            index += 1
        }

        private func error(_ message: String) -> ParseError {
            ParseError(line: line, column: column, message: message)
        }

        mutating func tokens() throws(ParseError) -> [Token] {
            var tokens: [Token] = []
            while let c = current {
                let (startLine, startColumn) = (line, column)
                func emit(_ kind: TokenKind) { tokens.append(Token(kind: kind, line: startLine, column: startColumn)) }
                switch c {
                case " ", "\t", "\r", "\n":
                    advance()
                case "#":
                    skipLine()
                case "/" where peek() == "/":
                    skipLine()
                case "/" where peek() == "*":
                    advance(); advance()
                    while current != nil && !(current == "*" && peek() == "/") { advance() }
                    guard current != nil else {
                        throw ParseError(line: startLine, column: startColumn, message: "unterminated /* comment")
                    }
                    advance(); advance()
                case "{", "}", "[", "]", "=", ",":
                    advance()
                    emit(.symbol(c))
                case "\"":
                    emit(.string(try lexString()))
                case "<" where peek() == "<":
                    throw error("heredoc strings (<<) are outside the HCL subset this parser reads")
                case _ where c == "-" || c == "+" || c.isASCII && c.isNumber:
                    emit(.number(try lexNumber()))
                case _ where c.isASCII && (c.isLetter || c == "_"):
                    var name = ""
                    while let d = current, d.isASCII && (d.isLetter || d.isNumber || d == "_" || d == "-" || d == ".") {
                        name.append(d)
                        advance()
                    }
                    emit(.identifier(name))
                default:
                    throw error("unexpected character '\(c)'")
                }
            }
            tokens.append(Token(kind: .end, line: line, column: column))
            return tokens
        }

        private mutating func skipLine() {
            while let c = current, c != "\n" { advance() }
        }

        private mutating func lexString() throws(ParseError) -> String {
            let (startLine, startColumn) = (line, column)
            advance()  // opening quote
            var value = ""
            while true {
                guard let c = current, c != "\n" else {
                    throw ParseError(line: startLine, column: startColumn, message: "unterminated string")
                }
                advance()
                switch c {
                case "\"":
                    return value
                case "\\":
                    guard let escaped = current else {
                        throw ParseError(line: startLine, column: startColumn, message: "unterminated string")
                    }
                    switch escaped {
                    case "\"": value.append("\"")
                    case "\\": value.append("\\")
                    case "n": value.append("\n")
                    case "t": value.append("\t")
                    case "r": value.append("\r")
                    default: throw error("unsupported escape \\\(escaped) in a string")
                    }
                    advance()
                case "$" where current == "{":
                    throw error("${…} interpolation is outside the HCL subset this parser reads")
                default:
                    value.append(c)
                }
            }
        }

        private mutating func lexNumber() throws(ParseError) -> Double {
            let (startLine, startColumn) = (line, column)
            var text = ""
            if let sign = current, sign == "-" || sign == "+" { text.append(sign); advance() }
            while let d = current, d.isASCII && (d.isNumber || d == ".") {
                text.append(d)
                advance()
            }
            guard let value = Double(text), text.contains(where: \.isNumber),
                  text.filter({ $0 == "." }).count <= 1, !text.hasSuffix(".")
            else {
                throw ParseError(line: startLine, column: startColumn, message: "malformed number '\(text)'")
            }
            if let next = current, next.isLetter || next == "_" {
                throw ParseError(line: startLine, column: startColumn,
                                 message: "malformed number '\(text)\(next)' (units such as 1h must be quoted strings)")
            }
            return value
        }
    }

    // MARK: Parser

    struct Parser {
        let tokens: [Token]
        var index = 0

        private var current: Token { tokens[index] }

        private func error(_ message: String, at token: Token? = nil) -> ParseError {
            let t = token ?? current
            return ParseError(line: t.line, column: t.column, message: message)
        }

        private static func describe(_ kind: TokenKind) -> String {
            switch kind {
            case .identifier(let s): return "'\(s)'"
            case .string(let s): return "string \"\(s)\""
            case .number(let n): return "number \(n)"
            case .symbol(let c): return "'\(c)'"
            case .end: return "end of file"
            }
        }

        mutating func parseFile() throws(ParseError) -> Body {
            let body = try parseBody()
            guard current.kind == .end else {
                throw error("unexpected \(Self.describe(current.kind)): a '}' without its '{'")
            }
            return body
        }

        /// Items until `}` or the end of the file (the caller checks which one it needed).
        private mutating func parseBody() throws(ParseError) -> Body {
            var body = Body()
            while true {
                let start = current
                switch start.kind {
                case .end, .symbol("}"):
                    return body
                case .identifier(let name), .string(let name):
                    index += 1
                    if current.kind == .symbol("=") {
                        index += 1
                        if body.attributes.contains(where: { $0.name == name }) {
                            throw error("attribute '\(name)' is set twice in the same block", at: start)
                        }
                        body.attributes.append(Attribute(name: name, value: try parseValue(), line: start.line))
                    } else {
                        var labels: [String] = []
                        while case .string(let label) = current.kind {
                            labels.append(label)
                            index += 1
                        }
                        guard current.kind == .symbol("{") else {
                            throw error("expected '=' or '{' after '\(name)', found \(Self.describe(current.kind))")
                        }
                        index += 1
                        let inner = try parseBody()
                        guard current.kind == .symbol("}") else {
                            throw error("block '\(name)' opened on line \(start.line) is never closed")
                        }
                        index += 1
                        body.blocks.append(Block(type: name, labels: labels, body: inner, line: start.line))
                    }
                default:
                    throw error("expected an attribute or a block, found \(Self.describe(start.kind))")
                }
            }
        }

        private mutating func parseValue() throws(ParseError) -> Value {
            let start = current
            index += 1
            switch start.kind {
            case .string(let s): return .string(s)
            case .number(let n): return .number(n)
            case .identifier("true"): return .bool(true)
            case .identifier("false"): return .bool(false)
            case .symbol("["):
                var items: [Value] = []
                while current.kind != .symbol("]") {
                    guard current.kind != .end else { throw error("list opened on line \(start.line) is never closed") }
                    items.append(try parseValue())
                    if current.kind == .symbol(",") {
                        index += 1
                    } else if current.kind != .symbol("]") {
                        throw error("expected ',' or ']' in a list, found \(Self.describe(current.kind))")
                    }
                }
                index += 1
                return .list(items)
            case .symbol("{"):
                let body = try parseBody()
                guard current.kind == .symbol("}") else {
                    throw error("object opened on line \(start.line) is never closed")
                }
                index += 1
                return .object(body)
            default:
                throw error("expected a value (string, number, bool, list or {…}), found \(Self.describe(start.kind))", at: start)
            }
        }
    }
}
