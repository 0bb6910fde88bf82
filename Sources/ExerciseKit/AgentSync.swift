// Sources/ExerciseKit/AgentSync.swift
//
// The input and answer types of the Day 8 exercise `agent-sync-plan`: what a SPIRE agent holds,
// what its server has just authorized, and what the agent does about it on this sync. They live
// in ExerciseKit (like AllowedPeers.swift) because the stub, the cases and the reference solution
// all name them.

import Foundation
import SpiffeIdentity

/// A registration entry as the agent receives it on a sync: one the server authorizes this agent
/// to serve (parented by the agent, or by a node alias it belongs to).
public struct AuthorizedEntry: Sendable, Equatable, CustomStringConvertible {
    /// The entry's ID, unique in the trust domain (a UUID in SPIRE, unless the operator chose one).
    public var entryID: String
    /// The entry's revision: the server bumps it on every change of the entry (SPIRE's
    /// `revision_number`).
    public var revision: Int64
    /// The SPIFFE ID the entry gives. Two entries may give the same one (with other selectors).
    public var spiffeID: SpiffeID
    /// The X509-SVID TTL the entry asks for, in seconds (`-x509SVIDTTL`). What a certificate
    /// actually got may be shorter: the server caps notAfter at its CA's.
    public var x509SVIDTTL: Int

    public init(entryID: String, revision: Int64, spiffeID: SpiffeID, x509SVIDTTL: Int = 3600) {
        self.entryID = entryID
        self.revision = revision
        self.spiffeID = spiffeID
        self.x509SVIDTTL = x509SVIDTTL
    }

    public var description: String {
        "entry \(entryID) (revision \(revision), \(spiffeID), TTL \(x509SVIDTTL) s)"
    }
}

/// An X509-SVID in the agent's cache, with what the agent remembers about how it got it.
public struct HeldSVID: Sendable, Equatable, CustomStringConvertible {
    /// The entry the SVID was signed for.
    public var entryID: String
    /// The revision that entry had when the SVID was signed.
    public var entryRevision: Int64
    /// The SPIFFE ID in the certificate's URI SAN.
    public var spiffeID: SpiffeID
    /// The certificate's validity window, as it states it (SPIRE backdates notBefore by 10 s and
    /// may cut notAfter back to its CA's).
    public var notBefore: Date
    public var notAfter: Date

    public init(entryID: String, entryRevision: Int64, spiffeID: SpiffeID, notBefore: Date, notAfter: Date) {
        self.entryID = entryID
        self.entryRevision = entryRevision
        self.spiffeID = spiffeID
        self.notBefore = notBefore
        self.notAfter = notAfter
    }

    public var description: String {
        "SVID for entry \(entryID) (revision \(entryRevision), \(spiffeID), valid \(Int64(notBefore.timeIntervalSince1970)) to \(Int64(notAfter.timeIntervalSince1970)))"
    }
}

/// What the agent does on this sync.
public struct SyncPlan: Sendable, Equatable, CustomStringConvertible {
    /// The authorized entries that need a new key and CSR now (their entry IDs).
    public var csrFor: Set<String>
    /// The held SVIDs the agent stops serving, because their entry is no longer authorized
    /// (their entry IDs).
    public var drop: Set<String>

    public init(csrFor: Set<String> = [], drop: Set<String> = []) {
        self.csrFor = csrFor
        self.drop = drop
    }

    public var description: String {
        func list(_ ids: Set<String>) -> String { "[" + ids.sorted().joined(separator: ", ") + "]" }
        return "CSRs for \(list(csrFor)), drop \(list(drop))"
    }
}
