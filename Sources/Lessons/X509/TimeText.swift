import Foundation

/// Times and durations as the toolkit prints them: ISO 8601 in UTC, and `1h 2m 3s`.
public enum TimeText {
    /// `2025-01-31T12:00:00Z`: unambiguous, sortable, and what `--at` accepts.
    public static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    /// Parses the ISO 8601 form `iso(_:)` prints (with or without fractional seconds).
    public static func parseISO(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    /// A duration for people, largest units first: `59m 50s`, `1d 2h`, `0s`.
    public static func duration(_ interval: TimeInterval) -> String {
        var seconds = Int(abs(interval).rounded(.down))
        let units: [(Int, String)] = [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")]
        var parts: [String] = []
        for (size, name) in units where seconds >= size {
            parts.append("\(seconds / size)\(name)")
            seconds %= size
        }
        // Two units are precise enough for a lifetime and short enough to read.
        return parts.isEmpty ? "0s" : parts.prefix(2).joined(separator: " ")
    }

    /// Parses a duration such as `1h`, `30m`, `90s`, `1h30m` or `2d`; a bare number is seconds.
    /// Returns nil for anything else, including zero and negative durations.
    public static func parseDuration(_ text: String) -> TimeInterval? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(trimmed) { return seconds > 0 ? TimeInterval(seconds) : nil }
        var total = 0
        var number = ""
        var sawUnit = false
        for character in trimmed {
            if character.isASCII, character.isNumber {
                number.append(character)
                continue
            }
            let size: Int
            switch character {
            case "d": size = 86_400
            case "h": size = 3_600
            case "m": size = 60
            case "s": size = 1
            default: return nil
            }
            guard let value = Int(number) else { return nil }
            total += value * size
            number = ""
            sawUnit = true
        }
        guard sawUnit, number.isEmpty, total > 0 else { return nil }
        return TimeInterval(total)
    }
}
