import ArgumentParser
import Foundation
import Logging
import SpiffeAgent
import SpiffeIdentity
import SpiffeWorkloadAPI
import SpiffeX509
import Synchronization

/// `spiffe-bench workload`: the local agent under load, measured from a client's side.
///
/// 1. Fetch latency: N sequential FetchX509SVID calls (open the stream, take the first message,
///    hang up) over one connection, as a long-lived workload makes them; and a smaller run with a
///    new connection per fetch, as a one-shot command such as `fetch --live` makes them.
/// 2. Rotation fan-out: S clients (one connection each, like S workloads) hold a watch stream
///    open; the agent renews the SVID at half its lifetime; measured from the moment the agent's
///    state changed until every stream has received the new SVID.
///
/// 3. Crash: S watchers of an agent in a child process; the agent is killed with SIGKILL and
///    started again; measured until every stream holds an SVID of the new agent.
///
/// For 1 and 2 the agent runs in this process (same code as `spiffe-demo agent`) on a temporary
/// socket and attests this process like any other caller; for 3 it is `spiffe-demo agent`.
struct WorkloadBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workload",
        abstract: "Workload API: fetch latency p50/p99, time for a rotation to reach many watch streams, and recovery from an agent kill -9."
    )

    @Option(help: "Sequential fetches over one connection.")
    var fetches: Int = 1000

    @Option(help: "Sequential fetches with a new connection each.")
    var freshFetches: Int = 100

    @Option(help: "Concurrent watch streams for the rotation fan-out.")
    var streams: Int = 200

    @Option(help: "Rotation rounds to measure.")
    var rounds: Int = 5

    @Option(help: "SVID lifetime (seconds) during the rotation rounds; the agent renews at half of it.")
    var rotationTTL: Int = 4

    func run() async throws {
        let root = URL(fileURLWithPath: "/tmp/swbench-\(getpid())")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let socketPath = root.appendingPathComponent("api.sock").path
        let trustDomain = try TrustDomain("example.org")
        let data = try Self.dataDirectory(root.appendingPathComponent("data"), trustDomain: trustDomain)

        var logger = Logger(label: "spiffe-bench.agent")
        logger.logLevel = .error
        let agent = WorkloadAgent(configuration: .init(socketPath: socketPath, dataDirectory: data.url), logger: logger)
        let (readyStream, readyContinuation) = AsyncStream<SVIDCache>.makeStream()
        let agentTask = Task { try await agent.run { readyContinuation.yield($0) } }
        defer { agentTask.cancel() }
        var iterator = readyStream.makeAsyncIterator()
        guard let cache = await iterator.next() else { throw ValidationError("the agent did not start") }
        let address = WorkloadAPIAddress.unix(path: socketPath)

        print("Workload API benchmark (in-process agent, unix://\(socketPath), \(ProcessInfo.processInfo.activeProcessorCount) cores)")

        // 1. Fetch latency over one connection.
        let client = try WorkloadAPIClient(address: address)
        for _ in 0..<20 { _ = try await client.fetchX509Context() }    // warm up: connection, hash cache
        var samples: [Duration] = []
        samples.reserveCapacity(fetches)
        for _ in 0..<fetches {
            let start = ContinuousClock.now
            _ = try await client.fetchX509Context()
            samples.append(ContinuousClock.now - start)
        }
        client.close()
        print(Self.summary("fetch, one connection", samples))

        var fresh: [Duration] = []
        for _ in 0..<freshFetches {
            let start = ContinuousClock.now
            let once = try WorkloadAPIClient(address: address)
            _ = try await once.fetchX509Context()
            fresh.append(ContinuousClock.now - start)
            once.close()
        }
        print(Self.summary("fetch, new connection each", fresh))

        // 2. Rotation fan-out.
        let (watchers, stopWatching) = try Self.watch(streams, at: address)
        defer { stopWatching() }
        try await watchers.waitUntilAll { _ in true }
        print("\(streams) watch streams open (\(cache.subscriberCount) subscribed at the agent)")

        // From now on the SVID lives `rotationTTL` seconds, so the agent renews it every half of
        // that on its own; each renewal is one round. (The entry change itself is the first push.)
        try data.entries.update { (entries: inout [RegistrationEntry]) throws(AgentError) in
            entries[0].x509SVIDTTL = rotationTTL
        }
        var reach: [Duration] = []
        var medians: [Duration] = []
        var seen = cache.version
        while reach.count < rounds {
            // Wait for the agent's next change, then for every stream to have its SVID.
            while cache.version == seen { try await Task.sleep(for: .milliseconds(1)) }
            let (version, changedAt) = cache.lastChange
            seen = version
            guard let start = changedAt,
                  let serial = cache.identities(for: [.unix("uid", String(getuid()))]).first?.svid.leaf.serialNumber.description
            else { throw ValidationError("the agent has no SVID for this process") }
            try await watchers.waitUntilAll { $0 == serial }
            let arrivals = watchers.arrivals().map { $0 - start }.sorted()
            reach.append(arrivals.last!)
            medians.append(arrivals[arrivals.count / 2])
        }
        print(Self.summary("rotation reaches all \(streams) streams", reach))
        print(Self.summary("rotation reaches median stream", medians))

        // 3. The agent is killed (SIGKILL: no goodbye to any stream) and started again on the
        //    same data directory. This agent runs in a child process, `spiffe-demo agent` next to
        //    this benchmark, with its own socket and `streams` watchers of its own; measured from
        //    the restart until every watcher holds an SVID the new agent issued. The watchers'
        //    retry backoff is part of what a workload waits, so it is part of the figure.
        stopWatching()
        try await killAndRestart(root: root, trustDomain: trustDomain)
    }

    /// An agent's data directory with a CA and one entry, for this process's uid, an hour long.
    static func dataDirectory(_ url: URL, trustDomain: TrustDomain) throws -> AgentDataDirectory {
        let data = AgentDataDirectory(url)
        _ = try data.loadOrCreateCA(trustDomain: trustDomain, now: Date())
        try data.entries.create(try RegistrationEntry(
            spiffeID: try SpiffeID("spiffe://example.org/bench"),
            parentID: AgentDataDirectory.agentID(in: trustDomain),
            selectors: [.unix("uid", String(getuid()))],
            x509SVIDTTL: 3600))
        return data
    }

    /// `count` clients, one connection each (like `count` workloads), each holding a watch
    /// stream open that retries for ever; and how to stop them all.
    static func watch(_ count: Int, at address: WorkloadAPIAddress) throws -> (Watchers, stop: () -> Void) {
        let watchers = Watchers(count: count)
        var tasks: [Task<Void, Never>] = []
        var clients: [WorkloadAPIClient] = []
        for index in 0..<count {
            let watcher = try WorkloadAPIClient(address: address)
            clients.append(watcher)
            tasks.append(Task {
                do {
                    for try await context in watcher.watchX509Context(retry: .forever) {
                        if let serial = context.defaultSVID?.leaf.serialNumber.description {
                            watchers.received(index, serial: serial)
                        }
                    }
                } catch {}
            })
        }
        return (watchers, { [tasks, clients] in
            tasks.forEach { $0.cancel() }
            clients.forEach { $0.close() }
        })
    }

    /// Phase 3 (see `run`).
    func killAndRestart(root: URL, trustDomain: TrustDomain) async throws {
        let demo = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("spiffe-demo").path
        guard FileManager.default.isExecutableFile(atPath: demo) else {
            print("agent kill -9: skipped, no spiffe-demo next to this benchmark (swift build -c release --product spiffe-demo)")
            return
        }
        let socketPath = root.appendingPathComponent("child.sock").path
        let data = try Self.dataDirectory(root.appendingPathComponent("child-data"), trustDomain: trustDomain)
        // Its limits sized to the watchers (all of this one uid), and its log kept to show when
        // the phase fails.
        let log = root.appendingPathComponent("child-agent.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let logHandle = try FileHandle(forWritingTo: log)
        defer { try? logHandle.close() }
        func startAgent() throws -> Process {
            let agent = Process()
            agent.executableURL = URL(fileURLWithPath: demo)
            agent.arguments = ["agent", "--socket", socketPath, "--data-dir", data.url.path, "--log-level", "warning",
                               "--max-connections-per-uid", String(max(1_024, streams + 16)),
                               "--max-streams-per-uid", String(max(4_096, 2 * streams + 16))]
            agent.standardOutput = FileHandle.nullDevice
            agent.standardError = logHandle
            try agent.run()
            return agent
        }
        var agent = try startAgent()
        defer { agent.terminate(); agent.waitUntilExit() }

        let address = WorkloadAPIAddress.unix(path: socketPath)
        let (watchers, stopWatching) = try Self.watch(streams, at: address)
        defer { stopWatching() }
        try await watchers.waitUntilAll { _ in true }

        var recoveries: [Duration] = []
        for _ in 0..<rounds {
            let before = Set(watchers.serials())
            kill(agent.processIdentifier, SIGKILL)
            agent.waitUntilExit()
            let restart = ContinuousClock.now
            agent = try startAgent()
            do {
                try await watchers.waitUntilAll { !before.contains($0) }
            } catch {
                let said = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                throw ValidationError("\(error); the child agent's log ends: \(said.suffix(2_000))")
            }
            recoveries.append(watchers.arrivals().max()! - restart)
        }
        print(Self.summary("agent kill -9 and restart: all \(streams) watchers have a new SVID", recoveries))
    }

    static func summary(_ label: String, _ samples: [Duration]) -> String {
        let sorted = samples.sorted()
        func ms(_ d: Duration) -> String {
            String(format: "%.3f ms", Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15)
        }
        func percentile(_ p: Double) -> Duration { sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)] }
        let total = sorted.reduce(Duration.zero, +)
        return "\(label): n=\(sorted.count) p50 \(ms(percentile(0.50))) p99 \(ms(percentile(0.99))) mean \(ms(total / sorted.count)) max \(ms(sorted.last!))"
    }
}

