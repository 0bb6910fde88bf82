import Foundation
import Logging
import SpiffeAgent
import SpiffeFormats
import SpiffeIdentity
import SpiffeWorkloadAPI
import SpiffeX509
import Synchronization
import WorkbookProtocol
#if canImport(Glibc)
import Glibc
#endif

/// Steps that run the toolkit's own agent (the code of `spiffe-demo agent`) inside the kernel,
/// on a socket in the step's workspace, and talk to it with the toolkit's WorkloadAPIClient: a
/// real gRPC conversation over a real Unix socket, with real attestation of the kernel process
/// (SO_PEERCRED, /proc). They need no SPIFFE_ENDPOINT_SOCKET, so they run in simulated mode
/// ("simulated" meaning: no endpoint of yours is needed). Day 4 (agent-no-entry, agent-stream).
/// Linux only, like the agent's attestor; elsewhere they say so.
let agentSteps: [Step] = [
    Step(
        id: "agent-no-entry",
        title: "A caller with no registration entry, then with one",
        sourceFile: "Sources/Lessons/Agent/WorkloadAPIService.swift",
        anchor: "caller",
        modes: [.simulated]
    ) { context in
        #if os(Linux)
        let directory = context.workspace.appendingPathComponent("agent-no-entry")
        return try await InProcessAgent.run(in: directory, now: context.now) { agent in
            let me = SpiffeAgent.Selector.unix("uid", String(getuid()))
            let id = try SpiffeID("spiffe://example.org/ns/prod/sa/provisioning")
            var lines = ["agent   listening on \(agent.endpoint), trust domain example.org, no registration entries"]

            // 1. Nobody has registered this process: the agent attests it and finds no entry.
            let denied = try await AgentStepFetch.denied(endpoint: agent.endpoint)
            lines.append("client  FetchX509SVID as \(me), retried with backoff for up to 1 s -> PermissionDenied: \(denied)")
            lines += agent.log.drain()

            // 2. Register it, as `spiffe-demo entry create -selector unix:uid:N` would.
            try agent.register(id, for: me)
            lines.append("entry   \(id) for \(me), parent \(agent.parentID)")

            // 3. Ask again. The agent reloads its entries every 100 ms; until it has, the client
            //    gets PermissionDenied again and retries, as the spec allows.
            let again = try WorkloadAPIClient(socket: agent.endpoint, retry: .upTo(.seconds(30)))
            defer { again.close() }
            let start = ContinuousClock.now
            let fetched = try await again.fetchX509Context()
            let waited = ContinuousClock.now - start
            let millis = waited.components.seconds * 1000 + waited.components.attoseconds / 1_000_000_000_000_000
            lines.append("client  FetchX509SVID again -> \(fetched.svids.count) SVID after \(millis) ms")
            try await Task.sleep(for: .milliseconds(50))   // the agent logs its reload just after making it
            lines += agent.log.drain()
            guard let svid = fetched.defaultSVID else { throw StepFailure("the response held no SVID") }
            let bundle = fetched.bundle(for: svid.spiffeID.trustDomain)
            lines.append("svid    \(svid.spiffeID), serial \(CertificateNames.hex(svid.leaf.serialNumber.bytes)), valid until \(TimeText.iso(svid.leaf.notValidAfter))")
            lines.append("key     its private key came in the same message (PKCS#8); this process made no key and sent no CSR")
            lines.append("bundle  \(svid.spiffeID.trustDomain): \(bundle?.authorities.count ?? 0) CA certificate(s), in the same message")
            return StepOutput(lines: lines, facts: [
                "no_entry_status": "PermissionDenied",
                "no_entry_message": denied,
                "selector": me.description,
                "spiffe_id": svid.spiffeID.description,
                "svid_count": String(fetched.svids.count),
                "bundle_included": String(bundle != nil),
            ])
        }
        #else
        throw StepUnavailable(stepID: "agent-no-entry", reason: "the local agent attests callers with Linux's SO_PEERCRED and /proc; run this step on Linux")
        #endif
    },
    Step(
        id: "agent-stream",
        title: "One FetchX509SVID stream: the whole state, sent again on every change",
        sourceFile: "Sources/Lessons/Agent/WorkloadAPIService.swift",
        anchor: "fetch-x509-svid",
        modes: [.simulated]
    ) { context in
        #if os(Linux)
        // The agent's clock moves only when the step moves it, so the rotation comes exactly at
        // half of the one-hour lifetime, without waiting half an hour.
        let clock = StepClock(context.now())
        let directory = context.workspace.appendingPathComponent("agent-stream")
        return try await InProcessAgent.run(in: directory, now: clock.now) { agent in
            try await AgentStreamLesson.run(agent, clock: clock)
        }
        #else
        throw StepUnavailable(stepID: "agent-stream", reason: "the local agent attests callers with Linux's SO_PEERCRED and /proc; run this step on Linux")
        #endif
    },
]

