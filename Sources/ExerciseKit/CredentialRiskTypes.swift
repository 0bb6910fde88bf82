// Sources/ExerciseKit/CredentialRiskTypes.swift
//
// The input and answer types of the Day 21 exercise `credential-risk`: one row of §1 of the
// analysis (the credential inventory), described by the four questions of the course's rubric,
// and the rating it earns. They live in ExerciseKit (like AllowedPeers.swift) because the stub,
// the cases and the reference solution all name them.

import Foundation

/// One credential of the provisioning service's inventory (§1 of the analysis), described by the
/// four factors the course's rubric rates (Day 21, "Rating a credential"; the guidance in
/// days/analysis/01-inventory.md). The rubric is the course's own way of ranking §1, not a rule of
/// any SPIFFE standard.
public struct InventoryCredential: Sendable, Equatable, CustomStringConvertible {
    /// How the credential is used to prove who is calling.
    public enum Use: String, Sendable, Equatable, CaseIterable {
        /// A private key signs (a TLS handshake's CertificateVerify, a JWT's signature) and the
        /// verifier sees only the public key: a copy of what travels on the wire proves nothing.
        case possession
        /// Presenting the credential is enough, or the verifier holds the same secret (a password,
        /// an API key, a token, an HMAC key): a copy works for whoever holds it.
        case bearer
    }

    /// Who can read (and so copy) the credential's secret part where it is kept.
    public enum Readers: String, Sendable, Equatable, CaseIterable {
        /// Nobody: it is non-exportable, in an HSM, a TPM or a cloud KMS, and can only be used there.
        case nobody
        /// Only the one workload it belongs to (its memory, or a file only its uid can read).
        case oneWorkload
        /// Anyone on its host: other processes, other users, the host's administrators.
        case host
        /// People, or many systems: a shared vault, a CI variable, a repository, a wiki, a ticket.
        case people
    }

    /// What the inventory calls it, e.g. "static IAM access key in /etc/provisioning/aws.conf".
    public var name: String
    /// How long one copy is good for, in seconds: notAfter − notBefore of a certificate (SPIRE's
    /// backdate included), a token's exp − iat. nil when it never expires.
    public var lifetime: TimeInterval?
    public var use: Use
    public var readers: Readers
    /// Whether a replacement is made and put in place with no person involved (SPIRE's agent
    /// renewing an SVID, AWS rotating instance role credentials). A credential a person must
    /// create, paste or rotate is not.
    public var rotationAutomated: Bool
    /// Whether the credential signs other credentials: a CA key, a JWT signing key.
    public var signsCredentials: Bool

    public init(name: String, lifetime: TimeInterval?, use: Use, readers: Readers,
                rotationAutomated: Bool, signsCredentials: Bool = false) {
        self.name = name
        self.lifetime = lifetime
        self.use = use
        self.readers = readers
        self.rotationAutomated = rotationAutomated
        self.signsCredentials = signsCredentials
    }

    public var description: String {
        let life = lifetime.map { "lifetime \(Int($0)) s" } ?? "no expiry"
        let rotation = rotationAutomated ? "rotated automatically" : "rotated by a person"
        let signs = signsCredentials ? ", signs other credentials" : ""
        return "\(name): \(life), \(use.rawValue), readable by \(readers.rawValue), \(rotation)\(signs)"
    }
}

/// The four ratings of §1's Risk column, most serious first: the names the analysis template
/// accepts (`column: Risk = critical | high | medium | low`).
public enum CredentialRisk: String, Sendable, Equatable, CaseIterable, CustomStringConvertible {
    case critical, high, medium, low

    public var description: String { rawValue }
}
