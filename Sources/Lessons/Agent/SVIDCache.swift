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
        var ca: CertificateAuthority
        var entries: [RegistrationEntry] = []
        var issued: [String: Issued] = [:]
        var version = 0
        var changedAt: ContinuousClock.Instant?
        var subscribers: [UUID: AsyncStream<Int>.Continuation] = [:]
    }

    private let state: Mutex<State>
    public let agentID: SpiffeID

    public init(ca: CertificateAuthority) {
        self.state = Mutex(State(ca: ca))
        self.agentID = AgentDataDirectory.agentID(in: ca.trustDomain)
    }

    public var trustDomain: TrustDomain { state.withLock { $0.ca.trustDomain } }
    public var bundle: X509Bundle { state.withLock { $0.ca.bundle } }
    public var version: Int { state.withLock { $0.version } }
    /// The version and when it began (for measuring how fast a change reaches the streams).
    public var lastChange: (version: Int, at: ContinuousClock.Instant?) { state.withLock { ($0.version, $0.changedAt) } }

    /// A change in the entries this agent serves, or in the SVIDs it holds.
    public enum Change: Sendable, Equatable, CustomStringConvertible {
        case issued(SpiffeID, entryID: String, serial: String, notAfter: Date)
        case removed(SpiffeID, entryID: String)
        case skipped(entryID: String, reason: String)
        case newCA(TrustDomain)

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
            if let newCA { state.ca = newCA }
            if let newEntries { state.entries = newEntries }
            return (state.ca, state.entries, state.issued)
        }
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

        let notify = changes.contains { if case .skipped = $0 { return false } else { return true } }
        let subscribers: [AsyncStream<Int>.Continuation] = state.withLock { state in
            state.issued = next
            guard notify else { return [] }
            state.version += 1
            state.changedAt = .now
            return Array(state.subscribers.values)
        }
        let version = self.version
        subscribers.forEach { $0.yield(version) }
        return changes
    }
    // end-step

    // step: identities
    /// The SVIDs for a workload with `selectors`: one per matching entry, in entry order (so the
    /// first, the default identity, is the oldest matching entry's).
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
