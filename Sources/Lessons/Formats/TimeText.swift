import Foundation

/// Times and durations as the toolkit prints them: ISO 8601 in UTC, and `1h 2m 3s`.
///
/// Everything here takes any value without trapping. Times come from untrusted input (a
/// token's `exp` may be 1e300, `--at` may be `+99999999999999999h`), and one conversion from
/// Double to Int that traps would end the agent for every workload on the machine.
public enum TimeText {
    /// The instants ISO 8601's four-digit years can name: 0001-01-01T00:00:00Z ...
    /// 9999-12-31T23:59:59Z, in seconds since 1970.
    public static let earliest: TimeInterval = -62_135_596_800
    public static let latest: TimeInterval = 253_402_300_799

    /// `2025-01-31T12:00:00Z`: unambiguous, sortable, and what `--at` accepts. A time outside
    /// years 1...9999 (a JWT may claim one) is said as such instead of as a made-up year.
    public static func iso(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        guard seconds >= earliest else { return "before 0001-01-01T00:00:00Z" }
        guard seconds <= latest else { return "after 9999-12-31T23:59:59Z" }
        // Whole seconds, as `.withInternetDateTime` prints them (it truncates toward the past).
        let whole = Int64(seconds.rounded(.down))
        let days = whole >= 0 ? whole / 86_400 : (whole - 86_399) / 86_400
        let secondOfDay = whole - days * 86_400
        let (year, month, day) = civilDate(daysSince1970: days)
        let hour = secondOfDay / 3_600, minute = secondOfDay % 3_600 / 60, second = secondOfDay % 60
        return "\(padded(year, 4))-\(padded(month, 2))-\(padded(day, 2))T\(padded(hour, 2)):\(padded(minute, 2)):\(padded(second, 2))Z"
    }

    /// `7` as `07` (width 2) or `0007` (width 4).
    private static func padded(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// The proleptic Gregorian date of a day number (days since 1970-01-01), by Howard Hinnant's
    /// `civil_from_days`: exact for every day, with no calendar object to build on each call
    /// (building ICU's formatter once per validation was half of its cost).
    static func civilDate(daysSince1970: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = daysSince1970 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Parses the ISO 8601 form `iso(_:)` prints (with or without fractional seconds).
    public static func parseISO(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    /// An instant as the command line takes it (`--at`): `now`, ISO 8601
    /// (`2030-01-01T00:00:00Z`), an offset from now (`+2h`, `-30m`), or seconds since 1970 (the
    /// form a JWT's `exp` and `iat` use). Nil for anything else, and for an instant outside
    /// years 1970...9999: no certificate or token can be checked meaningfully there.
    public static func instant(_ text: String, now: Date) -> Date? {
        let date: Date
        if text == "now" {
            date = now
        } else if let sign = text.first, sign == "+" || sign == "-", text.dropFirst().contains(where: \.isLetter),
                  let offset = parseDuration(String(text.dropFirst())) {
            // An offset carries a unit (+2h, -30m); a signed bare number is seconds since 1970.
            date = sign == "+" ? now + offset : now - offset
        } else if let seconds = Double(text), seconds.isFinite {
            date = Date(timeIntervalSince1970: seconds)
        } else if let parsed = parseISO(text) {
            date = parsed
        } else {
            return nil
        }
        let seconds = date.timeIntervalSince1970
        return seconds >= 0 && seconds <= latest ? date : nil
    }

    /// Whole seconds of an interval, rounded to the nearest, clamped to what an Int holds
    /// (Int(Double) traps on 1e300, infinity and NaN; NaN becomes 0).
    public static func wholeSeconds(_ interval: TimeInterval) -> Int {
        guard !interval.isNaN else { return 0 }
        let rounded = interval.rounded()
        if rounded >= 9.2e18 { return Int.max }
        if rounded <= -9.2e18 { return Int.min }
        return Int(rounded)
    }

    /// A duration for people, largest units first: `59m 50s`, `1d 2h`, `0s`; beyond ten
    /// thousand years (or infinite), `over 10000 years`.
    public static func duration(_ interval: TimeInterval) -> String {
        let magnitude = abs(interval)
        guard magnitude < 10_000 * 365.25 * 86_400 else { return "over 10000 years" }
        var seconds = Int(magnitude.rounded(.down))
        let units: [(Int, String)] = [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")]
        var parts: [String] = []
        for (size, name) in units where seconds >= size {
            parts.append("\(seconds / size)\(name)")
            seconds %= size
        }
        // Two units are precise enough for a lifetime and short enough to read.
        return parts.isEmpty ? "0s" : parts.prefix(2).joined(separator: " ")
    }

    /// The longest duration `parseDuration` takes: a hundred years is past any TTL or offset
    /// that means something, and far from where the arithmetic could overflow.
    public static let longestDuration: TimeInterval = 100 * 366 * 86_400

    /// Parses a duration such as `1h`, `30m`, `90s`, `1h30m` or `2d`; a bare number is seconds.
    /// Returns nil for anything else, including zero, negative durations and durations longer
    /// than `longestDuration`.
    public static func parseDuration(_ text: String) -> TimeInterval? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let limit = Int(longestDuration)
        if let seconds = Int(trimmed) { return seconds > 0 && seconds <= limit ? TimeInterval(seconds) : nil }
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
            // Each part is bounded before it is multiplied, so no product or sum can overflow.
            guard let value = Int(number), value <= limit else { return nil }
            total += value * size
            guard total <= limit else { return nil }
            number = ""
            sawUnit = true
        }
        guard sawUnit, number.isEmpty, total > 0 else { return nil }
        return TimeInterval(total)
    }
}