#if os(Linux)

/// The toolkit's agent (what `spiffe-demo agent` runs) started inside the kernel for one step, on
/// a socket in the step's directory, and stopped when the step ends.
struct InProcessAgent: Sendable {
    static let trustDomain = try! TrustDomain("example.org")

    let socketPath: String
    let dataDirectory: AgentDataDirectory
    let log: AgentLog

    var endpoint: String { "unix://" + socketPath }
    var parentID: SpiffeID { AgentDataDirectory.agentID(in: Self.trustDomain) }

    /// Registers `id` for workloads with `selector`, as `spiffe-demo entry create` does; a running
    /// agent picks the entry up on its next poll.
    func register(_ id: SpiffeID, for selector: SpiffeAgent.Selector) throws {
        try dataDirectory.entries.create(try RegistrationEntry(spiffeID: id, parentID: parentID, selectors: [selector]))
    }

    /// Starts an agent whose state lives in `directory` (`data/`, and the socket `api.sock`) with
    /// no registration entries, runs `body` against it, and stops it.
    static func run<T>(
        in directory: URL, now: @escaping @Sendable () -> Date, _ body: (InProcessAgent) async throws -> T
    ) async throws -> T {
        // Unix socket paths are limited to 107 bytes; a deep workspace falls back to /tmp.
        let preferred = directory.appendingPathComponent("api.sock").path
        let socketPath = preferred.utf8.count > 100 ? "/tmp/swb-\(getpid())-\(directory.lastPathComponent).sock" : preferred
        let agent = InProcessAgent(
            socketPath: socketPath,
            dataDirectory: AgentDataDirectory(directory.appendingPathComponent("data")),
            log: AgentLog())
        // Every run starts from no entries, so the step tells the same story each time.
        try agent.dataDirectory.entries.update { (entries: inout [RegistrationEntry]) throws(AgentError) in
            entries.removeAll()
        }
        let log = agent.log
        let workload = WorkloadAgent(
            configuration: .init(socketPath: socketPath, dataDirectory: agent.dataDirectory.url,
                                 trustDomain: trustDomain, pollInterval: .milliseconds(100), now: now),
            logger: Logger(label: "agent", factory: { _ in AgentLogHandler(sink: log) }))
        let (ready, readyContinuation) = AsyncStream<SVIDCache>.makeStream()
        let task = Task {
            defer { readyContinuation.finish() }
            try await workload.run { readyContinuation.yield($0) }
        }
        func stop() async {
            task.cancel()
            _ = try? await task.value
            unlink(socketPath)
        }
        var iterator = ready.makeAsyncIterator()
        guard await iterator.next() != nil else {
            // It stopped before listening: report why.
            try await task.value
            throw StepFailure("the agent stopped before it was listening")
        }
        _ = log.drain()   // the start-up lines (trust domain, limits, listening)
        do {
            let result = try await body(agent)
            await stop()
            return result
        } catch {
            await stop()
            throw error
        }
    }
}

/// The agent's log lines, kept for the step's output: the agent's side of each call.
final class AgentLog: Sendable {
    private let lines = Mutex<[String]>([])
    /// Put before every line: which tier said it ("agent   ", "server  ").
    let prefix: String

    init(prefix: String = "agent   ") {
        self.prefix = prefix
    }

    func append(_ line: String) { lines.withLock { $0.append(line) } }

    /// The lines not drained yet, left in place.
    func peek() -> [String] { lines.withLock { $0 } }

    /// The lines logged since the last call, each prefixed "agent", repeats folded into one.
    func drain() -> [String] {
        let taken = lines.withLock { stored in
            let taken = stored
            stored.removeAll()
            return taken
        }
        var out: [String] = []
        var index = 0
        while index < taken.count {
            var repeats = 1
            while index + repeats < taken.count, taken[index + repeats] == taken[index] { repeats += 1 }
            out.append(prefix + taken[index] + (repeats > 1 ? "  (\(repeats) times)" : ""))
            index += repeats
        }
        return out
    }
}

/// A swift-log handler that hands every message to an AgentLog.
struct AgentLogHandler: LogHandler {
    let sink: AgentLog
    /// Put before each message, when one log holds several tiers' lines ("server  ").
    var prefix = ""
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        sink.append(prefix + event.message.description)
    }
}

/// The messages of one watch stream, as they arrive.
final class StreamMessages: Sendable {
    private let received = Mutex<[X509Context]>([])

    func append(_ message: X509Context) { received.withLock { $0.append(message) } }

    var count: Int { received.withLock { $0.count } }

