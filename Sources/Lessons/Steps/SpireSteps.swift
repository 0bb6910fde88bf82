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

/// Week 2's steps: the SPIRE model (`spiffe-demo server` and `agent --server`) run inside the
/// kernel, with this process as the workload. They need no endpoint of the learner's, so they
/// run in simulated mode; docker/ runs the same experiments against real SPIRE. Linux only, like
/// the agent's attestor.
let spireSteps: [Step] = [
    Step(id: "spire-issuance", title: "One X509-SVID issued by the SPIRE model, traced through both tiers",
         sourceFile: "Sources/Lessons/Agent/EntrySync.swift", anchor: "agent-sync") { context in
        try await SpireLessons.issuance(context)
    },
    Step(id: "spire-server-down", title: "The server goes away: what the agent still serves, and what it cannot learn",
         sourceFile: "Sources/Lessons/Agent/EntrySync.swift", anchor: "agent-sync-failure") { context in
        try await SpireLessons.serverDown(context)
    },
    Step(id: "spire-key-manager", title: "Restarting the server with a memory and with a disk KeyManager",
         sourceFile: "Sources/Lessons/Server/ServerCA.swift", anchor: "server-ca-load") { context in
        try await SpireLessons.keyManager(context)
    },
    Step(id: "spire-ttl-cap", title: "An SVID never outlives the CA that signed it",
         sourceFile: "Sources/Lessons/Server/ServerCA.swift", anchor: "server-sign-csr") { context in
        try await SpireLessons.ttlCap(context)
    },
    Step(id: "join-token", title: "Join tokens: attest once, then never again",
         sourceFile: "Sources/Lessons/Server/NodeAttestor.swift", anchor: "node-attest") { context in
        try await SpireLessons.joinToken(context)
    },
    Step(id: "join-token-alias", title: "Which entries an agent is given: its own, its aliases', no one else's",
         sourceFile: "Sources/Lessons/Server/ServerState.swift", anchor: "server-authorized-entries") { context in
        try await SpireLessons.joinTokenAlias(context)
    },
    Step(id: "iid-attest", title: "aws_iid: a signed instance identity document attests once; replays and forgeries do not",
         sourceFile: "Sources/Lessons/Server/InstanceIdentityDocument.swift", anchor: "iid-make") { context in
        try await SpireLessons.iidAttest(context)
    },
    Step(id: "iid-first-use", title: "Trust on first use: a copied document used first wins, the real instance is refused",
         sourceFile: "Sources/Lessons/Server/NodeAttestor.swift", anchor: "node-attest") { context in
        try await SpireLessons.iidFirstUse(context)
    },
]

enum SpireLessons {
    static let provisioning = try! SpiffeID("spiffe://example.org/ns/prod/sa/provisioning")

    /// Runs `body` with a fresh model in `<workspace>/<name>`, on Linux only.
    static func withModel(_ context: StepContext, _ name: String, _ body: (InProcessSpire) async throws -> StepOutput) async throws -> StepOutput {
        #if os(Linux)
        return try await body(try InProcessSpire(directory: context.workspace.appendingPathComponent(name), now: context.now))
        #else
        throw StepUnavailable(stepID: name, reason: "the SPIRE model's agent attests callers with Linux's SO_PEERCRED and /proc")
        #endif
    }

