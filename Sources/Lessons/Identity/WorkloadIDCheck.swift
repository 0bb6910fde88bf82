/// Judges a list of candidate workload IDs, one per line, the way Day 7's design review does:
/// each line is accepted or rejected by the rules of SPIFFE-ID §2 (with the exact reason), and
/// accepted IDs get design warnings that are advice, not errors.
///
/// Every line is judged as the ID of a *workload*, so the trust domain's own ID
/// (`spiffe://example.org`, no path) is rejected: it names the trust domain, and a leaf SVID's ID
/// must have a path (X509-SVID §3.1). The warnings follow SPIFFE-ID §2.2's advice on paths: an
/// ID is a long-lived name that many parties see and log, so it should not carry secrets or
/// personal data, nor parts that change while the workload stays the same (a host name, an IP
/// address, an instance ID, a version).
public struct WorkloadIDCheck: Sendable {
    /// The judgement of one input line.
    public struct Verdict: Sendable, Equatable, Codable {
        /// 1-based line number in the input.
        public var line: Int
        /// The line as given, without surrounding whitespace.
        public var id: String
        public var valid: Bool
        /// Why the line is not a valid workload ID (nil when valid).
        public var reason: String?
        /// Design advice for a valid ID (never a reason to reject).
        public var warnings: [String]
    }

    public init() {}

    // step: id-check
    /// Judges every line of `text`, blank lines included (an empty ID is rejected), in order.
    public func judge(_ text: String) -> [Verdict] {
        // Split on any line ending: in Swift "\r\n" is one Character, so splitting on "\n" alone
        // would leave a CRLF file as one line.
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(Self.trimmed)
        // A final newline ends the last line; it does not start an empty one.
        if lines.last == "" { lines.removeLast() }
        var verdicts: [Verdict] = []
        var accepted: [(index: Int, id: SpiffeID)] = []
        for (index, line) in lines.enumerated() {
            var verdict = Verdict(line: index + 1, id: line, valid: false, reason: nil, warnings: [])
            do {
                let id = try SpiffeID(line)
                if id.isTrustDomainRoot {
                    verdict.reason = "no path: this is the trust domain's own ID, and a workload's ID needs a path (X509-SVID §3.1)"
                } else {
                    verdict.valid = true
                    verdict.warnings = Self.designWarnings(id)
                    accepted.append((verdicts.count, id))
                }
            } catch {
                verdict.reason = error.description
            }
            verdicts.append(verdict)
        }
        // Consistent depth: IDs of one trust domain that follow one scheme have the same number of
        // segments; an ID off the most common depth is probably a slip in the scheme.
        let depths = Dictionary(grouping: accepted, by: { $0.id.segments.count })
        if depths.count > 1, let usual = depths.max(by: { ($0.value.count, -$0.key) < ($1.value.count, -$1.key) })?.key {
            for (index, id) in accepted where id.segments.count != usual {
                verdicts[index].warnings.append("\(id.segments.count) path segments where most IDs here have \(usual): is the naming scheme consistent?")
            }
        }
        return verdicts
    }
    // end-step

    /// A line without surrounding spaces, tabs or the CR of a CRLF file.
    static func trimmed(_ line: Substring) -> String {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        return String(line.drop(while: blank).reversed().drop(while: blank).reversed())
    }

    /// Advice about one valid ID's path, segment by segment.
    public static func designWarnings(_ id: SpiffeID) -> [String] {
        var warnings: [String] = []
        let segments = id.segments.map(String.init)
        for (index, segment) in segments.enumerated() {
            let lower = segment.lowercased()
            if ["secret", "password", "passwd", "token", "apikey", "api-key", "api_key", "credential"].contains(where: lower.contains) || looksRandom(segment) {
                warnings.append("`\(segment)` looks like a secret or key material: an ID is public, logged and shown in every certificate")
            } else if index > 0, ["user", "users", "employee", "person", "owner"].contains(segments[index - 1].lowercased()) {
                warnings.append("`\(segment)` after `\(segments[index - 1])` looks like a person: keep personal data out of IDs, which are logged everywhere")
            } else if looksLikeAddress(lower) {
                warnings.append("`\(segment)` looks like an IP address or host name: it changes when the workload moves, its identity should not")
            } else if looksLikeVersion(lower) {
                warnings.append("`\(segment)` looks like a version: the ID, and every policy that names it, would change on every release")
            } else if looksLikeInstance(lower) {
                warnings.append("`\(segment)` looks like an instance or pod ID: name what the workload is, not where it runs now")
            }
        }
        return warnings
    }

    /// `v1`, `v2.3`, `1.2.3`.
    static func looksLikeVersion(_ segment: String) -> Bool {
        var rest = Substring(segment)
        if rest.first == "v" { rest = rest.dropFirst() }
        guard let first = rest.first, first.isNumber else { return false }
        return rest.allSatisfy { $0.isNumber || $0 == "." } && (segment.hasPrefix("v") || rest.contains("."))
    }

    /// `10.0.0.1`, `ip-10-0-0-1`, `host.example.com`, `ec2-3-4-5-6`.
    static func looksLikeAddress(_ segment: String) -> Bool {
        let dotted = segment.split(separator: ".", omittingEmptySubsequences: false)
        if dotted.count == 4, dotted.allSatisfy({ !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isNumber) }) { return true }
        for prefix in ["ip-", "ec2-"] where segment.hasPrefix(prefix) {
            let parts = segment.dropFirst(prefix.count).split(separator: "-")
            if parts.count >= 4, parts.prefix(4).allSatisfy({ $0.allSatisfy(\.isNumber) }) { return true }
        }
        // Three or more dot-separated labels of letters, as in a DNS name.
        return dotted.count >= 3 && dotted.allSatisfy { !$0.isEmpty && $0.contains(where: \.isLetter) }
    }

    /// `i-0abc123def4567890` (EC2), or a pod's hash suffix such as `web-7d4b9c8f6-x2k9p`.
    static func looksLikeInstance(_ segment: String) -> Bool {
        if segment.hasPrefix("i-"), segment.count >= 10, segment.dropFirst(2).allSatisfy(\.isHexDigit) { return true }
        let parts = segment.split(separator: "-")
        if parts.count >= 3, let last = parts.last, let middle = parts.dropLast().last,
           last.count == 5, middle.count >= 8, middle.count <= 10,
           middle.allSatisfy({ $0.isLetter || $0.isNumber }), middle.contains(where: \.isNumber) { return true }
        return false
    }

    /// A long run of letters and digits with no word in it: 20+ characters, mixing digits and
    /// letters, no separators.
    static func looksRandom(_ segment: String) -> Bool {
        segment.count >= 20 && segment.allSatisfy { $0.isLetter || $0.isNumber }
            && segment.contains(where: \.isNumber) && segment.contains(where: \.isLetter)
    }
}
