import SpiffeIdentity

/// The cases for `aws-iid-decision` (Day 10): the aws_iid attestor's decision after the
/// signature, as the model's NodeAttestor makes it (Sources/Lessons/Server/NodeAttestor.swift),
/// plus one rule stricter than SPIRE's and the model's: a field holding `/` is refused.
///
/// Every case breaks at most one rule, so the order in which a solution checks them never
/// decides a case.
///
/// Goes to Sources/ExerciseKit/AWSIIDDecisionCases.swift.
public enum AWSIIDDecisionCases {
    public static let exercise = Exercise(
        id: "aws-iid-decision", day: 10, title: "The aws_iid decision after the signature: an agent ID or a refusal",
        file: "Sources/Exercises/AWSIIDDecision.swift",
        hints: [
            "Start with the allow-list: what does it mean when it holds nothing, and how exactly must an account match one that is on it?",
            "Give SpiffeID a path with a '/' inside one of the fields and see what comes back. What must you look at before you build the ID?",
            "Trust on first use keys on one value. Which value names the instance in the datastore, and how do you compare two of them?",
        ])

    static let exampleOrg = try! TrustDomain("example.org")
    static let prod = try! TrustDomain("prod.example.com")

    static func agentID(_ trustDomain: TrustDomain, _ account: String, _ region: String, _ instance: String) -> SpiffeID {
        try! SpiffeID(trustDomain: trustDomain, path: "/spire/agent/aws_iid/\(account)/\(region)/\(instance)")
    }

    /// `implementation` gets the document's fields, the server's trust domain, the account
    /// allow-list (empty: any account) and the agent IDs already attested.
    public static func cases(
        _ implementation: @escaping @Sendable (IIDFields, TrustDomain, Set<String>, Set<SpiffeID>) throws(ExerciseError) -> IIDDecision
    ) -> [GradingCase] {
        let web1 = IIDFields(accountId: "123456789012", region: "us-east-1", instanceId: "i-0abc12345")
        let web1ID = agentID(exampleOrg, "123456789012", "us-east-1", "i-0abc12345")
        func decide(_ name: String, _ document: IIDFields, trustDomain: TrustDomain = AWSIIDDecisionCases.exampleOrg,
                    allowed: Set<String> = [], attested: Set<SpiffeID> = [], _ expected: IIDDecision) -> GradingCase {
            let list = allowed.isEmpty ? "an empty allow-list (any account)" : "allow-list " + allowed.sorted().joined(separator: ", ")
            let before = attested.isEmpty ? "nothing attested yet" : "attested: " + attested.map(\.description).sorted().joined(separator: ", ")
            return GradingCase(name: name, expected: "\(expected) for \(document) in \(trustDomain), \(list), \(before)") {
                do throws(ExerciseError) {
                    let got = try implementation(document, trustDomain, allowed, attested)
                    return got == expected ? .passed : .failed(got: got.description)
                } catch { return .notDone }
            }
        }
        return [
            // The agent ID, and the allow-list.
            decide("any account when the allow-list is empty", web1, .agent(web1ID)),
            decide("an account on a two-account allow-list",
                   IIDFields(accountId: "210987654321", region: "eu-west-1", instanceId: "i-0f1e2d3c4b5a69788"),
                   allowed: ["123456789012", "210987654321"],
                   .agent(agentID(exampleOrg, "210987654321", "eu-west-1", "i-0f1e2d3c4b5a69788"))),
            decide("the agent ID is in the server's trust domain (prod.example.com)", web1, trustDomain: prod,
                   .agent(agentID(prod, "123456789012", "us-east-1", "i-0abc12345"))),
            decide("an account that is not on the allow-list",
                   IIDFields(accountId: "999999999999", region: "us-east-1", instanceId: "i-0abc12345"),
                   allowed: ["123456789012"], .refused(.accountNotAllowed)),
            decide("an account that only starts like an allowed one (13 digits)",
                   IIDFields(accountId: "1234567890123", region: "us-east-1", instanceId: "i-0abc12345"),
                   allowed: ["123456789012"], .refused(.accountNotAllowed)),
            decide("an account that an allowed one only starts like (11 digits)",
                   IIDFields(accountId: "12345678901", region: "us-east-1", instanceId: "i-0abc12345"),
                   allowed: ["123456789012"], .refused(.accountNotAllowed)),
            // Trust on first use.
            decide("the instance has already attested", web1, attested: [web1ID], .refused(.alreadyAttested)),
            decide("the instance has already attested, though its account is on the allow-list", web1,
                   allowed: ["123456789012"], attested: [web1ID], .refused(.alreadyAttested)),
            decide("another instance of the same account and region has attested, not this one", web1,
                   attested: [agentID(exampleOrg, "123456789012", "us-east-1", "i-0abc99999")], .agent(web1ID)),
            decide("an attested agent ID that this one only starts with (i-0abc1234)", web1,
                   attested: [agentID(exampleOrg, "123456789012", "us-east-1", "i-0abc1234")], .agent(web1ID)),
            // Fields that cannot be one path segment each.
            decide("an empty instance ID",
                   IIDFields(accountId: "123456789012", region: "us-east-1", instanceId: ""), .refused(.badField)),
            decide("an empty region",
                   IIDFields(accountId: "123456789012", region: "", instanceId: "i-0abc12345"), .refused(.badField)),
            decide("an empty account ID (the allow-list is empty, so the account rule does not apply)",
                   IIDFields(accountId: "", region: "us-east-1", instanceId: "i-0abc12345"), .refused(.badField)),
            decide("a region holding a '/': the ID would be valid, with one segment more",
                   IIDFields(accountId: "123456789012", region: "us-east-1/i-0abc", instanceId: "12345"), .refused(.badField)),
            decide("an instance ID holding a '/': the same ID as the case before",
                   IIDFields(accountId: "123456789012", region: "us-east-1", instanceId: "i-0abc/12345"), .refused(.badField)),
            decide("an instance ID that is \"..\"",
                   IIDFields(accountId: "123456789012", region: "us-east-1", instanceId: ".."), .refused(.badField)),
            decide("spaces inside the account ID",
                   IIDFields(accountId: "1234 5678 9012", region: "us-east-1", instanceId: "i-0abc12345"), .refused(.badField)),
        ]
    }
}