    /// Message `number` (1-based), waiting up to thirty seconds for it.
    func message(_ number: Int) async throws -> X509Context {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let found = received.withLock({ $0.count >= number ? $0[number - 1] : nil }) { return found }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw StepFailure("message \(number) of the FetchX509SVID stream did not arrive within 30 s")
    }
}

/// The one-shot fetch of a caller no entry names, as the lessons show it.
enum AgentStepFetch {
    /// The PermissionDenied message a caller no entry names gets, after the client retried it
    /// for 1 s as the spec allows. A busy machine may take longer than that to make the first
    /// connection (Unavailable): that is retried for up to 20 s, so the step tells the
    /// lesson's story however loaded the machine is.
    static func denied(endpoint: String) async throws -> String {
        let deadline = ContinuousClock.now + .seconds(20)
        while true {
            let once = try WorkloadAPIClient(socket: endpoint, retry: .upTo(.seconds(1)))
            defer { once.close() }
            do {
                let unexpected = try await once.fetchX509Context()
                throw StepFailure("the agent issued \(unexpected.svids.count) SVID(s) to a caller no entry names")
            } catch WorkloadAPIError.permissionDenied(let message) {
                return message
            } catch WorkloadAPIError.unavailable where ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }
}

/// What `agent-stream` does: one stream, three changes, three complete messages.
enum AgentStreamLesson {
    static func run(_ agent: InProcessAgent, clock: StepClock) async throws -> StepOutput {
        let me = SpiffeAgent.Selector.unix("uid", String(getuid()))
        let main = try SpiffeID("spiffe://example.org/ns/prod/sa/provisioning")
        let admin = try SpiffeID("spiffe://example.org/ns/prod/sa/provisioning-admin")
        try agent.register(main, for: me)
        var lines = ["entry   \(main) for \(me) (X509-SVID lifetime 1 h)"]

        // One stream for the whole step, as a long-lived workload holds it (Workload API §4.2).
        let client = try WorkloadAPIClient(socket: agent.endpoint)
        defer { client.close() }
        let messages = StreamMessages()
        let watcher = Task {
            for try await message in client.watchX509Context(retry: .upTo(.seconds(30))) {
                messages.append(message)
            }
        }
        defer { watcher.cancel() }

        let first = try await messages.message(1)
        lines += describe(first, number: 1, why: "sent at once when the stream opened", previous: nil)

        clock.advance(by: 600)
        try agent.register(admin, for: me)
        lines.append("")
        lines.append("+10 min  entry \(admin) for \(me)")
        let second = try await messages.message(2)
        lines += describe(second, number: 2, why: "the caller's entries changed", previous: first)

        clock.advance(by: 1205)
        lines.append("")
        lines.append("+30 min  \(main) is at half its lifetime: the agent renews it")
        let third = try await messages.message(3)
        lines += describe(third, number: 3, why: "an SVID was renewed", previous: second)
        lines.append("")
        lines.append("every message carried every SVID with its key, and the bundle: the whole state, never a difference")

        let all = [first, second, third]
        let rotated = serial(main, in: third) != nil && serial(main, in: third) != serial(main, in: first)
        let resent = serial(main, in: second) == serial(main, in: first) && serial(admin, in: third) == serial(admin, in: second)
        return StepOutput(lines: lines, facts: [
            "message_count": String(messages.count),
            "svid_counts": all.map { String($0.svids.count) }.joined(separator: ","),
            "default_id": third.defaultSVID?.spiffeID.description ?? "",
            "rotated": String(rotated),
            "resent_unchanged": String(resent),
            "bundle_in_every_message": String(all.allSatisfy { $0.bundle(for: InProcessAgent.trustDomain) != nil }),
        ])
    }

    static func serial(_ id: SpiffeID, in message: X509Context) -> String? {
        message.svids.first { $0.spiffeID == id }.map { CertificateNames.hex($0.leaf.serialNumber.bytes) }
    }

    static func describe(_ message: X509Context, number: Int, why: String, previous: X509Context?) -> [String] {
        var lines = ["message \(number) (\(why)): \(message.svids.count) SVID\(message.svids.count == 1 ? "" : "s") + the bundle of example.org"]
        for (index, svid) in message.svids.enumerated() {
            let current = CertificateNames.hex(svid.leaf.serialNumber.bytes)
            let before = previous.flatMap { serial(svid.spiffeID, in: $0) }
            let note = before == nil ? "new" : (before == current ? "unchanged, sent again" : "renewed: new key, new serial")
            lines.append("  [\(index)] \(svid.spiffeID)\(index == 0 ? " (default)" : "")  serial \(current.prefix(11))...  \(note)")
        }
        return lines
    }
}
#endif