/// The newest serial each watch stream has seen, and when it arrived.
final class Watchers: Sendable {
    private struct State {
        var serials: [String?]
        var arrivals: [ContinuousClock.Instant?]
    }
    private let state: Mutex<State>

    init(count: Int) {
        state = Mutex(State(serials: Array(repeating: nil, count: count), arrivals: Array(repeating: nil, count: count)))
    }

    func received(_ index: Int, serial: String) {
        let now = ContinuousClock.now
        state.withLock { state in
            if state.serials[index] != serial {
                state.serials[index] = serial
                state.arrivals[index] = now
            }
        }
    }

    /// The newest serial of each stream that has one.
    func serials() -> [String] {
        state.withLock { $0.serials.compactMap { $0 } }
    }

    /// When each stream received its newest serial.
    func arrivals() -> [ContinuousClock.Instant] {
        state.withLock { $0.arrivals.compactMap { $0 } }
    }

    /// Polls until every stream's newest serial satisfies `condition` (a benchmark, not a test:
    /// polling every millisecond adds at most that much to the measured time).
    func waitUntilAll(_ condition: @escaping @Sendable (String) -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            let done = state.withLock { $0.serials.allSatisfy { $0.map(condition) ?? false } }
            if done { return }
            try await Task.sleep(for: .milliseconds(1))
        }
        throw ValidationError("not every stream saw the update within 120 s")
    }
}
