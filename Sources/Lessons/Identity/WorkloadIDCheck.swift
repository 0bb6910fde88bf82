/// Judges a list of candidate workload IDs, one per line, the way Day 7's design review does:
/// each line is accepted or rejected by the rules of SPIFFE-ID §2 (with the exact reason), and
/// accepted IDs get design warnings that are advice, not errors.
///
/// Every line is judged as the ID of a *workload*, so the trust domain's own ID
/// (`spiffe://example.org`, no path) is rejected: it names the trust domain, and a leaf SVID's ID
/// must have a path (X509-SVID §3.1). The warnings follow SPIFFE-ID §4.1.1's advice on paths: an
/// ID is a long-lived name that many parties see and log, so it should not carry secrets or
/// personal data, nor parts that change while the workload stays the same (a host name, an IP
/// address, an instance ID, a version, a team).
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
        // Consistent depth: IDs that follow one scheme have the same number of segments. Flag
        // the IDs off a depth that holds a strict majority; with no majority, say only that the
        // depths differ (a tie has no "usual" depth to measure against).
        let depths = Dictionary(grouping: accepted, by: { $0.id.segments.count })
        if depths.count > 1 {
            let (usual, members) = depths.max { ($0.value.count, -$0.key) < ($1.value.count, -$1.key) }!
            let shown = depths.keys.sorted().map(String.init).joined(separator: ", ")
            for (index, id) in accepted where id.segments.count != usual {
                verdicts[index].warnings.append(members.count * 2 > accepted.count
                    ? "\(id.segments.count) path segments where most IDs here have \(usual): is the naming scheme consistent?"
                    : "the IDs here have different depths (\(shown) segments): is the naming scheme consistent?")
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
        // SPIRE keeps /spire for its own server and agents; its entry API refuses workload IDs
        // there ("path is in the reserved namespace").
        if segments.first == "spire" {
            warnings.append("`/spire` is SPIRE's reserved namespace (its server and agents): spire-server entry create refuses workload IDs there")
        }
        for (index, segment) in segments.enumerated() {
            let lower = segment.lowercased()
            let previous = index > 0 ? segments[index - 1].lowercased() : ""
            // An EC2 instance ID is long hex too: tell it apart before looking for key material.
            if looksLikeInstance(lower) {
                warnings.append("`\(segment)` looks like an instance or pod ID: name what the workload is, not where it runs now")
            } else if looksLikeSecret(segment) {
                warnings.append("`\(segment)` looks like a secret or key material: an ID is public, logged and shown in every certificate")
            } else if ["user", "users", "employee", "employees", "person", "people", "owner"].contains(previous) {
                warnings.append("`\(segment)` after `\(segments[index - 1])` looks like a person: keep personal data out of IDs, which are logged everywhere")
            } else if ["team", "teams", "group", "groups", "role", "roles", "org", "dept", "department"].contains(previous) {
                warnings.append("`\(segment)` after `\(segments[index - 1])` names a team or role: those change while the workload stays the same (SPIFFE-ID §4.1.1)")
            } else if looksLikeAddress(lower) {
                warnings.append("`\(segment)` looks like an IP address or host name: it changes when the workload moves, its identity should not")
            } else if looksLikeVersion(lower) {
                warnings.append("`\(segment)` is or ends in a version: the ID, and every policy that names it, would change on every release")
            }
        }
        return warnings
    }

    /// The pieces of a segment between `-` and `_`.
    static func tokens(_ segment: String) -> [Substring] {
        segment.split(whereSeparator: { $0 == "-" || $0 == "_" })
    }

    /// Key material or a credential: a random-looking token, or a secret's name followed by a
    /// value (`password-hunter2`, `token-9f3a…`). A name alone (`token-exchange`,
    /// `password-reset`) is a service's purpose, not a secret.
    static func looksLikeSecret(_ segment: String) -> Bool {
        if looksRandom(Substring(segment)) { return true }
        let parts = tokens(segment)
        if parts.contains(where: looksRandom) { return true }
        let names: Set<String> = ["secret", "password", "passwd", "pw", "pass", "token", "apikey", "key", "credential", "creds"]
        for (index, part) in parts.enumerated() where names.contains(part.lowercased()) && index + 1 < parts.count {
            if parts[index + 1].contains(where: \.isNumber) { return true }
        }
        return false
    }

    /// 16 or more hex digits (with a digit and a letter among them), or 20 or more letters and
    /// digits in both cases: what keys, hashes and tokens look like, and words do not. A UUID's
    /// pieces (at most 12 hex digits) and a ULID (upper case only) pass.
    static func looksRandom(_ token: Substring) -> Bool {
        let hasDigit = token.contains(where: \.isNumber)
        if token.count >= 16, token.allSatisfy(\.isHexDigit), hasDigit, token.contains(where: \.isLetter) { return true }
        return token.count >= 20 && token.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
            && hasDigit && token.contains(where: \.isUppercase) && token.contains(where: \.isLowercase)
    }

    /// `v1`, `v2.3`, `1.2.3`, `v2beta1`, or a last token that is one (`api-v3`, `release-2.4.1`);
    /// a version in the middle (`provisioning-v2-migrator`) names the workload, not its release.
    static func looksLikeVersion(_ segment: String) -> Bool {
        func isVersion(_ text: Substring) -> Bool {
            var rest = text
            let prefixed = rest.first == "v"
            if prefixed { rest = rest.dropFirst() }
            guard let first = rest.first, first.isNumber else { return false }
            let number = rest.prefix { $0.isNumber || $0 == "." }
            let suffix = rest.dropFirst(number.count)
            if suffix.isEmpty { return prefixed || number.contains(".") }
            // v2beta1, v1alpha2: a Kubernetes-style pre-release.
            for stage in ["alpha", "beta", "rc"] where prefixed && suffix.hasPrefix(stage) {
                return suffix.dropFirst(stage.count).allSatisfy(\.isNumber)
            }
            return false
        }
        if isVersion(Substring(segment)) { return true }
        let parts = segment.split(separator: "-")
        return parts.count > 1 && isVersion(parts.last!)
    }

    /// `10.0.0.1`, `ip-10-0-0-1`, `10-0-0-1`, `ec2-3-4-5-6`, `web.prod.example.com`.
    static func looksLikeAddress(_ segment: String) -> Bool {
        let dotted = segment.split(separator: ".", omittingEmptySubsequences: false)
        func isQuad<S: Collection>(_ parts: S) -> Bool where S.Element == Substring {
            parts.count == 4 && parts.allSatisfy { !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isNumber) }
        }
        if isQuad(dotted) { return true }
        let dashed = segment.split(separator: "-")
        if dashed.count >= 4, isQuad(Array(dashed.suffix(4))), dashed.dropLast(4).allSatisfy({ ["ip", "ec2", "host", "node"].contains($0) }) {
            return true
        }
        // A DNS name: three or more labels ending in a suffix hosts have.
        let suffixes: Set<Substring> = ["com", "net", "org", "io", "internal", "local", "lan", "cloud", "dev", "amazonaws"]
        return dotted.count >= 3 && dotted.allSatisfy { !$0.isEmpty } && suffixes.contains(dotted.last!)
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
}