    /// Fetches over the Workload API until the answer contains `id` (entries arrive with a sync).
    static func fetch(_ agent: InProcessSpire.RunningAgent, until id: SpiffeID, seconds: Int = 15) async throws -> X509Context {
        let client = try WorkloadAPIClient(socket: agent.endpoint, retry: .upTo(.seconds(5)))
        defer { client.close() }
        let deadline = ContinuousClock.now + .seconds(seconds)
        while true {
            if let context = try? await client.fetchX509Context(), context.svids.contains(where: { $0.spiffeID == id }) {
                return context
            }
            guard ContinuousClock.now < deadline else { throw StepFailure("the agent did not serve \(id) within \(seconds) s") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    static func subject(_ certificate: Certificate) -> String {
        certificate.subject.map { $0.description }.joined(separator: ", ")
    }

    static func sanCritical(_ certificate: Certificate) -> Bool {
        certificate.extensions.first { $0.oid == .X509ExtensionID.subjectAlternativeName }?.critical ?? false
    }

    static func lifetime(_ certificate: Certificate) -> Int {
        Int(certificate.notValidAfter.timeIntervalSince(certificate.notValidBefore).rounded())
    }

    static func serial(_ certificate: Certificate) -> String {
        CertificateNames.hex(certificate.serialNumber.bytes)
    }

    // MARK: Day 8

    static func issuance(_ context: StepContext) async throws -> StepOutput {
        try await withModel(context, "spire-issuance") { spire in
            let server = try await spire.startServer()
            let token = try await server.admin.createJoinToken()
            var lines = spire.log.drain()
            lines.append("admin   token generate -> Token: \(token)")
            let agent = try await spire.startAgent(server, .joinToken(token))
            lines += spire.log.drain().filter { !$0.contains("limits: ") }
            let entry = try await server.admin.createEntry(try RegistrationEntry(
                spiffeID: provisioning, parentID: agent.agentID, selectors: [InProcessSpire.me]))
            lines.append("admin   entry create -parentID \(agent.agentID) -spiffeID \(provisioning) -selector \(InProcessSpire.me)")
            let fetched = try await fetch(agent, until: provisioning)
            let svid = try fetched.svids.first { $0.spiffeID == provisioning }.unwrap("the SVID")
            lines += spire.log.drain().filter { !$0.contains("FetchX509SVID stream") }
            let leaf = svid.leaf
            let ca = server.state.ca.authority.certificate
            let signedByCA = ca.publicKey.isValidSignature(leaf.signature, for: leaf)
            lines.append("client  FetchX509SVID -> \(svid.spiffeID), serial \(serial(leaf)), subject \(subject(leaf)), valid \(lifetime(leaf)) s (\(TimeText.iso(leaf.notValidBefore)) to \(TimeText.iso(leaf.notValidAfter)))")
            lines.append("client  signed by \(CertificateNames.describe(ca)) (the server's CA): \(signedByCA ? "yes" : "NO")")
            await agent.stop()
            await server.stop()
            return StepOutput(lines: lines, facts: [
                "agent_id": agent.agentID.description,
                "spiffe_id": svid.spiffeID.description,
                "parent_is_agent": String(entry.parentID == agent.agentID),
                "subject": subject(leaf),
                "san_critical": String(sanCritical(leaf)),
                "signed_by_server_ca": String(signedByCA),
                "lifetime_seconds": String(lifetime(leaf)),
            ])
        }
    }

    static func serverDown(_ context: StepContext) async throws -> StepOutput {
        try await withModel(context, "spire-server-down") { spire in
            var server = try await spire.startServer(keyManager: .disk)
            let agent = try await spire.startAgent(server, .joinToken(try await server.admin.createJoinToken()))
            try await server.admin.createEntry(try RegistrationEntry(spiffeID: provisioning, parentID: agent.agentID, selectors: [InProcessSpire.me]))
            _ = try await fetch(agent, until: provisioning)
            var lines = ["setup   server, agent \(agent.agentID), entry \(provisioning) for \(InProcessSpire.me); the agent syncs every 100 ms"]
            _ = spire.log.drain()

            // 1. The server stops. A client that never asked before still gets the cached SVID.
            let ports = (server.agentPort, server.attestationPort)
            await server.stop()
            lines.append("admin   server stopped")
            try await spire.waitForLog("server unreachable")
            lines += spire.log.drain()
            let whileDown = try await fetch(agent, until: provisioning)
            lines.append("client  a new FetchX509SVID while the server is down -> \(whileDown.svids.map(\.spiffeID.description).joined(separator: ", "))")

            // 2. The server runs again, but where the agent cannot reach it: an entry created
            //    there stays unknown to the agent.
            server = try await spire.startServer(keyManager: .disk)
            let admin = try SpiffeID("spiffe://example.org/ns/prod/sa/provisioning-admin")
            try await server.admin.createEntry(try RegistrationEntry(spiffeID: admin, parentID: agent.agentID, selectors: [InProcessSpire.me]))
            lines.append("admin   entry create \(admin) on a server the agent cannot reach")
            try await Task.sleep(for: .milliseconds(600))   // six sync intervals
            let stillDown = try await fetch(agent, until: provisioning)
            let servedWhileDown = stillDown.svids.contains { $0.spiffeID == admin }
            lines.append("client  FetchX509SVID after 600 ms -> \(stillDown.svids.map(\.spiffeID.description).joined(separator: ", ")) (\(admin) \(servedWhileDown ? "served" : "not served"))")
            await server.stop()

            // 3. Back where the agent expects it: the next sync brings the entry.
            server = try await spire.startServer(keyManager: .disk, ports: ports)
            try await spire.waitForLog("server reachable again")
            let back = try await fetch(agent, until: admin)
            lines += spire.log.drain().filter {
                !$0.contains("FetchX509SVID stream") && !$0.contains("workload attested") && !$0.hasPrefix("server  agent API")
            }
            lines.append("client  FetchX509SVID after the server is back -> \(back.svids.map(\.spiffeID.description).joined(separator: ", "))")
            await agent.stop()
            await server.stop()
            return StepOutput(lines: lines, facts: [
                "served_while_down": "true",
                "new_entry_while_down": servedWhileDown ? "served" : "not served",
                "served_after_return": String(back.svids.contains { $0.spiffeID == admin }),
            ])
        }
    }

    static func keyManager(_ context: StepContext) async throws -> StepOutput {
        try await withModel(context, "spire-key-manager") { spire in
            var lines: [String] = []
            var facts: [String: String] = [:]
            for manager in [KeyManager.memory, .disk] {
                let first = try await spire.startServer(manager.rawValue, keyManager: manager)
                let firstCA = CertificateNames.describe(first.state.ca.authority.certificate)
                await first.stop()
                let second = try await spire.startServer(manager.rawValue, keyManager: manager)
                let secondCA = CertificateNames.describe(second.state.ca.authority.certificate)
                let roots = second.state.dataStore.snapshot.bundleRoots.count
                await second.stop()
                _ = spire.log.drain()
                lines.append("server  \(manager.rawValue): first start \(firstCA); after a restart \(secondCA) (\(second.state.ca.isNew ? "a new CA" : "the same CA, read from keys/ca.key")); bundle: \(roots) root\(roots == 1 ? "" : "s")")
                facts["\(manager.rawValue)_new_ca"] = String(second.state.ca.isNew)
                facts["\(manager.rawValue)_bundle_roots"] = String(roots)
            }
            lines.append("files   memory/ holds datastore.json only; disk/ also keys/ca.key (0600)")
            return StepOutput(lines: lines, facts: facts)
        }
    }

    static func ttlCap(_ context: StepContext) async throws -> StepOutput {
        try await withModel(context, "spire-ttl-cap") { spire in
            let server = try await spire.startServer(caTTL: 1800, defaultX509SVIDTTL: 3600)
            let agent = try await spire.startAgent(server, .joinToken(try await server.admin.createJoinToken()))
            try await server.admin.createEntry(try RegistrationEntry(spiffeID: provisioning, parentID: agent.agentID,
                                                                     selectors: [InProcessSpire.me], x509SVIDTTL: 3600))
            let fetched = try await fetch(agent, until: provisioning)
            let leaf = try fetched.svids.first { $0.spiffeID == provisioning }.unwrap("the SVID").leaf
            let ca = server.state.ca.authority.certificate
            await agent.stop()
            await server.stop()
            let capped = leaf.notValidAfter == ca.notValidAfter
            return StepOutput(lines: [
                "server  CA valid until \(TimeText.iso(ca.notValidAfter)) (--ca-ttl 30m)",
                "admin   entry \(provisioning) with -x509SVIDTTL 3600",
                "client  SVID valid \(TimeText.iso(leaf.notValidBefore)) to \(TimeText.iso(leaf.notValidAfter)): \(lifetime(leaf)) s, not 3610",
                "client  its notAfter is the CA's: \(capped ? "yes" : "no")",
            ], facts: [
                "ca_ttl_seconds": "1800",
                "entry_ttl_seconds": "3600",
                "lifetime_seconds": String(lifetime(leaf)),
                "capped_by_ca": String(capped),
            ])
        }
    }

    // MARK: Day 9

    static func joinToken(_ context: StepContext) async throws -> StepOutput {
        try await withModel(context, "join-token") { spire in
            let server = try await spire.startServer()
            let token = try await server.admin.createJoinToken(ttl: 600)
            let stored = try server.state.dataStore.snapshot.joinTokens.first { $0.value == token }.unwrap("the token")
            let ttl = Int(stored.expiresAt.timeIntervalSince(context.now()).rounded())
            var lines = ["admin   token generate -ttl 600 -> Token: \(token) (stored until \(TimeText.iso(stored.expiresAt)))"]
            let agent = try await spire.startAgent(server, .joinToken(token))
            lines += spire.log.drain().filter { $0.contains("node attested") || $0.contains("join token") }
            lines.append("server  tokens left unused: \(server.state.dataStore.snapshot.joinTokens.count)")
            await agent.stop()

            let reuse = try await spire.refusal(server, .joinToken(token), name: "again")
            lines.append("agent   the same token again -> \(reuse.map { "refused: \($0)" } ?? "ATTESTED")")
            let short = try await server.admin.createJoinToken(ttl: 1)
            try await Task.sleep(for: .milliseconds(1_300))
            let expired = try await spire.refusal(server, .joinToken(short), name: "late")
            lines.append("agent   a token with -ttl 1, used 1.3 s later -> \(expired.map { "refused: \($0)" } ?? "ATTESTED")")
            _ = spire.log.drain()
            await server.stop()
            let reason = reuse.map { $0.components(separatedBy: "attestation refused: ").last ?? $0 } ?? ""
            return StepOutput(lines: lines, facts: [
                "agent_id": agent.agentID.description,
                "token_ttl_seconds": String(ttl),
                "reuse_refused": String(reuse != nil),
                "reuse_error": reason,
                "expired_refused": String(expired != nil),
            ])
        }
    }

    static func joinTokenAlias(_ context: StepContext) async throws -> StepOutput {
        try await withModel(context, "join-token-alias") { spire in
            let server = try await spire.startServer()
            let alias = try SpiffeID("spiffe://example.org/host/web-1")
            let token = try await server.admin.createJoinToken(alias: alias)
            var lines = ["admin   token generate -spiffeID \(alias) -> Token: \(token)"]
            let agent = try await spire.startAgent(server, .joinToken(token))
            lines.append("agent   attested as \(agent.agentID)")
            let web = try SpiffeID("spiffe://example.org/web")
            let other = try SpiffeID("spiffe://example.org/batch")
            let otherAgent = try SpiffeID("spiffe://example.org/spire/agent/join_token/someone-else")
            try await server.admin.createEntry(try RegistrationEntry(spiffeID: web, parentID: alias, selectors: [InProcessSpire.me]))
            try await server.admin.createEntry(try RegistrationEntry(spiffeID: other, parentID: otherAgent, selectors: [InProcessSpire.me]))
            lines.append("admin   entry \(web) -parentID \(alias) (the alias)")
            lines.append("admin   entry \(other) -parentID \(otherAgent) (another agent)")
            let fetched = try await fetch(agent, until: web)
            try await Task.sleep(for: .milliseconds(300))   // a few more syncs
            let held = agent.cache.current.entries.map(\.spiffeID)
            lines.append("agent   entries it was given: \(held.map(\.description).joined(separator: ", "))")
            lines.append("client  FetchX509SVID -> \(fetched.svids.map(\.spiffeID.description).joined(separator: ", "))")
            _ = spire.log.drain()
            await agent.stop()
            await server.stop()
            return StepOutput(lines: lines, facts: [
                "alias_id": alias.description,
                "alias_entry_delivered": String(held.contains(web)),
                "other_agent_entry_delivered": String(held.contains(other)),
            ])
        }
    }

    // MARK: Day 10

    static let instance = (account: "123456789012", region: "us-east-1", id: "i-0abc12345")

    static func awsAttestor(_ directory: URL) throws -> NodeAttestor {
        let file = directory.appendingPathComponent(InstanceIdentityDocument.certificateFile)
        let certificate = try PEM.certificates(from: try InputFile.read(file), source: file.path)[0]
        return NodeAttestor(awsCertificate: certificate, awsAccounts: [instance.account])
    }

    static func iidAttest(_ context: StepContext) async throws -> StepOutput {
        try await withModel(context, "iid-attest") { spire in
            let iid = context.workspace.appendingPathComponent("iid")
            let document = InstanceIdentityDocument(accountId: instance.account, region: instance.region, instanceId: instance.id, now: context.now())
            try document.write(to: iid, now: context.now())
            var lines = ["iid     iid make -> iid/document.json, iid/signature, iid/aws-stand-in.pem (AWS's certificate, played by a local key)"]
            let server = try await spire.startServer(attestor: try awsAttestor(iid))
            let agent = try await spire.startAgent(server, .awsIID(iid))
            lines += spire.log.drain().filter { $0.contains("node attested") }
            await agent.stop()

            let replay = try await spire.refusal(server, .awsIID(iid), name: "replay")
            lines.append("agent   the same document again -> \(replay.map { "refused: \($0)" } ?? "ATTESTED")")
            let forgedDirectory = spire.directory.appendingPathComponent("forged")
            try InstanceIdentityDocument(accountId: instance.account, region: instance.region, instanceId: "i-0def67890", now: context.now())
                .write(to: forgedDirectory, now: context.now())
            let forged = try await spire.refusal(server, .awsIID(forgedDirectory), name: "forged")
            lines.append("agent   a document for i-0def67890 signed by another key -> \(forged.map { "refused: \($0)" } ?? "ATTESTED")")
            _ = spire.log.drain()
            await server.stop()
            return StepOutput(lines: lines, facts: [
                "agent_id": agent.agentID.description,
                "replay_refused": String(replay != nil),
                "forged_refused": String(forged != nil),
                "document_file": "iid/document.json",
            ])
        }
    }

    static func iidFirstUse(_ context: StepContext) async throws -> StepOutput {
        try await withModel(context, "iid-first-use") { spire in
            let real = spire.directory.appendingPathComponent("instance")
            try InstanceIdentityDocument(accountId: instance.account, region: instance.region, instanceId: instance.id, now: context.now())
                .write(to: real, now: context.now())
            // Anyone who can read the metadata service on the instance can copy these two files.
            let copy = spire.directory.appendingPathComponent("copied")
            try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
            for file in [InstanceIdentityDocument.documentFile, InstanceIdentityDocument.signatureFile] {
                try FileManager.default.copyItem(at: real.appendingPathComponent(file), to: copy.appendingPathComponent(file))
            }
            let server = try await spire.startServer(attestor: try awsAttestor(real))
            let thief = try await spire.startAgent(server, .awsIID(copy), name: "thief")
            var lines = ["thief   attests first with a copy of the document and signature -> \(thief.agentID)"]
            let refused = try await spire.refusal(server, .awsIID(real), name: "real")
            lines.append("agent   the real instance, second -> \(refused.map { "refused: \($0)" } ?? "ATTESTED")")
            _ = spire.log.drain()
            await thief.stop()
            await server.stop()
            return StepOutput(lines: lines, facts: [
                "thief_agent_id": thief.agentID.description,
                "real_instance_refused": String(refused != nil),
            ])
        }
    }
}

extension Optional {
    /// The value, or a step error naming what was missing.
    func unwrap(_ what: String) throws -> Wrapped {
        guard let self else { throw StepFailure("\(what) is missing") }
        return self
    }
}
