import Foundation

/// How a short answer is compared with the accepted forms.
///
/// Every mode ignores case, surrounding whitespace, runs of spaces, surrounding quotes or
/// backticks and a final full stop. On top of that:
/// - `text`: the normalised strings must be equal;
/// - `duration`: both sides are read as durations (`1h`, `60m`, `3600s`, `60 minutes`, `1h30m`)
///   and compared in seconds, so `1h`, `60m` and `3600 s` are the same answer;
/// - `number`: both sides are read as numbers, ignoring thousands separators (`2,048` = `2048`).
public enum AnswerMatch: String, Sendable, CaseIterable {
    case text
    case duration
    case number

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
            return normalize(answer) == normalize(accepted)
        case .duration:
            guard let a = Self.seconds(normalize(answer)), let b = Self.seconds(normalize(accepted)) else { return false }
            return a == b
        case .number:
            guard let a = Self.number(normalize(answer)), let b = Self.number(normalize(accepted)) else { return false }
            return a == b
        }
    }

    /// Seconds in a duration such as `1h`, `60 m`, `3600s`, `1 hour`, `1h30m`, `90 minutes`.
    /// A bare number is not a duration: the unit is part of the answer.
    public static func seconds(_ text: String) -> Double? {
        let units: [(names: [String], seconds: Double)] = [
            (["ms", "millisecond", "milliseconds"], 0.001),
            (["s", "sec", "secs", "second", "seconds"], 1),
            (["m", "min", "mins", "minute", "minutes"], 60),
            (["h", "hr", "hrs", "hour", "hours"], 3600),
            (["d", "day", "days"], 86400),
        ]
        var total = 0.0
        var rest = Substring(text.lowercased().replacingOccurrences(of: " ", with: ""))
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
}
