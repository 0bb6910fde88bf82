import Foundation

/// How a short answer is compared with the accepted forms: the one place where "graded like a
/// person would" is decided.
///
/// Every mode ignores case, surrounding whitespace, runs of spaces, surrounding quotes or
/// backticks and a final full stop. On top of that:
/// - `text`: the normalised strings must be equal once filler words are dropped, so "it must be
///   marked as critical" is the answer "critical" (but "not critical" is not: "not" is never
///   filler);
/// - `duration`: both sides are read as durations (`1h`, `60m`, `3600s`, `60 minutes`, `1h30m`,
///   `one hour`, `an hour`, `half an hour`) and compared in seconds; a restatement in
///   parentheses must agree (`1 hour (3600 s)` is right, `1 hour (60 s)` is not);
/// - `number`: both sides are read as numbers, ignoring thousands separators (`2,048` = `2048`);
/// - `grpc-status`: both sides are read as gRPC status codes, by number or by name in any of the
///   spellings the languages use (`7`, `PERMISSION_DENIED`, `codes.PermissionDenied`,
///   `StatusCode.PERMISSION_DENIED`, `permission denied`).
public enum AnswerMatch: String, Sendable, CaseIterable {
    case text
    case duration
    case number
    case grpcStatus = "grpc-status"

    public func normalize(_ answer: String) -> String {
        var value = answer.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        // The full stop first, so `"critical".` loses both its stop and its quotes.
        if value.hasSuffix(".") && !value.hasSuffix("..") { value.removeLast() }
        for quote in ["`", "\"", "'"] where value.count >= 2 && value.hasPrefix(quote) && value.hasSuffix(quote) {
            value = String(value.dropFirst().dropLast())
        }
        if value.hasSuffix(".") && !value.hasSuffix("..") { value.removeLast() }
        return value.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }

    public func equivalent(_ answer: String, _ accepted: String) -> Bool {
        switch self {
        case .text:
            let given = Self.withoutFiller(normalize(answer))
            return !given.isEmpty && given == Self.withoutFiller(normalize(accepted))
        case .duration:
            guard let a = Self.durationAnswer(normalize(answer)), let b = Self.seconds(normalize(accepted)) else { return false }
            return a == b
        case .number:
            guard let a = Self.number(normalize(answer)), let b = Self.number(normalize(accepted)) else { return false }
            return a == b
        case .grpcStatus:
            guard let a = Self.grpcStatus(answer), let b = Self.grpcStatus(accepted) else { return false }
            return a == b
        }
    }

    /// Words a person adds around a one-word answer without changing it. Never a word that
    /// changes the meaning ("not", "no", "never", "only").
    static let filler: Set<String> = ["it", "its", "it's", "must", "should", "be", "is", "are", "marked", "as", "the", "a", "an", "set", "to", "has", "have"]

    static func withoutFiller(_ text: String) -> String {
        text.split(separator: " ").filter { !filler.contains(String($0)) }.joined(separator: " ")
    }

    /// A typed duration: the main value, and every restatement in parentheses that reads as a
    /// duration must agree with it. "1 hour (the default)" is 3600 s; "1 hour (60 s)" is nothing.
    static func durationAnswer(_ text: String) -> Double? {
        var main = ""
        var asides: [String] = []
        var depth = 0
        var current = ""
        for character in text {
            switch character {
            case "(":
                if depth == 0 { main += " " } else { current.append(character) }
                depth += 1
            case ")" where depth > 0:
                depth -= 1
                if depth == 0 { asides.append(current); current = "" } else { current.append(character) }
            default:
                if depth == 0 { main.append(character) } else { current.append(character) }
            }
        }
        // "about 30s", "every 30 seconds", "~30s": the hedge a person adds is not part of the value.
        var core = main.trimmingCharacters(in: .whitespaces)
        for hedge in ["about ", "around ", "roughly ", "approximately ", "approx. ", "every ", "once every ", "~"] where core.hasPrefix(hedge) {
            core = String(core.dropFirst(hedge.count)).trimmingCharacters(in: .whitespaces)
        }
        guard depth == 0, let value = seconds(core) else { return nil }
        for aside in asides {
            if let restated = seconds(aside.trimmingCharacters(in: .whitespaces)), restated != value { return nil }
        }
        return value
    }

