import Logging
import NIOCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What one caller may hold open on the agent's socket.
///
/// The agent's socket is open to every local process (attestation, not file modes, is the
/// boundary), so one careless or hostile workload could open connections and never ask for
/// anything. Each of those holds a file descriptor; near the process's limit every other
/// workload on the machine would be refused. Three rules keep that from happening:
///
/// - a connection that sends no request within `idleTimeout` is closed;
/// - a caller (one uid) holds at most `maximumPerCaller` connections. At the limit the agent
///   closes that caller's *oldest connection that never sent a request*, so a workload that
///   leaks connections loses its own idle ones, never someone else's, and never its working
///   streams. Only when all of them are busy is the new connection refused;
/// - a caller holds at most `maximumStreamsPerCaller` streams (RPCs) at once, over all its
///   connections: HTTP/2 caps streams per connection, but a caller with a thousand connections
///   would otherwise hold a thousand times that. A stream past the limit is answered
///   ResourceExhausted by the stream pipeline, naming the limit, before gRPC reads its request;
///   the caller's open streams go on.
///
/// SPIRE's agent has no such per-caller limit; this is the toolkit's own defence, small
/// enough to read.
public final class ConnectionLimits: Sendable {
    /// The limits themselves (`--idle-timeout`, `--max-connections-per-uid`, `--max-streams-per-uid`).
    public struct Policy: Sendable {
        /// How long a new connection may stay silent.
        public var idleTimeout: Duration
        /// Connections one uid may hold at once.
        public var maximumPerCaller: Int
        /// Streams one uid may hold open at once, over all its connections.
        public var maximumStreamsPerCaller: Int

        /// 1,024 connections per uid: room for many processes of one user (containers often
        /// share a uid), far below the descriptors the agent raises its own limit to at start.
        /// 4,096 streams per uid: a workload watches two or three streams, so that is a
        /// thousand workloads of one user, each watching everything.
        public init(idleTimeout: Duration = .seconds(10), maximumPerCaller: Int = 1_024, maximumStreamsPerCaller: Int = 4_096) {
            self.idleTimeout = idleTimeout
            self.maximumPerCaller = maximumPerCaller
            self.maximumStreamsPerCaller = maximumStreamsPerCaller
        }

        public static let `default` = Policy()
    }

    private struct Connection {
        let id: ObjectIdentifier
        let channel: any Channel
        var requested: Bool
    }

    public let policy: Policy
    /// The largest request body the transport accepts (the gRPC server's own limit).
    public let maximumRequestBytes: Int
    private let logger: Logger
    /// Open connections by uid, oldest first.
    private let open = Mutex<[UInt32: [Connection]]>([:])
    /// Open streams by uid, and the uids at their limit (each is logged once until it drops below).
    private struct Streams {
        var open: [UInt32: Int] = [:]
        var atLimit: Set<UInt32> = []
    }
    private let streams = Mutex(Streams())

    public init(policy: Policy = .default, maximumRequestBytes: Int = 4 * 1024 * 1024, logger: Logger) {
        self.policy = policy
        self.maximumRequestBytes = maximumRequestBytes
        self.logger = logger
    }

    /// A request grew past the limit; the transport resets its stream (CANCEL).
    func refusedOversizedRequest(from credentials: PeerCredentials) {
        logger.warning("refused a request over \(maximumRequestBytes / 1024) KiB from uid \(credentials.uid) (pid \(credentials.pid)): the stream is reset")
    }

