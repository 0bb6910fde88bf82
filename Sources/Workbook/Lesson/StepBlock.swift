import Foundation

/// A ```` ```step <id> ```` block of a lesson: the step to run and quote, what its output must
/// show, and — for a step whose code has not landed yet — why it is pending.
///
///     ```step make-svid
///     expect: fact spiffe_id = spiffe://example.org/provisioning
///     expect: mode svid.0.key 0600
///     ```
///
///     ```step federated-exchange
///     pending: lands with the federation issue (two trust domains)
///     expect: fact peer_id = spiffe://partner.example/service-b
///     ```
///
/// `pending:` declares, on purpose, that the lesson names a step the registry does not have yet.
/// The runner then says which step is missing and why, and the drift test accepts it; a step that
/// is neither registered nor pending is a typo and fails the drift test. Once the step is
/// registered, `pending:` is ignored and the step is quoted, run and checked like any other, so
/// the lesson starts working the moment the code lands (remove the stale line when convenient).
public struct StepBlock: Sendable, Equatable {
    public var id: String
    public var expectations: [Condition]
    public var pending: String?
    /// Line of the block in the lesson file.
    public var line: Int

    public struct ParseError: Error, Equatable {
        public var line: Int
        public var reason: String
    }

    /// The id from an info string `step <id>`, or nil when the block is not a step block.
    static func stepID(info: String) -> String?? {
        let words = info.split(separator: " ").map(String.init)
        guard words.first == "step" else { return nil }
        guard words.count == 2 else { return .some(nil) }
        return .some(words[1])
    }

    public static func parse(id: String, body: String, line blockLine: Int) throws(ParseError) -> StepBlock {
        var expectations: [Condition] = []
        var pending: String?
        for (index, raw) in body.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            let number = blockLine + 1 + index
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("expect:") {
                let condition: Condition
                do {
                    condition = try Condition(parsing: String(line.dropFirst("expect:".count)).trimmed)
                } catch {
                    throw ParseError(line: number, reason: "expect: \(error.reason)")
                }
                switch condition {
                case .stepFact, .analysis:
                    throw ParseError(line: number, reason: "expect: `step …` and `analysis …` conditions belong in evidence checks")
                default:
                    break
                }
                expectations.append(condition)
            } else if line.hasPrefix("pending:") {
                let reason = String(line.dropFirst("pending:".count)).trimmed
                guard !reason.isEmpty else { throw ParseError(line: number, reason: "`pending:` needs a reason (what the step waits for)") }
                pending = reason
            } else {
                throw ParseError(line: number, reason: "a step block holds `expect: <condition>` and `pending: <reason>` lines, not `\(line)`")
            }
        }
        return StepBlock(id: id, expectations: expectations, pending: pending, line: blockLine)
    }
}