    /// Numbers a person writes as words in a duration.
    static let numberWords: [String: Double] = [
        "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
        "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
        "thirty": 30, "forty-five": 45, "sixty": 60, "ninety": 90, "half": 0.5,
    ]

    /// Seconds in a duration such as `1h`, `60 m`, `3600s`, `1 hour`, `1h30m`, `90 minutes`,
    /// `one hour`, `an hour`, `half an hour`, `1 hour and 30 minutes`.
    /// A bare number is not a duration: the unit is part of the answer.
    public static func seconds(_ text: String) -> Double? {
        let units: [(names: [String], seconds: Double)] = [
            (["ms", "millisecond", "milliseconds"], 0.001),
            (["s", "sec", "secs", "second", "seconds"], 1),
            (["m", "min", "mins", "minute", "minutes"], 60),
            (["h", "hr", "hrs", "hour", "hours"], 3600),
            (["d", "day", "days"], 86400),
        ]
        // Words first: "half an hour" -> "0.5 1 hour" is read as 0.5 × 1 h; "one hour" -> "1 hour".
        var words: [String] = []
        var multiplier = 1.0
        for word in text.lowercased().replacingOccurrences(of: ",", with: " ").split(separator: " ").map(String.init) {
            if word == "and" { continue }
            if word == "half" { multiplier *= 0.5; continue }
            if let value = numberWords[word] {
                // "half an hour": "an" after "half" is the 1 that "half" scales.
                words.append(String(value * multiplier))
                multiplier = 1
                continue
            }
            words.append(word)
        }
        guard multiplier == 1 else { return nil }
        var total = 0.0
        var rest = Substring(words.joined())
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix(while: { $0.isNumber || $0 == "." })
            guard !digits.isEmpty, let value = Double(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            let unit = rest.prefix(while: { $0.isLetter })
            guard !unit.isEmpty, let match = units.first(where: { $0.names.contains(String(unit)) }) else { return nil }
            rest = rest.dropFirst(unit.count)
            total += value * match.seconds
        }
        return total
    }

    static func number(_ text: String) -> Double? {
        Double(text.replacingOccurrences(of: ",", with: "").replacingOccurrences(of: "_", with: ""))
    }

    /// The gRPC status codes (grpc/doc/statuscodes.md), by number.
    static let grpcStatusNames = [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
        "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
    ]

    /// A status code as typed in any language's spelling: `7`, `PERMISSION_DENIED`,
    /// `codes.PermissionDenied` (Go), `StatusCode.PERMISSION_DENIED` (Python), `.permissionDenied`
    /// (Swift), `permission denied`, `status 7`.
    static func grpcStatus(_ text: String) -> Int? {
        var value = AnswerMatch.text.normalize(text)
        for prefix in ["grpc status", "status code", "status", "code", "grpc"] where value.hasPrefix(prefix + " ") {
            value = String(value.dropFirst(prefix.count + 1))
        }
        // "7 (PERMISSION_DENIED)": both halves must name the same code.
        if let open = value.firstIndex(of: "("), value.hasSuffix(")") {
            let outside = String(value[..<open]).trimmingCharacters(in: .whitespaces)
            let inside = String(value[value.index(after: open)..<value.index(before: value.endIndex)])
            guard let a = grpcStatus(outside), let b = grpcStatus(inside), a == b else { return nil }
            return a
        }
        if let number = Int(value) { return grpcStatusNames.indices.contains(number) ? number : nil }
        for prefix in ["codes.", "statuscode.", "grpc.", "status.", "."] where value.hasPrefix(prefix) {
            value = String(value.dropFirst(prefix.count))
        }
        let letters = value.filter { $0.isLetter }
        guard letters.count == value.filter({ !"_ -".contains($0) }).count else { return nil }
        return grpcStatusNames.firstIndex { $0.lowercased().filter(\.isLetter) == letters }
    }
}
