import Foundation
import SpiffeBundles
import SpiffeFormats
import SpiffeIdentity
import SpiffeX509
import Synchronization
import X509

/// The agent's SVIDs: one per registration entry, renewed at half its lifetime.
///
/// As in SPIRE, an SVID belongs to an *entry*, not to a process: every workload that matches an
/// entry receives the same SVID and key. Each change (a rotation, an entry added or removed, a new
/// CA) bumps a version number, and every open FetchX509SVID stream is woken to send the new state.
public final class SVIDCache: Sendable {
    /// One entry's current SVID, with its wire encodings computed once.
    public struct Issued: Sendable {
        public let entry: RegistrationEntry
        public let svid: X509SVID
        public let issuedAt: Date
        /// Half-way through the lifetime (issue + TTL/2, exactly): a workload always holds an SVID
        /// with plenty of validity left, even if the agent is briefly unreachable. SPIRE measures
        /// half of notBefore..notAfter (so its 10 s backdate counts) with ±10 % jitter.
        public let rotateAt: Date
        let chainDER: Data
        let keyDER: Data
    }

    private struct State {
        /// The CA that signs, for the single-process agent; nil when a server signs.
        var ca: CertificateAuthority?
        var bundle: X509Bundle
        var entries: [RegistrationEntry] = []
        var issued: [String: Issued] = [:]
        /// Foreign trust domains' bundles, each under the trust domain it was fetched for.
        var federated: [TrustDomain: SpiffeBundle] = [:]
        var version = 0
        var changedAt: ContinuousClock.Instant?
        var subscribers: [UUID: AsyncStream<Int>.Continuation] = [:]
    }

    private let state: Mutex<State>
    public let agentID: SpiffeID

    public init(ca: CertificateAuthority) {
        self.state = Mutex(State(ca: ca, bundle: ca.bundle))
        self.agentID = AgentDataDirectory.agentID(in: ca.trustDomain)
    }

    /// A cache filled by a server (the SPIRE model's agent): SVIDs arrive through `replace`.
    public init(agentID: SpiffeID, bundle: X509Bundle) {
        self.state = Mutex(State(ca: nil, bundle: bundle))
        self.agentID = agentID
    }

    public var trustDomain: TrustDomain { state.withLock { $0.bundle.trustDomain } }
    public var bundle: X509Bundle { state.withLock { $0.bundle } }
    public var version: Int { state.withLock { $0.version } }
    public var federatedBundles: [TrustDomain: SpiffeBundle] { state.withLock { $0.federated } }
    /// The CA this agent signs with now (nil when a server signs).
    public var currentCA: CertificateAuthority? { state.withLock { $0.ca } }

    /// Replaces the foreign bundles; when they changed, every stream sends again (a workload
    /// that federates with a trust domain sees its new bundle at once). Returns whether they did.
    @discardableResult
    public func setFederatedBundles(_ bundles: [TrustDomain: SpiffeBundle]) -> Bool {
        let subscribers: [AsyncStream<Int>.Continuation]? = state.withLock { state in
            guard state.federated != bundles else { return nil }
            state.federated = bundles
            state.version += 1
            state.changedAt = .now
            return Array(state.subscribers.values)
        }
        guard let subscribers else { return false }
        let version = self.version
        subscribers.forEach { $0.yield(version) }
        return true
    }
    /// The version and when it began (for measuring how fast a change reaches the streams).
    public var lastChange: (version: Int, at: ContinuousClock.Instant?) { state.withLock { ($0.version, $0.changedAt) } }

    /// A change in the entries this agent serves, or in the SVIDs it holds.
    public enum Change: Sendable, Equatable, CustomStringConvertible {
        case issued(SpiffeID, entryID: String, serial: String, notAfter: Date)
        case removed(SpiffeID, entryID: String)
        case skipped(entryID: String, reason: String)
        case newCA(TrustDomain)
        case bundleUpdated(TrustDomain, roots: Int)

        public var description: String {
            switch self {
            case .issued(let id, let entryID, let serial, let notAfter):
                return "issued X509-SVID \(id) (entry \(entryID), serial \(serial), expires \(TimeText.iso(notAfter)))"
            case .removed(let id, let entryID):
                return "entry \(entryID) for \(id) removed; its SVID is no longer served"
            case .skipped(let entryID, let reason):
                return "entry \(entryID) skipped: \(reason)"
            case .newCA(let trustDomain):
                return "new CA for trust domain \(trustDomain)"
            case .bundleUpdated(let trustDomain, let roots):
                return "bundle of \(trustDomain) updated: \(roots) root\(roots == 1 ? "" : "s")"
            }
        }
    }

