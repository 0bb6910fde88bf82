import Foundation
import SpiffeAgent
import SpiffeFormats
import SpiffeIdentity
import SpiffeServer
import SpiffeWorkloadAPI
import SpiffeX509
import WorkbookProtocol
import X509
#if canImport(Glibc)
import Glibc
#endif

/// Week 2's steps about workloads (Days 11–13), on the SPIRE model in the kernel, with this
/// process as the workload: its selectors, entries that match it or not, registering and fetching,
/// rotation on a stream, and a caller no entry matches. Days 8–10's steps are in SpireSteps.swift.
let spireWorkloadSteps: [Step] = [
    Step(id: "workload-selectors", title: "Every selector the agent derives for a process",
         sourceFile: "Sources/Lessons/Agent/UnixWorkloadAttestor.swift", anchor: "attest") { context in
        try await SpireWorkloadLessons.selectors(context)
    },
    Step(id: "selector-and-or", title: "AND inside an entry, OR across entries, the default first by entry ID",
         sourceFile: "Sources/Lessons/Agent/RegistrationEntry.swift", anchor: "entry-matches") { context in
        try await SpireWorkloadLessons.andOr(context)
    },
    Step(id: "spire-deployment", title: "The SPIRE model deployed: its listeners, its files and their modes",
         sourceFile: "Sources/Lessons/Server/SpireServer.swift", anchor: "spire-server-listeners") { context in
        try await SpireWorkloadLessons.deployment(context)
    },
    Step(id: "spire-register-fetch", title: "Two entries on the server; this process fetches its SVID",
         sourceFile: "Sources/Lessons/Server/SVIDAPI.swift", anchor: "server-batch-new-x509-svid") { context in
        try await SpireWorkloadLessons.registerFetch(context)
    },
    Step(id: "spire-rotation", title: "A 60-second entry rotated at half its life, pushed on the open stream",
         sourceFile: "Sources/Lessons/Agent/SVIDCache.swift", anchor: "agent-cache-replace") { context in
        try await SpireWorkloadLessons.rotation(context)
    },
    Step(id: "spire-no-match", title: "A caller no entry matches",
         sourceFile: "Sources/Lessons/Agent/WorkloadAPIService.swift", anchor: "caller") { context in
        try await SpireWorkloadLessons.noMatch(context)
    },
]

enum SpireWorkloadLessons {
    /// A model with an attested agent, ready for entries.
    static func withAgent<T>(
        _ spire: InProcessSpire, keyManager: KeyManager = .memory,
        _ body: (InProcessSpire.RunningServer, InProcessSpire.RunningAgent) async throws -> T
    ) async throws -> T {
        let server = try await spire.startServer(keyManager: keyManager)
        let agent = try await spire.startAgent(server, .joinToken(try await server.admin.createJoinToken()))
        do {
            let result = try await body(server, agent)
            await agent.stop()
            await server.stop()
            return result
        } catch {
            await agent.stop()
            await server.stop()
            throw error
        }
    }

    static func entry(_ id: String, _ agent: InProcessSpire.RunningAgent, _ selectors: [SpiffeAgent.Selector], ttl: Int = 3600) throws -> RegistrationEntry {
        try RegistrationEntry(spiffeID: try SpiffeID(id), parentID: agent.agentID, selectors: selectors, x509SVIDTTL: ttl)
    }

    /// A uid that is not this process's: service-b's workload, and the caller no entry names.
    static var otherUID: String { getuid() == 1001 ? "1002" : "1001" }

    static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    // MARK: Day 11

