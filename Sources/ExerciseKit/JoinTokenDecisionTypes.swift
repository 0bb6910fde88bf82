// Sources/ExerciseKit/JoinTokenDecisionTypes.swift
//
// The input and answer types of the Day 9 exercise `join-token-decision`: what the server holds
// (its unused join tokens) and what it decides when an agent presents one. They live in
// ExerciseKit (like AllowedPeers.swift) because the stub, the cases and the reference solution
// all name them.

import Foundation
import SpiffeIdentity

/// A join token the server holds: made by `token generate`, not used yet, usable until
/// `expiresAt`. (The model keeps these in datastore.json as `joinTokens`; SPIRE in its SQL
/// datastore's join token table.)
public struct StoredJoinToken: Sendable, Equatable, CustomStringConvertible {
    public var value: String
    public var expiresAt: Date

    public init(value: String, expiresAt: Date) {
        self.value = value
        self.expiresAt = expiresAt
    }

    public var description: String {
        "\(value) (expires \(ISO8601DateFormatter().string(from: expiresAt)))"
    }
}

/// Why the server refused a join token. The messages are SPIRE's
/// (pkg/server/api/agent/v1/service.go, `attestJoinToken`); the model says the same words.
public enum JoinTokenRefusal: String, Sendable, Equatable, CaseIterable, CustomStringConvertible {
    /// No stored token has exactly this value: the server never made it, or it was used already.
    case unknownOrUsed
    /// The token was stored, but its time ran out before it was presented.
    case expired

    public var description: String {
        switch self {
        case .unknownOrUsed: return "join token does not exist or has already been used"
        case .expired: return "join token expired"
        }
    }
}

/// What one presentation of a join token earns the agent.
public enum JoinTokenOutcome: Sendable, Equatable, CustomStringConvertible {
    /// Attested: the agent's SPIFFE ID, spiffe://<trust domain>/spire/agent/join_token/<token>.
    case attested(SpiffeID)
    /// Refused, and why.
    case refused(JoinTokenRefusal)

    public var description: String {
        switch self {
        case .attested(let id): return "attested as \(id)"
        case .refused(let why): return "refused (.\(why.rawValue): \(why))"
        }
    }
}

/// The server's whole decision about one presented token: the outcome, and the tokens it still
/// holds afterwards (in any order).
public struct JoinTokenDecision: Sendable, Equatable, CustomStringConvertible {
    public var outcome: JoinTokenOutcome
    public var remaining: [StoredJoinToken]

    public init(outcome: JoinTokenOutcome, remaining: [StoredJoinToken]) {
        self.outcome = outcome
        self.remaining = remaining
    }

    public var description: String {
        let kept = remaining.isEmpty ? "none" : remaining.map(\.value).sorted().joined(separator: ", ")
        return "\(outcome); tokens still stored: \(kept)"
    }
}