    /// Raises this process's soft limit on open files to its hard limit (at most 65,536), so
    /// that the per-caller limit, not the default of 1,024 descriptors, is what callers meet.
    /// Returns the limit in force.
    @discardableResult
    public static func raiseOpenFileLimit() -> UInt64 {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        let wanted = min(limit.rlim_max, 65_536)
        if limit.rlim_cur < wanted {
            limit.rlim_cur = wanted
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            _ = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return UInt64(limit.rlim_cur)
    }

    /// Connections held right now by `uid` (for tests and the log).
    public func count(uid: UInt32) -> Int { open.withLock { $0[uid]?.count ?? 0 } }

    /// Streams held right now by `uid`.
    public func streamCount(uid: UInt32) -> Int { streams.withLock { $0.open[uid] ?? 0 } }

    /// A stream opened: counts it against its caller until it closes. Returns the refusal to
    /// answer it with when the caller already holds `maximumStreamsPerCaller` (the stream is then
    /// not counted), nil when it may go on.
    func openedStream(_ stream: any Channel, credentials: PeerCredentials) -> String? {
        let uid = credentials.uid
        let (admitted, firstRefusal) = streams.withLock { streams -> (Bool, Bool) in
            guard streams.open[uid, default: 0] < policy.maximumStreamsPerCaller else {
                return (false, streams.atLimit.insert(uid).inserted)
            }
            streams.open[uid, default: 0] += 1
            return (true, false)
        }
        guard admitted else {
            // Once per episode: a caller hammering the limit must not flood the log.
            if firstRefusal {
                logger.notice("uid \(uid) (pid \(credentials.pid)) holds \(policy.maximumStreamsPerCaller) streams: refusing more until it closes some")
            }
            return "uid \(uid) already holds \(policy.maximumStreamsPerCaller) streams on this agent, the most one caller may hold; close some (the agent's --max-streams-per-uid)"
        }
        stream.closeFuture.whenComplete { [self] _ in
            streams.withLock { streams in
                streams.open[uid, default: 1] -= 1
                if streams.open[uid] == 0 { streams.open[uid] = nil }
                streams.atLimit.remove(uid)
            }
        }
        return nil
    }

    /// Registers a new connection of `credentials`'s caller; closes what the rules say to close.
    func accepted(_ channel: any Channel, credentials: PeerCredentials) {
        let id = ObjectIdentifier(channel)
        let uid = credentials.uid
        let evicted: (channel: any Channel, silent: Bool)? = open.withLock { open in
            open[uid, default: []].append(Connection(id: id, channel: channel, requested: false))
            guard open[uid]!.count > policy.maximumPerCaller else { return nil }
            // The oldest silent one; failing that, the newcomer.
            if let index = open[uid]!.firstIndex(where: { !$0.requested }) {
                return (open[uid]!.remove(at: index).channel, true)
            }
            return (open[uid]!.removeLast().channel, false)
        }
        if let evicted {
            logger.notice(evicted.silent
                ? "uid \(uid) holds \(policy.maximumPerCaller) connections: closing its oldest that never sent a request"
                : "uid \(uid) holds \(policy.maximumPerCaller) connections, all in use: refusing a new one")
            evicted.channel.close(promise: nil)
        }
        let timeout = TimeAmount.nanoseconds(Int64(policy.idleTimeout.components.seconds) * 1_000_000_000
                                             + policy.idleTimeout.components.attoseconds / 1_000_000_000)
        let idle = channel.eventLoop.scheduleTask(in: timeout) { [self] in
            if !hasRequested(id, uid: uid) {
                logger.debug("closing a connection from uid \(uid) (pid \(credentials.pid)) that sent no request in \(policy.idleTimeout)")
                channel.close(promise: nil)
            }
        }
        // A closed connection lets go of its timer (and the timer of the channel) at once.
        channel.closeFuture.whenComplete { [self] _ in
            idle.cancel()
            closed(id, uid: uid)
        }
    }

    /// The connection opened its first stream: it is in use, not idle.
    func requested(_ channel: any Channel, uid: UInt32) {
        let id = ObjectIdentifier(channel)
        open.withLock { open in
            guard let index = open[uid]?.firstIndex(where: { $0.id == id }) else { return }
            open[uid]![index].requested = true
        }
    }

    private func hasRequested(_ id: ObjectIdentifier, uid: UInt32) -> Bool {
        open.withLock { $0[uid]?.first { $0.id == id }?.requested ?? true }
    }

    private func closed(_ id: ObjectIdentifier, uid: UInt32) {
        open.withLock { open in
            open[uid]?.removeAll { $0.id == id }
            if open[uid]?.isEmpty == true { open[uid] = nil }
        }
    }
}
