// Sources/ExerciseKit/IIDDecision.swift
//
// The input and answer types of the Day 10 exercise `aws-iid-decision`. They live in ExerciseKit
// (like AllowedPeers.swift) because the stub, the cases and the reference solution all name them.

import SpiffeIdentity

/// The three fields of an instance identity document that the aws_iid attestor makes the agent
/// ID from, as the Day 10 exercise gets them: parsed from a document whose signature has already
/// verified.
public struct IIDFields: Sendable, Equatable, CustomStringConvertible {
    public var accountId: String
    public var region: String
    public var instanceId: String

    public init(accountId: String, region: String, instanceId: String) {
        self.accountId = accountId
        self.region = region
        self.instanceId = instanceId
    }

    public var description: String {
        "{accountId \(String(reflecting: accountId)), region \(String(reflecting: region)), instanceId \(String(reflecting: instanceId))}"
    }
}

/// Why the server refuses an attestation whose signature verified.
public enum IIDRefusal: String, Sendable, Equatable, CaseIterable, CustomStringConvertible {
    /// The allow-list is not empty, and the document's account is not on it.
    case accountNotAllowed
    /// A field cannot be exactly one segment of the agent ID's path: it is empty, it contains
    /// `/`, or the ID it makes is not a valid SPIFFE ID (a `..` segment, a space, …).
    case badField
    /// An agent with this ID has already attested: aws_iid accepts each instance once.
    case alreadyAttested

    public var description: String {
        switch self {
        case .accountNotAllowed: return "the account is not on the server's allow-list"
        case .badField: return "a field cannot be exactly one segment of the agent ID's path"
        case .alreadyAttested: return "an agent with this ID has already attested (trust on first use)"
        }
    }
}

/// What the server decides: the agent's SPIFFE ID, or why it refuses.
public enum IIDDecision: Sendable, Equatable, CustomStringConvertible {
    case agent(SpiffeID)
    case refused(IIDRefusal)

    public var description: String {
        switch self {
        case .agent(let id): return "agent \(id)"
        case .refused(let reason): return "refused .\(reason.rawValue) (\(reason))"
        }
    }
}
