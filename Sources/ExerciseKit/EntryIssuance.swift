// Sources/ExerciseKit/EntryIssuance.swift
//
// The input and answer types of the Day 13 exercise `leaf-matches-entry`. They live in
// ExerciseKit (like AllowedPeers.swift) because the stub, the cases and the reference solution
// all name them.

import Foundation
import SpiffeIdentity

/// What a SPIRE server signed a leaf for: the registration entry's SPIFFE ID and X509-SVID TTL,
/// the server's default TTL, and the notAfter of the CA that signed the leaf.
public struct EntryIssuance: Sendable, Equatable, CustomStringConvertible {
    /// The entry's `-spiffeID`.
    public var spiffeID: SpiffeID
    /// The entry's `-x509SVIDTTL`, in seconds; 0 when the entry was created without one
    /// (`spire-server entry show` then prints `X509-SVID TTL : default`).
    public var x509SVIDTTL: Int
    /// The server's `default_x509_svid_ttl`, in seconds: the TTL of an entry whose own is 0.
    public var defaultX509SVIDTTL: Int
    /// The notAfter of the CA that signed the leaf: no SVID outlives its CA.
    public var caNotAfter: Date

    public init(spiffeID: SpiffeID, x509SVIDTTL: Int, defaultX509SVIDTTL: Int = 3600, caNotAfter: Date) {
        self.spiffeID = spiffeID
        self.x509SVIDTTL = x509SVIDTTL
        self.defaultX509SVIDTTL = defaultX509SVIDTTL
        self.caNotAfter = caNotAfter
    }

    public var description: String {
        let ttl = x509SVIDTTL == 0 ? "no -x509SVIDTTL (default_x509_svid_ttl \(defaultX509SVIDTTL) s)" : "-x509SVIDTTL \(x509SVIDTTL)"
        return "entry \(spiffeID) with \(ttl), CA valid until \(ISO8601DateFormatter().string(from: caNotAfter))"
    }
}

/// The first way a leaf differs from what SPIRE's server makes for its entry.
public enum LeafMismatch: String, Sendable, Equatable, CaseIterable, CustomStringConvertible {
    /// The leaf does not have exactly one URI SAN (none, or more than one).
    case uriSANCount
    /// Its one URI SAN is not the entry's SPIFFE ID.
    case spiffeID
    /// notAfter is not notBefore + TTL + 10 s, cut back to the CA's notAfter.
    case lifetime
    /// The subject is not SPIRE's default, C=US, O=SPIRE.
    case subject
    /// The basic constraints extension is missing, or says cA true.
    case ca

    public var description: String {
        switch self {
        case .uriSANCount: return "not exactly one URI SAN"
        case .spiffeID: return "the URI SAN is not the entry's SPIFFE ID"
        case .lifetime: return "notAfter is not notBefore + TTL + 10 s (cut back to the CA's notAfter)"
        case .subject: return "the subject is not C=US, O=SPIRE"
        case .ca: return "the basic constraints do not say cA false"
        }
    }
}
