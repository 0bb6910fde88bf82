/// A JSON parser (RFC 8259) for what a JWT carries: small objects from untrusted hands.
///
/// Foundation's JSONDecoder works for this, but it was most of a token's parsing cost: every
/// value went through a `try?` cascade of typed decodes, and a second pass had to find duplicate
/// member names, which a decoder into a dictionary cannot see. This parser reads the bytes once,
/// refuses a duplicate member as it meets it (RFC 7515 §5.2: parsers disagree about which copy
/// wins, so a token with two `alg`s must be rejected), and limits nesting so hostile input
/// cannot exhaust the stack.
public struct JSONParser {
    /// Why bytes are not the JSON object a token part must be.
    public enum Failure: Error, Equatable, Sendable {
        /// Not JSON, or not an object at the top: the byte offset where reading stopped.
        case invalid(offset: Int)
        /// A member name appears twice in one object.
        case duplicateMember(String)
        /// Arrays and objects nested deeper than `maximumDepth`.
        case tooDeep
    }

    /// Far more than any header or claims set needs; enough to stop a stack overflow.
    public static let maximumDepth = 64

    private let bytes: [UInt8]
    private var index = 0

    private init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Parses `bytes` as one JSON object (whitespace around it allowed).
    public static func object(_ bytes: [UInt8]) throws(Failure) -> [String: JSONValue] {
        var parser = JSONParser(bytes)
        parser.skipWhitespace()
        guard parser.peek == UInt8(ascii: "{") else { throw .invalid(offset: parser.index) }
        guard case .object(let object) = try parser.value(depth: 0) else { throw .invalid(offset: 0) }
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw .invalid(offset: parser.index) }
        return object
    }

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    private mutating func expect(_ literal: StaticString) throws(Failure) {
        let start = index
        for byte in UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount) {
            guard peek == byte else { throw .invalid(offset: start) }
            index += 1
        }
    }

    private mutating func value(depth: Int) throws(Failure) -> JSONValue {
        skipWhitespace()
        guard let byte = peek else { throw .invalid(offset: index) }
        switch byte {
        case UInt8(ascii: "{"):
            guard depth < Self.maximumDepth else { throw .tooDeep }
            index += 1
            var members: [String: JSONValue] = [:]
            skipWhitespace()
            if peek == UInt8(ascii: "}") { index += 1; return .object(members) }
            while true {
                skipWhitespace()
                guard peek == UInt8(ascii: "\"") else { throw .invalid(offset: index) }
                let name = try string()
                skipWhitespace()
                guard peek == UInt8(ascii: ":") else { throw .invalid(offset: index) }
                index += 1
                let member = try value(depth: depth + 1)
                guard members.updateValue(member, forKey: name) == nil else { throw .duplicateMember(name) }
                skipWhitespace()
                switch peek {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "}"): index += 1; return .object(members)
                default: throw .invalid(offset: index)
                }
            }
        case UInt8(ascii: "["):
            guard depth < Self.maximumDepth else { throw .tooDeep }
            index += 1
            var elements: [JSONValue] = []
            skipWhitespace()
            if peek == UInt8(ascii: "]") { index += 1; return .array(elements) }
            while true {
                elements.append(try value(depth: depth + 1))
                skipWhitespace()
                switch peek {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "]"): index += 1; return .array(elements)
                default: throw .invalid(offset: index)
                }
            }
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"):
            try expect("true"); return .bool(true)
        case UInt8(ascii: "f"):
            try expect("false"); return .bool(false)
        case UInt8(ascii: "n"):
            try expect("null"); return .null
        default:
            return try number()
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, as an Int64 when it is a whole
    /// number that fits, else a Double; a number too large for a Double is refused, as
    /// JSONDecoder refuses it, rather than read as infinity.
    private mutating func number() throws(Failure) -> JSONValue {
        let start = index
        func digits() -> Int {
            let from = index
            while let byte = peek, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { index += 1 }
            return index - from
        }
        if peek == UInt8(ascii: "-") { index += 1 }
        guard let first = peek, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") else { throw .invalid(offset: start) }
        if first == UInt8(ascii: "0") { index += 1 } else { _ = digits() }
        var integral = true
        if peek == UInt8(ascii: ".") {
            index += 1
            integral = false
            guard digits() > 0 else { throw .invalid(offset: index) }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            index += 1
            integral = false
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw .invalid(offset: index) }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if integral, let value = Int64(text) { return .integer(value) }
        guard let value = Double(text), value.isFinite else { throw .invalid(offset: start) }
        // `1e3` and `1000.0` are whole numbers too, as JSONDecoder read them.
        if value == value.rounded(), abs(value) < 9.2e18 { return .integer(Int64(value)) }
        return .number(value)
    }

    /// A string at `index` (which holds its opening quote), escapes decoded; raw control
    /// characters and invalid UTF-8 are refused.
    private mutating func string() throws(Failure) -> String {
        let start = index
        index += 1
        var scalars = String.UnicodeScalarView()
        var runStart = index
        func flushRun() throws(Failure) {
            guard runStart < index else { return }
            guard let run = String(validating: bytes[runStart..<index], as: UTF8.self) else { throw .invalid(offset: runStart) }
            scalars.append(contentsOf: run.unicodeScalars)
        }
        while let byte = peek {
            switch byte {
            case UInt8(ascii: "\""):
                try flushRun()
                index += 1
                return String(scalars)
            case UInt8(ascii: "\\"):
                try flushRun()
                index += 1
                guard let escape = peek else { throw .invalid(offset: index) }
                index += 1
                switch escape {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800...0xDBFF).contains(code) {
                        // A high surrogate must be followed by an escaped low one.
                        guard peek == UInt8(ascii: "\\") else { throw .invalid(offset: index) }
                        index += 1
                        guard peek == UInt8(ascii: "u") else { throw .invalid(offset: index) }
                        index += 1
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw .invalid(offset: index) }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw .invalid(offset: index) }
                    scalars.append(scalar)
                default:
                    throw .invalid(offset: index - 1)
                }
                runStart = index
            case 0x00..<0x20:
                throw .invalid(offset: index)
            default:
                index += 1
            }
        }
        throw .invalid(offset: start)
    }

    private mutating func hex4() throws(Failure) -> UInt32 {
        guard index + 4 <= bytes.count else { throw .invalid(offset: index) }
        var code: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw .invalid(offset: index)
            }
            code = code << 4 | UInt32(digit)
            index += 1
        }
        return code
    }
}
