import Foundation
import SpiffeBundles
import SpiffeFormats
import SpiffeIdentity
import SpiffeLocalTrustDomain
import SpiffeWorkloadAPI
import SpiffeX509
import WorkbookProtocol
import X509

/// Steps for the X.509 lessons: Day 3 (make-svid, inspect), Day 16 (inspect), Day 17 (validate).
///
/// In simulated mode the trust domain's CA is kept in the learner's workspace
/// (`state/trust-domains/example.org/`), so every run of `make-svid` signs with the same CA and
/// the files stay comparable between runs.
let x509Steps: [Step] = [
    Step(
        id: "make-svid",
        title: "Mint an X509-SVID",
        sourceFile: "Sources/Lessons/X509/CertificateAuthority.swift"
    ) { context in
        try X509Lesson.makeSVID(context)
    },
    Step(
        id: "inspect",
        title: "Inspect an X509-SVID and its bundle",
        sourceFile: "Sources/Lessons/X509/SvidInfo.swift",
        // Simulated: the workspace's x509/svid.0.pem (make-svid's). Live: the default SVID the
        // Workload API hands the kernel process, saved into live/ first.
        modes: [.simulated, .live]
    ) { context in
        switch context.mode {
        case .live: try await X509Lesson.inspectLive(context)
        case .simulated: try X509Lesson.inspect(context)
        }
    },
    Step(
        id: "validate",
        title: "Validate an X509-SVID: the six checks",
        sourceFile: "Sources/Lessons/X509/SVIDValidator.swift"
    ) { context in
        try await X509Lesson.validate(context)
    },
]

/// What the X.509 steps do, shared by the three of them.
enum X509Lesson {
    /// The learner's provisioning service, named the way Day 7 recommends (`/ns/…/sa/…`).
    static let spiffeID = try! SpiffeID("spiffe://example.org/ns/prod/sa/provisioning")

    static func directory(_ context: StepContext) -> URL {
        context.workspace.appendingPathComponent("x509", isDirectory: true)
    }

    /// The workspace's CA: loaded when a valid one is there, otherwise created and saved.
    static func certificateAuthority(_ context: StepContext, lines: inout [String]) throws -> CertificateAuthority {
        let directory = context.state.trustDomain(spiffeID.trustDomain)
        let authorities = try directory.loadOrCreate(trustDomain: spiffeID.trustDomain, renewal: .simulated, now: context.now())
        let ca = authorities.ca
        lines.append("CA: \(ca.certificate.subject), \(authorities.created.isEmpty ? "from" : "new, saved in") \(directory.url.path)")
        return ca
    }

    static func makeSVID(_ context: StepContext) throws -> StepOutput {
        var lines: [String] = []
        let ca = try certificateAuthority(context, lines: &lines)
        let now = context.now()
        let svid = try ca.issueSVID(for: spiffeID, now: now)
        let written = try SVIDFiles.write(
            X509Context(svids: [svid], bundles: [spiffeID.trustDomain: ca.bundle]),
            to: directory(context)
        )
        let info = try SvidInfo(chain: svid.chain, bundle: ca.bundle, now: now)
        lines += [""] + info.tableLines + [""] + written.map { "wrote \($0.path)" }
        let files = directory(context)
        return StepOutput(lines: lines, facts: [
            "spiffe_id": spiffeID.description,
            "trust_domain": spiffeID.trustDomain.name,
            "svid_path": files.appendingPathComponent("svid.0.pem").path,
            "key_path": files.appendingPathComponent("svid.0.key").path,
            "bundle_path": files.appendingPathComponent("bundle.0.pem").path,
            "serial": info.leaf.serial,
            "not_after": TimeText.iso(info.leaf.notAfter),
            "key_type": info.leaf.keyType,
        ])
    }

    /// Reads the workspace's SVID and bundle (making them first if the learner has none yet).
    static func workspaceSVID(_ context: StepContext, lines: inout [String]) throws -> (chain: [Certificate], bundle: X509Bundle) {
        let files = directory(context)
        let svidURL = files.appendingPathComponent("svid.0.pem")
        let bundleURL = files.appendingPathComponent("bundle.0.pem")
        if !FileManager.default.fileExists(atPath: svidURL.path) || !FileManager.default.fileExists(atPath: bundleURL.path) {
            lines.append("No SVID in \(files.path) yet: running make-svid first.")
            _ = try makeSVID(context)
        }
        let chain = try PEM.certificates(from: try InputFile.read(svidURL), source: svidURL.path)
        let bundle = try X509Bundle(trustDomain: spiffeID.trustDomain, data: try InputFile.read(bundleURL), source: bundleURL.path)
        return (chain, bundle)
    }

