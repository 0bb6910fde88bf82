import Foundation
import SpiffeIdentity

/// The cases for `join-token-decision` (Day 9): the server's decision about one presented join
/// token, as SPIRE makes it (pkg/server/api/agent/v1/service.go, `attestJoinToken`: look the
/// token up, delete it, then check its expiry) and as the model's NodeAttestor does.
///
/// Every case states its expected decision in full. No case presents a token at the very second
/// it expires, where the model (refused) and SPIRE (accepted) differ.
///
/// Goes to Sources/ExerciseKit/JoinTokenDecisionCases.swift.
public enum JoinTokenDecisionCases {
    public static let exercise = Exercise(
        id: "join-token-decision", day: 9, title: "A join token's one use: the server's decision",
        file: "Sources/Exercises/JoinTokenDecision.swift",
        hints: [
            "Three things can happen to a presented token. For each, ask what the server still holds afterwards, and whether the order of your checks changes that.",
            "What counts as the same token? Try your matching rule by hand on the first eight characters of a stored token, and on the empty string.",
            "Where does the trust domain in the agent ID come from? And which of the stored tokens does one presentation concern?",
        ])

    /// `implementation` gets the presented token, the stored tokens, the server's trust domain and
    /// the time, and returns the decision.
    public static func cases(
        _ implementation: @escaping @Sendable (String, [StoredJoinToken], TrustDomain, Date) throws(ExerciseError) -> JoinTokenDecision
    ) -> [GradingCase] {
        let now = Self.now
        func token(_ value: String, _ secondsLeft: TimeInterval) -> StoredJoinToken {
            StoredJoinToken(value: value, expiresAt: now + secondsLeft)
        }
        func attested(_ value: String, in trustDomain: TrustDomain = example) -> JoinTokenOutcome {
            .attested(agentID(value, trustDomain))
        }

        /// One presentation.
        func once(_ name: String, presented: String, stored: [StoredJoinToken], trustDomain: TrustDomain = example,
                  expected: JoinTokenDecision) -> GradingCase {
            GradingCase(name: name, expected: expected.description) {
                do throws(ExerciseError) {
                    let got = try implementation(presented, stored, trustDomain, now)
                    return same(got, expected) ? .passed : .failed(got: got.description)
                } catch { return .notDone }
            }
        }

        /// The same token twice, the second time against what the first decision left stored.
        func twice(_ name: String, presented: String, stored: [StoredJoinToken],
                   first: JoinTokenOutcome, expected: JoinTokenDecision) -> GradingCase {
            GradingCase(name: name, expected: "first \(first); then \(expected)") {
                do throws(ExerciseError) {
                    let one = try implementation(presented, stored, example, now)
                    guard one.outcome == first else { return .failed(got: "the first time: \(one)") }
                    let two = try implementation(presented, one.remaining, example, now + 5)
                    return same(two, expected) ? .passed : .failed(got: "the second time: \(two)")
                } catch { return .notDone }
            }
        }

        let (t1, t2, t3, never) = (Self.t1, Self.t2, Self.t3, Self.never)
        return [
            once("a fresh token (600 s left), the only one stored: attested, and spent",
                 presented: t1, stored: [token(t1, 600)],
                 expected: .init(outcome: attested(t1), remaining: [])),
            once("the right token among three: only that one is spent",
                 presented: t2, stored: [token(t1, 600), token(t2, 300), token(t3, 590)],
                 expected: .init(outcome: attested(t2), remaining: [token(t1, 600), token(t3, 590)])),
            once("a token this server never made",
                 presented: never, stored: [token(t1, 600), token(t3, 590)],
                 expected: .init(outcome: .refused(.unknownOrUsed), remaining: [token(t1, 600), token(t3, 590)])),
            twice("the same token a second time, against what the first attempt left",
                  presented: t1, stored: [token(t1, 600), token(t2, 600)], first: attested(t1),
                  expected: .init(outcome: .refused(.unknownOrUsed), remaining: [token(t2, 600)])),
            once("one second before it expires: still good",
                 presented: t1, stored: [token(t1, 1)],
                 expected: .init(outcome: attested(t1), remaining: [])),
            once("expired one second ago: refused, and spent all the same",
                 presented: t1, stored: [token(t1, -1), token(t2, 600)],
                 expected: .init(outcome: .refused(.expired), remaining: [token(t2, 600)])),
            twice("that expired token presented again: now it is simply unknown",
                  presented: t1, stored: [token(t1, -1)], first: .refused(.expired),
                  expected: .init(outcome: .refused(.unknownOrUsed), remaining: [])),
            once("a token that expired yesterday",
                 presented: t3, stored: [token(t3, -86_400)],
                 expected: .init(outcome: .refused(.expired), remaining: [])),
            once("only the first eight characters of a stored token",
                 presented: String(t1.prefix(8)), stored: [token(t1, 600)],
                 expected: .init(outcome: .refused(.unknownOrUsed), remaining: [token(t1, 600)])),
            once("the empty string, with two tokens stored",
                 presented: "", stored: [token(t1, 600), token(t2, 600)],
                 expected: .init(outcome: .refused(.unknownOrUsed), remaining: [token(t1, 600), token(t2, 600)])),
            once("nothing stored at all",
                 presented: t1, stored: [],
                 expected: .init(outcome: .refused(.unknownOrUsed), remaining: [])),
            once("another stored token has expired: that one is not this decision's business",
                 presented: t1, stored: [token(t1, 600), token(t2, -120)],
                 expected: .init(outcome: attested(t1), remaining: [token(t2, -120)])),
            once("a server whose trust domain is not example.org",
                 presented: t3, stored: [token(t3, 600)], trustDomain: Self.other,
                 expected: .init(outcome: attested(t3, in: Self.other), remaining: [])),
        ]
    }

    /// Equal outcomes, and the same tokens left in any order.
    static func same(_ got: JoinTokenDecision, _ expected: JoinTokenDecision) -> Bool {
        func key(_ t: StoredJoinToken) -> String { "\(t.value)@\(t.expiresAt.timeIntervalSince1970)" }
        return got.outcome == expected.outcome
            && got.remaining.map(key).sorted() == expected.remaining.map(key).sorted()
    }

    static func agentID(_ token: String, _ trustDomain: TrustDomain) -> SpiffeID {
        do { return try SpiffeID(trustDomain: trustDomain, path: "/spire/agent/join_token/\(token)") } catch {
            fatalError("the grader's own agent ID could not be made: \(error)")
        }
    }

    /// 2027-01-01T00:00:00Z: whole seconds, so every expiry is exact.
    static let now = Date(timeIntervalSince1970: 1_798_761_600)
    static let example = try! TrustDomain("example.org")
    static let other = try! TrustDomain("prod.example.com")
    // Tokens shaped as `token generate` makes them: lowercase UUIDs.
    static let t1 = "3f6c1a52-8d2e-4b7a-9c41-0e5d7f2b9a13"
    static let t2 = "b81e4c07-2f9d-4e63-a5b8-7c0d19e4f256"
    static let t3 = "5d2a9e81-c47b-4f10-8e36-a9b0c2d4e7f5"
    static let never = "e0c4b7d2-6a1f-4c85-b93e-2f7a8d5c1b40"
}
