// Sources/ExerciseKit/CachedEntry.swift
//
// The input type of the Day 11 exercise `entry-matching`: a registration entry as the agent holds
// it in its cache, with the selectors that decide who gets it. It lives in ExerciseKit (like
// AllowedPeers.swift) because the stub, the cases and the reference solution all name it.

import SpiffeIdentity

/// A registration entry in the agent's cache: "a workload with all of these selectors gets this
/// SPIFFE ID". (The model's RegistrationEntry, Sources/Lessons/Agent/RegistrationEntry.swift;
/// SPIRE's common.RegistrationEntry.)
public struct CachedEntry: Sendable, Equatable, CustomStringConvertible {
    /// The entry's ID: a lowercase UUID when the server chose it, any text when the operator did
    /// (`spire-server entry create -entryID …`). Unique among the entries.
    public var entryID: String
    /// The SPIFFE ID the entry gives. Two entries may give the same one.
    public var spiffeID: SpiffeID
    /// Selectors written `type:value`, as `-selector` takes them: `unix:uid:1000`,
    /// `unix:path:/opt/prov/bin/provisioner`, `k8s:ns:prod`. Only the first colon separates the
    /// type; the value may hold more colons.
    public var selectors: [String]

    public init(entryID: String, spiffeID: SpiffeID, selectors: [String]) {
        self.entryID = entryID
        self.spiffeID = spiffeID
        self.selectors = selectors
    }

    public var description: String {
        let all = selectors.isEmpty ? "no selectors" : selectors.joined(separator: " AND ")
        return "entry \(entryID) -> \(spiffeID) [\(all)]"
    }
}