    // step: rotation
    /// Brings the SVIDs up to date at time `now`: mints one for each new or changed entry, renews
    /// those past half their lifetime, drops those whose entry is gone. Pass `entries` when they
    /// were reloaded, nil to keep the current ones.
    @discardableResult
    public func refresh(entries newEntries: [RegistrationEntry]? = nil, ca newCA: CertificateAuthority? = nil, now: Date) throws -> [Change] {
        var changes: [Change] = []
        let (ca, entries, issued) = state.withLock { state in
            if let newCA { state.ca = newCA; state.bundle = newCA.bundle }
            if let newEntries { state.entries = newEntries }
            return (state.ca, state.entries, state.issued)
        }
        guard let ca else { throw AgentError.badEntry("this agent's SVIDs are signed by its server, not refreshed locally") }
        if newCA != nil { changes.append(.newCA(ca.trustDomain)) }

        var next: [String: Issued] = [:]
        for entry in entries {
            // An agent serves only entries of its own trust domain whose parent is itself.
            guard entry.spiffeID.isMember(of: ca.trustDomain) else {
                if issued[entry.entryID] == nil, newEntries != nil {
                    changes.append(.skipped(entryID: entry.entryID, reason: "\(entry.spiffeID) is not in trust domain \(ca.trustDomain)"))
                }
                continue
            }
            guard entry.parentID == agentID else {
                if issued[entry.entryID] == nil, newEntries != nil {
                    changes.append(.skipped(entryID: entry.entryID, reason: "parent \(entry.parentID) is not this agent (\(agentID))"))
                }
                continue
            }
            if let current = issued[entry.entryID], current.entry == entry, now < current.rotateAt, newCA == nil {
                next[entry.entryID] = current
                continue
            }
            let svid = try ca.issueSVID(for: entry.spiffeID, ttl: TimeInterval(entry.x509SVIDTTL), now: now)
            let notAfter = svid.leaf.notValidAfter
            var withHint = svid
            withHint.hint = entry.hint
            next[entry.entryID] = Issued(
                entry: entry,
                svid: withHint,
                issuedAt: now,
                rotateAt: now + notAfter.timeIntervalSince(now) / 2,
                chainDER: Data(try svid.chainDER()),
                keyDER: Data(try svid.privateKeyDER())
            )
            changes.append(.issued(entry.spiffeID, entryID: entry.entryID, serial: CertificateNames.hex(svid.leaf.serialNumber.bytes), notAfter: notAfter))
        }
        for (entryID, old) in issued where next[entryID] == nil {
            changes.append(.removed(old.entry.spiffeID, entryID: entryID))
        }

        publish(issued: next, changes: changes)
        return changes
    }
    // end-step

    /// Stores the new state and, when anything a workload sees changed, wakes every stream.
    private func publish(issued next: [String: Issued], entries: [RegistrationEntry]? = nil, bundle: X509Bundle? = nil, changes: [Change]) {
        let notify = changes.contains { if case .skipped = $0 { return false } else { return true } }
        let subscribers: [AsyncStream<Int>.Continuation] = state.withLock { state in
            state.issued = next
            if let entries { state.entries = entries }
            if let bundle { state.bundle = bundle }
            guard notify else { return [] }
            state.version += 1
            state.changedAt = .now
            return Array(state.subscribers.values)
        }
        let version = self.version
        subscribers.forEach { $0.yield(version) }
    }

    /// The entries and SVIDs held now (for the SPIRE model's agent to decide what to renew).
    public var current: (entries: [RegistrationEntry], issued: [String: Issued]) {
        state.withLock { ($0.entries, $0.issued) }
    }

    // step: agent-cache-replace
    /// The SPIRE model's agent after a sync: the entries the server authorized (in its order),
    /// the SVIDs it signed for them (kept ones and new ones), and its bundle. Entries without an
    /// SVID are not served; SVIDs whose entry is gone are dropped.
    @discardableResult
    public func replace(entries: [RegistrationEntry], svids: [String: Issued], bundle: X509Bundle) -> [Change] {
        let (previous, oldBundle) = state.withLock { ($0.issued, $0.bundle) }
        var changes: [Change] = []
        var next: [String: Issued] = [:]
        for entry in entries {
            guard let issued = svids[entry.entryID] else { continue }
            next[entry.entryID] = issued
            if previous[entry.entryID]?.svid.leaf != issued.svid.leaf {
                changes.append(.issued(entry.spiffeID, entryID: entry.entryID,
                                       serial: CertificateNames.hex(issued.svid.leaf.serialNumber.bytes), notAfter: issued.svid.leaf.notValidAfter))
            }
        }
        for (entryID, old) in previous where next[entryID] == nil {
            changes.append(.removed(old.entry.spiffeID, entryID: entryID))
        }
        if oldBundle.authorities != bundle.authorities {
            changes.append(.bundleUpdated(bundle.trustDomain, roots: bundle.authorities.count))
        }
        publish(issued: next, entries: entries, bundle: bundle, changes: changes)
        return changes
    }
    // end-step

    /// An SVID the server signed, ready to serve: rotated at half of notBefore..notAfter, as
    /// SPIRE's agent measures it (without SPIRE's ±10 % jitter).
    public static func issued(entry: RegistrationEntry, svid: X509SVID, now: Date) throws -> Issued {
        let leaf = svid.leaf
        return Issued(
            entry: entry, svid: svid, issuedAt: now,
            rotateAt: leaf.notValidBefore + leaf.notValidAfter.timeIntervalSince(leaf.notValidBefore) / 2,
            chainDER: Data(try svid.chainDER()), keyDER: Data(try svid.privateKeyDER()))
    }

    // step: identities
    /// The SVIDs for a workload with `selectors`: one per matching entry, in the order the agent
    /// keeps its entries. The first is the default identity: the oldest matching entry's for the
    /// single-process agent (its entries file is in creation order), the lowest entry ID's for
    /// the SPIRE model's agent (which sorts them by ID, as SPIRE does).
    public func identities(for selectors: Set<Selector>) -> [Issued] {
        state.withLock { state in
            state.entries.compactMap { entry in
                entry.matches(selectors) ? state.issued[entry.entryID] : nil
            }
        }
    }
    // end-step

    /// The earliest time an SVID is due for renewal, for the agent to sleep until.
    public var nextRotation: Date? {
        state.withLock { $0.issued.values.map(\.rotateAt).min() }
    }

    /// Versions from now on: the current one at once, then one per change. The newest is all
    /// that matters, so the buffer keeps one.
    public func subscribe() -> AsyncStream<Int> {
        let (stream, continuation) = AsyncStream<Int>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = UUID()
        let version = state.withLock { state in
            state.subscribers[id] = continuation
            return state.version
        }
        continuation.yield(version)
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// How many streams are subscribed (for the benchmark and the log).
    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }
}
