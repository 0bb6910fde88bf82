/// What a step printed, plus named facts that checks and the drift test can assert on
/// (for example `spiffe_id`, `svid_path`).
public struct StepOutput: Sendable, Equatable, Codable {
    public var lines: [String]
    public var facts: [String: String]

    public init(lines: [String] = [], facts: [String: String] = [:]) {
        self.lines = lines
        self.facts = facts
    }
}