    static func selectors(_ context: StepContext) async throws -> StepOutput {
        try await SpireLessons.withModel(context, "workload-selectors") { spire in
            try await withAgent(spire) { server, agent in
                try await server.admin.createEntry(try entry("spiffe://example.org/day11/me", agent, [InProcessSpire.me]))
                _ = try await SpireLessons.fetch(agent, until: try SpiffeID("spiffe://example.org/day11/me"))
                let attested = spire.log.drain().first { $0.contains("workload attested: ") } ?? ""
                let list = attested.components(separatedBy: ": ").last?.split(separator: " ").map(String.init) ?? []
                var lines = ["client  this process (pid \(getpid())) asked the agent for its SVID; the agent read the kernel's answer and /proc:"]
                lines += list.map { "agent   " + ($0.hasPrefix("unix:sha256:") ? String($0.prefix(28)) + "… (SHA-256 of the executable)" : $0) }
                return StepOutput(lines: lines, facts: [
                    "uid": String(getuid()),
                    "has_path": String(list.contains { $0.hasPrefix("unix:path:") }),
                    "has_sha256": String(list.contains { $0.hasPrefix("unix:sha256:") }),
                    "has_user": String(list.contains { $0.hasPrefix("unix:user:") }),
                    "selector_count": String(list.count),
                ])
            }
        }
    }

    static func andOr(_ context: StepContext) async throws -> StepOutput {
        try await SpireLessons.withModel(context, "selector-and-or") { spire in
            try await withAgent(spire) { server, agent in
                let gid = SpiffeAgent.Selector.unix("gid", String(getgid()))
                let entries = [
                    ("a", [InProcessSpire.me]),
                    ("b", [InProcessSpire.me, gid]),
                    ("c", [InProcessSpire.me, .unix("gid", "99999")]),
                    ("d", [.unix("path", executablePath)]),
                ]
                var lines: [String] = []
                var created: [RegistrationEntry] = []
                for (name, selectors) in entries {
                    let stored = try await server.admin.createEntry(try entry("spiffe://example.org/day11/\(name)", agent, selectors))
                    created.append(stored)
                    lines.append("admin   entry \(stored.entryID)  \(stored.spiffeID)  \(selectors.map(\.description).joined(separator: " AND "))")
                }
                _ = try await SpireLessons.fetch(agent, until: try SpiffeID("spiffe://example.org/day11/d"))
                try await Task.sleep(for: .milliseconds(300))   // a few more syncs: C must still not arrive
                let final = try await SpireLessons.fetch(agent, until: try SpiffeID("spiffe://example.org/day11/d"))
                let served = final.svids.map(\.spiffeID)
                let byEntryID = created.filter { served.contains($0.spiffeID) }.sorted { $0.entryID < $1.entryID }.map(\.spiffeID)
                lines.append("client  FetchX509SVID -> \(served.count) SVIDs, in this order: \(served.map(\.description).joined(separator: ", "))")
                lines.append("client  the default (first) is \(served.first?.description ?? "none"): the matching entry with the lowest entry ID")
                _ = spire.log.drain()
                return StepOutput(lines: lines, facts: [
                    "svid_count": String(served.count),
                    "and_mismatch_served": String(served.contains(try SpiffeID("spiffe://example.org/day11/c"))),
                    "default_is_lowest_entry_id": String(served == byEntryID),
                    "served": served.map(\.description).joined(separator: ","),
                ])
            }
        }
    }

    // MARK: Day 12