    static func inspect(_ context: StepContext) throws -> StepOutput {
        var lines: [String] = []
        let (chain, bundle) = try workspaceSVID(context, lines: &lines)
        let info = try SvidInfo(chain: chain, bundle: bundle, now: context.now())
        lines += info.tableLines
        let svidPath = directory(context).appendingPathComponent("svid.0.pem").path
        return StepOutput(lines: lines, facts: inspectFacts(info, svidPath: svidPath))
    }

    /// Live: the default SVID (the first of the response) and its trust domain's bundle, straight
    /// from the Workload API, written as `spire-agent api fetch x509 -write live/` would, then
    /// read field by field. The hint travels beside the certificate in the response, not in it,
    /// so it is printed from the response.
    static func inspectLive(_ context: StepContext) async throws -> StepOutput {
        let fetched = try await X509Fetch.live(socket: context.endpoint)
        guard let svid = fetched.defaultSVID else {
            // An agent must answer PermissionDenied instead (Workload API §5.2.1); say so if not.
            throw StepUnavailable(stepID: "inspect", reason: "the Workload API answered with no SVID at all")
        }
        let directory = context.workspace.appendingPathComponent("live", isDirectory: true)
        try SVIDFiles.write(fetched, to: directory)
        let bundle = fetched.bundle(for: svid.spiffeID.trustDomain)
        let info = try SvidInfo(chain: svid.chain, bundle: bundle, now: context.now())
        var lines = [
            "Workload API: \(fetched.svids.count) SVID\(fetched.svids.count == 1 ? "" : "s") for this process; the first is the default identity",
            "Hint: \(svid.hint.isEmpty ? "(none)" : svid.hint)  (a field of the response, beside the certificate, not in it)",
            "",
        ]
        lines += info.tableLines
        lines += ["", "wrote \(directory.path)/: svid.N.pem, svid.N.key, bundle.N.pem for each SVID"]
        let svidPath = directory.appendingPathComponent("svid.0.pem").path
        var facts = inspectFacts(info, svidPath: svidPath)
        facts["svid_count"] = String(fetched.svids.count)
        facts["hint"] = svid.hint
        return StepOutput(lines: lines, facts: facts)
    }

    /// The facts both modes report. Day 3 uses the first group; Day 16 the field-by-field ones
    /// (lifetime_seconds is notAfter minus notBefore: 3610 for a default SPIRE or toolkit SVID).
    static func inspectFacts(_ info: SvidInfo, svidPath: String) -> [String: String] {
        var facts = [
            "serial": info.leaf.serial,
            "not_after": TimeText.iso(info.leaf.notAfter),
            "key_type": info.leaf.keyType,
            "fingerprint": info.leaf.sha256Fingerprint,
            "chain_length": String(info.chainLength),
            "bundle_cas": String(info.bundle?.count ?? 0),
            "svid_path": svidPath,
            // Field by field (Day 16).
            "subject_empty": String(info.leaf.subject.isEmpty),
            "san_critical": String(info.leaf.subjectAlternativeNamesCritical == true),
            "key_usage": (info.leaf.keyUsage ?? []).joined(separator: ","),
            "key_usage_critical": String(info.leaf.keyUsageCritical == true),
            "extended_key_usage": (info.leaf.extendedKeyUsage ?? []).joined(separator: ","),
            "basic_constraints": info.leaf.basicConstraints ?? "absent",
            "lifetime_seconds": String(TimeText.wholeSeconds(info.leaf.notAfter.timeIntervalSince(info.leaf.notBefore))),
        ]
        facts["spiffe_id"] = info.spiffeID
        facts["trust_domain"] = info.trustDomain
        return facts
    }

    static func validate(_ context: StepContext) async throws -> StepOutput {
        var lines: [String] = []
        let (chain, bundle) = try workspaceSVID(context, lines: &lines)
        let now = context.now()
        let expected = SpiffeIDMatcher.memberOf(spiffeID.trustDomain)

        lines.append("Now (\(TimeText.iso(now))), expecting \(expected):")
        let report = await SVIDValidator.validate(chain: chain, bundle: bundle, expect: expected, at: now)
        lines += report.lines.map { "  " + $0 }

        // The same SVID two hours later: short lifetimes at work.
        let later = now + 2 * 3600
        lines.append("")
        lines.append("The same SVID two hours later (\(TimeText.iso(later))):")
        let laterReport = await SVIDValidator.validate(chain: chain, bundle: bundle, expect: expected, at: later)
        lines += laterReport.lines.map { "  " + $0 }

        var facts = [
            "valid": String(report.isValid),
            "checks_passed": String(report.results.filter { $0.outcome == .passed }.count),
            "verdict": report.verdict,
            "valid_in_2h": String(laterReport.isValid),
        ]
        facts["spiffe_id"] = report.spiffeID?.description
        facts["failed_check"] = report.failure.map { String($0.check.rawValue) }
        facts["failed_check_in_2h"] = laterReport.failure.map { String($0.check.rawValue) }
        return StepOutput(lines: lines, facts: facts)
    }
}
