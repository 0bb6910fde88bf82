import SpiffeIdentity

/// The cases for `workload-id-path` (Day 7): the path rules of SPIFFE-ID §2.2 for a workload's
/// ID, plus X509-SVID §3.1's "a workload's ID has a path".
///
/// Every row states the rule it expects, and GradingTests checks that the toolkit's parser
/// (`SpiffeID(trustDomain:path:)`) reports that same rule for every row (`toolkitRule`), so the
/// grader and the parser cannot drift apart. Three paths break two rules by the letter of §2.2
/// (`%` is also outside the allowed characters; a trailing `/` also leaves an empty last
/// segment): for them the expected rule is the more specific one the toolkit reports,
/// `.percentEncoding` and `.trailingSlash`, so a solution checks `%` before the character set
/// and the last segment before empty segments.
public enum WorkloadIDPathCases {
    public static let exercise = Exercise(
        id: "workload-id-path", day: 7, title: "The path rules of a workload's SPIFFE ID",
        file: "Sources/Exercises/WorkloadIDPath.swift",
        hints: [
            "Two rules are about the path as a whole, before you look at any segment: may a workload's path be empty, and what must its first character be?",
            "Swift's split(separator:) quietly drops empty pieces unless you ask it not to, and two of the rules are about empty pieces.",
            "Character.isLetter and isNumber say yes to far more than the spec's a-z, A-Z and 0-9. And one character has a rule of its own.",
        ])

    /// One path the grader tries, and the rule it breaks (nil: it breaks none).
    public struct Row: Sendable {
        public let name: String
        public let path: String
        public let expected: WorkloadPathRule?
    }

    /// The paths, valid ones first, then one or two per rule, in the order the learner meets them.
    public static let table: [Row] = [
        Row(name: "a valid workload path in the /ns/…/sa/… style", path: "/ns/prod/sa/provisioning", expected: nil),
        Row(name: "uppercase letters: a path is case-sensitive, and uppercase is allowed", path: "/ns/prod/sa/ProvisioningAPI", expected: nil),
        Row(name: "segments that start with or contain dots but are not \".\" or \"..\"", path: "/.well-known/a..b/...", expected: nil),
        Row(name: "an opaque path: one segment holding a UUID", path: "/9eebccd2-12bf-40a6-b262-65fe0487d453", expected: nil),
        Row(name: "the empty path: that is the trust domain's own ID, not a workload's", path: "", expected: .empty),
        Row(name: "a path without its leading slash", path: "ns/prod/sa/provisioning", expected: .notAbsolute),
        Row(name: "a trailing slash", path: "/ns/prod/sa/provisioning/", expected: .trailingSlash),
        Row(name: "the path \"/\" alone: its only segment is empty, at the end", path: "/", expected: .trailingSlash),
        Row(name: "two slashes in a row: an empty segment in the middle", path: "/ns/prod//provisioning", expected: .emptySegment),
        Row(name: "a \"..\" segment at the end", path: "/ns/prod/sa/..", expected: .dotSegment),
        Row(name: "a \".\" segment at the start", path: "/./provisioning", expected: .dotSegment),
        Row(name: "percent-encoding, even of an allowed letter (%6F is 'o')", path: "/ns/pr%6Fd/sa/provisioning", expected: .percentEncoding),
        Row(name: "a space in a segment", path: "/ns/prod/sa/provisioning api", expected: .badCharacter),
        Row(name: "'~', which URLs allow unencoded but SPIFFE IDs do not", path: "/ns/prod/sa/provisioning~2", expected: .badCharacter),
        Row(name: "a non-ASCII letter (é)", path: "/ns/prod/sa/caf\u{E9}", expected: .badCharacter),
        Row(name: "a non-ASCII digit (Arabic-Indic three, which isNumber accepts)", path: "/ns/prod/sa/web\u{0663}", expected: .badCharacter),
        Row(name: "a '?': a SPIFFE ID has no query", path: "/ns/prod/sa/provisioning?version=2", expected: .badCharacter),
    ]

    /// `implementation` returns nil for a valid workload path, or the rule the path breaks.
    public static func cases(_ implementation: @escaping @Sendable (String) throws(ExerciseError) -> WorkloadPathRule?) -> [GradingCase] {
        table.map { row in
            GradingCase(name: row.name, expected: expectation(row)) {
                do throws(ExerciseError) {
                    let got = try implementation(row.path)
                    if got == row.expected { return .passed }
                    return .failed(got: got.map { ".\($0.rawValue): \($0)" } ?? "nil (accepted)")
                } catch { return .notDone }
            }
        }
    }

    /// What the learner sees as "expected" when a row fails.
    static func expectation(_ row: Row) -> String {
        let shown = String(reflecting: row.path)
        guard let rule = row.expected else { return "nil: \(shown) is a valid path for a workload's ID" }
        return ".\(rule.rawValue) for \(shown): \(rule)"
    }

    /// The rule the toolkit's parser reports for `path` as a workload's path in example.org, or
    /// nil when it accepts it. The parser names `?` and `#` as a query and a fragment (in a whole
    /// ID that is what they would start); in a path alone they are characters outside the
    /// allowed set. Any other error (a length limit, say) is not a path rule and is rethrown.
    public static func toolkitRule(_ path: String) throws(SpiffeIDError) -> WorkloadPathRule? {
        // A workload's ID has a path (X509-SVID §3.1); the parser itself accepts the root ID.
        if path.isEmpty { return .empty }
        do throws(SpiffeIDError) {
            _ = try SpiffeID(trustDomain: trustDomain, path: path)
            return nil
        } catch {
            switch error {
            case .pathNotAbsolute: return .notAbsolute
            case .emptySegment: return .emptySegment
            case .dotSegment: return .dotSegment
            case .percentEncoding: return .percentEncoding
            case .badPathCharacter, .query, .fragment: return .badCharacter
            case .trailingSlash: return .trailingSlash
            default: throw error
            }
        }
    }

    static let trustDomain = try! TrustDomain("example.org")
}