    static func mode(_ url: URL) -> String {
        let permissions = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.posixPermissions] as? Int ?? 0
        return String(format: "%04o", permissions)
    }

    static func deployment(_ context: StepContext) async throws -> StepOutput {
        try await SpireLessons.withModel(context, "spire-deployment") { spire in
            try await withAgent(spire, keyManager: .disk) { server, agent in
                let data = spire.directory.appendingPathComponent("server")
                let datastore = data.appendingPathComponent(ServerDataStore.fileName)
                let key = data.appendingPathComponent("keys").appendingPathComponent(CertificateAuthority.keyFileName)
                let roots = server.state.dataStore.snapshot.bundleRoots.count
                let lines = [
                    "server  agent API (mTLS, agent SVIDs only) on 127.0.0.1:\(server.agentPort)",
                    "server  attestation (TLS, the server's SVID only) on 127.0.0.1:\(server.attestationPort)",
                    "server  admin API on unix://\(server.admin.socketPath) (mode 0600: whoever can connect to it administers the trust domain)",
                    "files   \(data.lastPathComponent)/  \(mode(data))",
                    "files   \(data.lastPathComponent)/\(ServerDataStore.fileName)  \(mode(datastore))  entries, agents, unused join tokens, bundle",
                    "files   \(data.lastPathComponent)/keys/\(CertificateAuthority.keyFileName)  \(mode(key))  the CA key (--key-manager disk)",
                    "files   \(spire.directory.appendingPathComponent("server-bundle.pem").lastPathComponent)  the bundle an agent starts from (--trust-bundle)",
                    "agent   attested as \(agent.agentID); Workload API on unix://\(agent.socketPath)",
                ]
                _ = spire.log.drain()
                let prefix = "spiffe://example.org/spire/agent/join_token/"
                return StepOutput(lines: lines, facts: [
                    "listeners": "3",
                    "datastore_mode": mode(datastore),
                    "ca_key_mode": mode(key),
                    "data_dir_mode": mode(data),
                    "bundle_roots": String(roots),
                    "agent_id_prefix": agent.agentID.description.hasPrefix(prefix) ? prefix : agent.agentID.description,
                ])
            }
        }
    }

    // MARK: Day 13

    static func registerFetch(_ context: StepContext) async throws -> StepOutput {
        try await SpireLessons.withModel(context, "spire-register-fetch") { spire in
            try await withAgent(spire) { server, agent in
                let serviceA = try await server.admin.createEntry(try entry("spiffe://example.org/service-a", agent, [InProcessSpire.me]))
                let serviceB = try await server.admin.createEntry(try entry("spiffe://example.org/service-b", agent, [.unix("uid", otherUID)]))
                var lines = [
                    "admin   entry create -parentID \(agent.agentID) -spiffeID \(serviceA.spiffeID) -selector \(InProcessSpire.me)",
                    "admin   entry create -parentID \(agent.agentID) -spiffeID \(serviceB.spiffeID) -selector unix:uid:\(otherUID)",
                ]
                let fetched = try await SpireLessons.fetch(agent, until: serviceA.spiffeID)
                // Both entries are the agent's, so it holds an SVID for each, whether or not a
                // workload of service-b runs on this node.
                let deadline = ContinuousClock.now + .seconds(10)
                while agent.cache.current.issued.count < 2, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
                let held = agent.cache.current.issued.count
                let written = try SVIDFiles.write(fetched, to: context.workspace.appendingPathComponent("spire-register-fetch"))
                let leaf = try fetched.svids.first.unwrap("an SVID").leaf
                let uri = (try? CertificateNames.uriSANs(of: leaf)) ?? []
                lines.append("client  FetchX509SVID -> \(fetched.svids.map(\.spiffeID.description).joined(separator: ", ")) (service-b's workload is uid \(otherUID), not this process)")
                lines.append("client  URI SAN \(uri.joined(separator: ", ")); subject \(SpireLessons.subject(leaf)); valid \(SpireLessons.lifetime(leaf)) s")
                lines.append("agent   holds \(held) SVIDs: one per entry it was given")
                lines.append("files   \(written.map { $0.lastPathComponent }.joined(separator: ", ")) in spire-register-fetch/")
                _ = spire.log.drain()
                return StepOutput(lines: lines, facts: [
                    "spiffe_id": fetched.svids.first?.spiffeID.description ?? "",
                    "uri_san": uri.joined(separator: ","),
                    "lifetime_seconds": String(SpireLessons.lifetime(leaf)),
                    "subject": SpireLessons.subject(leaf),
                    "agent_holds": String(held),
                    "svid_file": "spire-register-fetch/svid.0.pem",
                ])
            }
        }
    }

    static func rotation(_ context: StepContext) async throws -> StepOutput {
        #if os(Linux)
        let clock = StepClock(context.now())
        var shifted = context
        shifted.now = clock.now
        return try await SpireLessons.withModel(shifted, "spire-rotation") { spire in
            try await withAgent(spire) { server, agent in
                let id = try SpiffeID("spiffe://example.org/service-a")
                try await server.admin.createEntry(try entry(id.description, agent, [InProcessSpire.me], ttl: 60))
                _ = try await SpireLessons.fetch(agent, until: id)
                let client = try WorkloadAPIClient(socket: agent.endpoint)
                defer { client.close() }
                let messages = StreamMessages()
                let watcher = Task {
                    for try await message in client.watchX509Context(retry: .upTo(.seconds(30))) { messages.append(message) }
                }
                defer { watcher.cancel() }
                let first = try await messages.message(1).svids[0].leaf
                let rotateAt = first.notValidBefore + first.notValidAfter.timeIntervalSince(first.notValidBefore) / 2
                let after = Int(rotateAt.timeIntervalSince(first.notValidBefore).rounded())
                var lines = [
                    "admin   entry \(id) -x509SVIDTTL 60",
                    "client  message 1: serial \(SpireLessons.serial(first)), valid \(TimeText.iso(first.notValidBefore)) to \(TimeText.iso(first.notValidAfter)) (\(SpireLessons.lifetime(first)) s)",
                    "agent   renews it at notBefore + \(after) s: half of notBefore..notAfter",
                ]
                // Time moves on (the step's clock, so the lesson need not wait half a minute).
                clock.advance(by: rotateAt.timeIntervalSince(clock.now()) + 1)
                lines.append("clock   moved forward to \(TimeText.iso(clock.now()))")
                let second = try await messages.message(2).svids[0].leaf
                lines.append("client  message 2: serial \(SpireLessons.serial(second)), valid \(TimeText.iso(second.notValidBefore)) to \(TimeText.iso(second.notValidAfter)), on the same stream")
                lines += spire.log.drain().filter { $0.contains("CSRs sent") || $0.contains("SVID signed") }
                return StepOutput(lines: lines, facts: [
                    "rotated": String(second.serialNumber != first.serialNumber),
                    "rotate_after_seconds": String(after),
                    "messages": String(messages.count),
                    "serials_differ": String(second.serialNumber != first.serialNumber),
                ])
            }
        }
        #else
        throw StepUnavailable(stepID: "spire-rotation", reason: "the SPIRE model's agent attests callers with Linux's SO_PEERCRED and /proc")
        #endif
    }

    static func noMatch(_ context: StepContext) async throws -> StepOutput {
        try await SpireLessons.withModel(context, "spire-no-match") { spire in
            try await withAgent(spire) { server, agent in
                try await server.admin.createEntry(try entry("spiffe://example.org/service-b", agent, [.unix("uid", otherUID)]))
                try await Task.sleep(for: .milliseconds(300))   // synced: the agent holds service-b
                let status = "PermissionDenied"
                let message = try await AgentStepFetch.denied(endpoint: agent.endpoint)
                let file = context.workspace.appendingPathComponent("spire-no-match").appendingPathComponent("error.txt")
                try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
                try AtomicFile.write(Data("\(status): \(message)\n".utf8), to: file)
                let lines = [
                    "admin   the only entry: spiffe://example.org/service-b for unix:uid:\(otherUID)",
                    "client  FetchX509SVID as \(InProcessSpire.me), retried for 1 s -> \(status): \(message)",
                ] + spire.log.drain().filter { $0.contains("no identity issued") || $0.contains("workload attested") }.prefix(2)
                  + ["files   spire-no-match/error.txt"]
                return StepOutput(lines: lines, facts: ["status": status, "message": message])
            }
        }
    }
}
