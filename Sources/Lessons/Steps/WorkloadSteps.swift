import Foundation
import SpiffeAgent
import SpiffeFormats
import SpiffeIdentity
import SpiffeLocalTrustDomain
import SpiffeWorkloadAPI
import SpiffeX509
import WorkbookProtocol

/// Steps for the Workload API lessons (Days 4, 8, 11, 13).
let workloadSteps: [Step] = [
    Step(
        id: "fetch",
        title: "Fetch an X509-SVID from the Workload API",
        sourceFile: "Sources/Lessons/WorkloadAPI/X509Fetch.swift",
        modes: [.simulated, .live]
    ) { context in
        let fetched: X509Context
        switch context.mode {
        case .live:
            fetched = try await X509Fetch.live(socket: context.endpoint)
        case .simulated:
            let id = try SpiffeID("spiffe://example.org/workload")
            fetched = try SimulatedFetch.x509Context(spiffeID: id, in: context.state.trustDomain(id.trustDomain), now: context.now())
        }
        // Written the way `spire-agent api fetch x509 -write` writes them.
        let directory = context.workspace.appendingPathComponent("fetch")
        try SVIDFiles.write(fetched, to: directory)
        return WorkloadStepOutput.describe(fetched, writtenTo: directory)
    },
    Step(
        id: "agent-register",
        title: "Register two workloads with the local agent",
        sourceFile: "Sources/Lessons/Agent/EntryStore.swift",
        anchor: "entry-create",
        // Registration writes the agent's entry file; it is the same with or without an
        // endpoint (the Workload API has no call to register), so it has no live form.
        modes: [.simulated]
    ) { context in
        let dataDirectory = AgentDataDirectory(context.workspace.appendingPathComponent("agent"))
        let trustDomain = try dataDirectory.trustDomain() ?? TrustDomain("example.org")
        let parent = AgentDataDirectory.agentID(in: trustDomain)
        var lines: [String] = []
        var facts: [String: String] = ["data_dir": dataDirectory.url.path]
        for (name, uid) in [("service-a", 1000), ("service-b", 1001)] {
            let entry = try RegistrationEntry(
                spiffeID: try SpiffeID(trustDomain: trustDomain, path: "/" + name),
                parentID: parent,
                selectors: [.unix("uid", String(uid))]
            )
            do {
                try dataDirectory.entries.create(entry)
                lines.append("created entry \(entry.entryID): \(entry.spiffeID) for unix:uid:\(uid)")
                facts["\(name)_entry_id"] = entry.entryID
            } catch AgentError.entryExists(let existing) {
                lines.append("entry \(existing) already registers \(entry.spiffeID) for unix:uid:\(uid)")
                facts["\(name)_entry_id"] = existing
            }
            facts["\(name)_spiffe_id"] = entry.spiffeID.description
        }
        lines.append("start the agent on these entries: spiffe-demo agent --data-dir \(dataDirectory.url.path)")
        return StepOutput(lines: lines, facts: facts)
    },
]

/// How the Workload API steps report what they fetched.
enum WorkloadStepOutput {
    static func describe(_ context: X509Context, writtenTo directory: URL) -> StepOutput {
        var lines = ["Received \(context.svids.count) svid\(context.svids.count == 1 ? "" : "s")"]
        var facts: [String: String] = [:]
        for (n, svid) in context.svids.enumerated() {
            lines.append("")
            lines.append("SPIFFE ID:         \(svid.spiffeID)")
            if !svid.hint.isEmpty { lines.append("Hint:              \(svid.hint)") }
            lines.append("SVID Valid After:  \(TimeText.iso(svid.leaf.notValidBefore))")
            lines.append("SVID Valid Until:  \(TimeText.iso(svid.leaf.notValidAfter))")
            lines.append("Written:           \(directory.appendingPathComponent("svid.\(n).pem").path), svid.\(n).key, bundle.\(n).pem")
            if n == 0 {
                facts["spiffe_id"] = svid.spiffeID.description
                facts["trust_domain"] = svid.spiffeID.trustDomain.name
                facts["serial"] = CertificateNames.hex(svid.leaf.serialNumber.bytes)
                facts["svid_path"] = directory.appendingPathComponent("svid.0.pem").path
                facts["key_path"] = directory.appendingPathComponent("svid.0.key").path
                facts["bundle_path"] = directory.appendingPathComponent("bundle.0.pem").path
            }
        }
        facts["svid_count"] = String(context.svids.count)
        return StepOutput(lines: lines, facts: facts)
    }
}
