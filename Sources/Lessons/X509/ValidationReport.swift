import Foundation
import SpiffeFormats
import SpiffeIdentity
import X509

/// What `SVIDValidator` found: one result per check, in order, and the verdict.
///
/// The checks run in order and stop at the first failure: a certificate that does not even carry
/// a SPIFFE ID has no trust domain whose bundle check 5 could pick, so the checks after a failure
/// are reported as skipped rather than guessed at.
public struct ValidationReport: Sendable {
    /// What became of one check: a check after a failed one is skipped, not run on a guess.
    public enum Outcome: String, Sendable, Codable {
        case passed, failed, skipped
    }

    /// The outcome of one check, with what was found (for a pass) or what was wrong (for a fail).
    public struct Result: Sendable, Codable, Equatable {
        public let check: SVIDCheck
        public let outcome: Outcome
        private let text: LazyText

        /// What was found (for a pass) or what was wrong (for a fail), rendered when read.
        public var detail: String { text.description }

        init(check: SVIDCheck, outcome: Outcome, detail: LazyText) {
            self.check = check
            self.outcome = outcome
            self.text = detail
        }

        enum CodingKeys: String, CodingKey { case check, outcome, detail }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            check = try container.decode(SVIDCheck.self, forKey: .check)
            outcome = try container.decode(Outcome.self, forKey: .outcome)
            text = LazyText(try container.decode(String.self, forKey: .detail))
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(check, forKey: .check)
            try container.encode(outcome, forKey: .outcome)
            try container.encode(detail, forKey: .detail)
        }

        public static func == (lhs: Result, rhs: Result) -> Bool {
            lhs.check == rhs.check && lhs.outcome == rhs.outcome && lhs.detail == rhs.detail
        }

        /// One line for people: `✔ 1 SPIFFE ID: spiffe://example.org/web`.
        public var line: String {
            let mark: String
            switch outcome {
            case .passed: mark = "PASS"
            case .failed: mark = "FAIL"
            case .skipped: mark = "SKIP"
            }
            return "\(mark) \(check.rawValue) \(check.title): \(detail)  [\(check.rule)]"
        }
    }

    /// The validation time the checks used.
    public let time: Date
    /// What check 6 compared the ID with.
    public let expected: SpiffeIDMatcher
    /// One entry per check, in order (all six, once validation has finished).
    public private(set) var results: [Result] = []
    /// The ID from the leaf's URI SAN, once check 1 has passed.
    public internal(set) var spiffeID: SpiffeID?
    /// The chain the verifier built, leaf to bundle CA, once check 5 has passed.
    public internal(set) var validatedChain: [Certificate] = []

    public init(time: Date, expected: SpiffeIDMatcher) {
        self.time = time
        self.expected = expected
        results.reserveCapacity(SVIDCheck.allCases.count)
    }

    /// True only when all six checks passed.
    public var isValid: Bool {
        results.count == SVIDCheck.allCases.count && results.allSatisfy { $0.outcome == .passed }
    }

    /// The check that rejected the SVID, if one did.
    public var failure: SVIDCheckFailure? {
        results.first { $0.outcome == .failed }.map { SVIDCheckFailure($0.check, $0.detail) }
    }

    /// The final verdict in one line.
    public var verdict: String {
        if isValid { return "VALID: \(spiffeID.map(String.init(describing:)) ?? "the SVID") passed all six checks" }
        if let failure { return "REJECTED by \(failure.check): \(failure.reason)" }
        return "INCOMPLETE: not every check ran"
    }

    /// The report as lines for people: one per check, then the verdict.
    public var lines: [String] { results.map(\.line) + [verdict] }

    mutating func passed(_ check: SVIDCheck, _ detail: LazyText) {
        results.append(Result(check: check, outcome: .passed, detail: detail))
    }

    /// Records `failure` and marks every later check as skipped.
    mutating func failed(_ failure: SVIDCheckFailure) {
        results.append(Result(check: failure.check, outcome: .failed, detail: LazyText(failure.reason)))
        for later in SVIDCheck.allCases where later > failure.check {
            results.append(Result(check: later, outcome: .skipped, detail: LazyText("not run: \(failure.check) failed")))
        }
    }
}

extension ValidationReport {
    /// The report as one JSON-friendly value (`validate --json`).
    public struct Summary: Codable, Sendable, Equatable {
        public let valid: Bool
        public let spiffeID: String?
        public let time: Date
        public let expected: String
        public let checks: [Result]
        public let verdict: String
        public let chain: [String]
    }

    public var summary: Summary {
        Summary(
            valid: isValid,
            spiffeID: spiffeID?.description,
            time: time,
            expected: expected.description,
            checks: results,
            verdict: verdict,
            chain: validatedChain.map(CertificateNames.describe)
        )
    }
}
