import Foundation
import SpiffeFormats
import SpiffeX509
import Testing

/// TimeText takes any value without trapping (issue: one token with `exp: 1e300` used to end the
/// agent), and its ISO 8601 text is the same as Foundation's formatter wherever that one is right.
@Suite("TimeText: hostile values and ISO 8601")
struct TimeTextTests {
    @Test("durations of any size, infinity and NaN are words, not traps", arguments: [
        1e300, -1e300, Double.infinity, -Double.infinity, Double.nan, 18_446_744_073_709_551_617.0, 9.3e18, 1e12,
    ])
    func hugeDurations(interval: Double) {
        let text = TimeText.duration(interval)
        #expect(text == "over 10000 years" || interval.isNaN, "\(interval): \(text)")
    }

    @Test("ordinary durations are unchanged")
    func ordinaryDurations() {
        #expect(TimeText.duration(0) == "0s")
        #expect(TimeText.duration(3_590) == "59m 50s")
        #expect(TimeText.duration(-93_600) == "1d 2h")
        #expect(TimeText.duration(3_600 * 24 * 365 * 9_000) == "3285000d")
    }

    @Test("whole seconds clamp instead of trapping")
    func wholeSeconds() {
        #expect(TimeText.wholeSeconds(1e300) == Int.max)
        #expect(TimeText.wholeSeconds(-Double.infinity) == Int.min)
        #expect(TimeText.wholeSeconds(.nan) == 0)
        #expect(TimeText.wholeSeconds(-2.5) == -3)
        #expect(TimeText.wholeSeconds(119.6) == 120)
    }

    @Test("durations that would overflow are refused", arguments: [
        "99999999999999999h", "99999999999999999", "9223372036854775807s", "106752d", "1d99999999999h", "-5m", "0s",
    ])
    func overflowingDurations(text: String) {
        #expect(TimeText.parseDuration(text) == nil, "\(text)")
    }

    @Test("--at instants outside 1970...9999 are refused; the forms inside are read")
    func instants() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        for text in ["1e300", "+99999999999999999h", "inf", "nan", "-99999999999999999h", "253402300800", "10000-01-01T00:00:00Z", "soon"] {
            #expect(TimeText.instant(text, now: now) == nil, "\(text)")
        }
        #expect(TimeText.instant("now", now: now) == now)
        #expect(TimeText.instant("+2h", now: now) == now + 7_200)
        #expect(TimeText.instant("-30m", now: now) == now - 1_800)
        #expect(TimeText.instant("1700000000", now: now) == Date(timeIntervalSince1970: 1_700_000_000))
        // A signed bare number is seconds since 1970, as the help says, not an offset.
        #expect(TimeText.instant("+1700000000", now: now) == Date(timeIntervalSince1970: 1_700_000_000))
        #expect(TimeText.instant("++5m", now: now) == nil)
        #expect(TimeText.instant("2030-01-01T00:00:00Z", now: now) == Date(timeIntervalSince1970: 1_893_456_000))
    }

    /// Foundation switches to the Julian calendar before 1582-10-15; ISO 8601 (and TimeText)
    /// stay proleptic Gregorian, so the two are compared from 1583 on.
    @Test("iso(_:) agrees with ISO8601DateFormatter from 1583 to 9999, and names times outside it")
    func isoMatchesFoundation() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        var generator = SystemRandomNumberGenerator()
        var samples: [Double] = [0, -1, 86_399, 86_400, 951_782_400 /* 2000-02-29 */, 4_107_542_400 /* 2100-03-01 */,
                                 TimeText.latest, -12_212_553_600 /* 1583-01-01 */, 1_700_000_000.999, -0.5]
        for _ in 0..<2_000 { samples.append(Double(Int64.random(in: -12_212_553_600...253_402_300_799, using: &generator))) }
        for seconds in samples {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(TimeText.iso(date) == formatter.string(from: date), "\(seconds)")
        }
        #expect(TimeText.iso(Date(timeIntervalSince1970: TimeText.earliest)) == "0001-01-01T00:00:00Z")
        #expect(TimeText.iso(Date(timeIntervalSince1970: 1e300)) == "after 9999-12-31T23:59:59Z")
        #expect(TimeText.iso(Date(timeIntervalSince1970: -.infinity)) == "before 0001-01-01T00:00:00Z")
    }
}
