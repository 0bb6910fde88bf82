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
        sourceFile: "Sources/Lessons/X509/SvidInfo.swift"
        // The workspace's x509/svid.0.pem, make-svid's: Day 3 reads back what it minted, so this
        // step has no live form (inspect-fetched is the one that asks the Workload API).
    ) { context in
        try X509Lesson.inspect(context)
    },
    Step(
        id: "inspect-fetched",
        title: "Inspect the SVID the Workload API hands you, field by field",
        sourceFile: "Sources/Lessons/X509/SvidInfo.swift",
        anchor: "inspect",
        // Live: the default SVID the Workload API hands the kernel process. Simulated: the same
        // response from the day's simulated trust domain. Either is saved into fetched/ first.
        modes: [.simulated, .live]
    ) { context in
        try await X509Lesson.inspectFetched(context)
    },
    Step(
        id: "validate",
        title: "Validate an X509-SVID: the six checks",
        sourceFile: "Sources/Lessons/X509/SVIDValidator.swift"
    ) { context in
        try await X509Lesson.validate(context)
    },
    Step(
        id: "validate-challenge",
        title: "Day 3's challenge certificates through the six checks, against your predictions",
        sourceFile: "Sources/Lessons/Steps/X509Steps.swift"
    ) { context in
        try await X509Lesson.validateChallenge(context)
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
    static func inspectFetched(_ context: StepContext) async throws -> StepOutput {
        let fetched: X509Context
        switch context.mode {
        case .live:
            fetched = try await X509Fetch.live(socket: context.endpoint)
        case .simulated:
            fetched = try SimulatedFetch.x509Context(spiffeID: spiffeID, in: context.state.trustDomain(spiffeID.trustDomain), now: context.now())
        }
        guard let svid = fetched.defaultSVID else {
            // An agent must answer PermissionDenied instead (Workload API §5.2.1); say so if not.
            throw StepUnavailable(stepID: "inspect-fetched", reason: "the Workload API answered with no SVID at all")
        }
        let directory = context.workspace.appendingPathComponent("fetched", isDirectory: true)
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

extension X509Lesson {
    /// Day 3's challenge: three leaves in workspace/day03/challenge/, each built to break one rule.
    static let challengeFiles: [(name: String, rule: LeafRule)] = [
        ("two-uri-sans.pem", .twoURISANs), ("key-cert-sign.pem", .keyCertSign), ("no-path.pem", .noPath),
    ]

    // step: validate-challenge
    /// Runs Day 3's challenge certificates through the six checks and compares the check that
    /// rejects each one with the learner's prediction in predictions.txt (`no-path.pem: 1`).
    static func validateChallenge(_ context: StepContext) async throws -> StepOutput {
        var lines: [String] = []
        let bundle = try certificateAuthority(context, lines: &lines).bundle
        let now = context.now()
        let expected = SpiffeIDMatcher.memberOf(spiffeID.trustDomain)
        // context.workspace is workspace/day17; Day 3 kept its files in workspace/day03/challenge/.
        let day03 = context.workspace.deletingLastPathComponent().appendingPathComponent("day03/challenge", isDirectory: true)
        let made = context.workspace.appendingPathComponent("day03-made", isDirectory: true)
        let predictionsURL = context.workspace.appendingPathComponent("predictions.txt")
        // A verdict seen before the prediction is written teaches nothing: it is held back.
        let predictions = readPredictions(predictionsURL, notes: &lines)
        if predictions.isEmpty {
            lines.append("No predictions in \(predictionsURL.path) yet, so the verdicts are held back.")
            lines.append("Write one line per file first: the check you expect to reject it (1-6, or none).")
        }

        var facts = ["files": String(challengeFiles.count), "predictions_file": predictionsURL.path]
        var fromDay03 = 0, madeHere = 0, rejected = 0, predicted = 0, right = 0
        for (name, rule) in challengeFiles {
            var url = day03.appendingPathComponent(name)
            var origin = "your Day 3 file"
            if FileManager.default.fileExists(atPath: url.path) {
                fromDay03 += 1
            } else {
                // No Day 3 file: make one the way Day 3's openssl command does, breaking only `rule`.
                url = made.appendingPathComponent(name)
                try FileManager.default.createDirectory(at: made, withIntermediateDirectories: true)
                try AtomicFile.write(Data(try PEM.encode([challengeLeaf(breaking: rule, now: now)]).utf8), to: url)
                origin = "not in \(day03.path), so made here, breaking \(rule.rawValue) only"
                madeHere += 1
            }
            let data = try InputFile.read(url)
            let report = await SVIDValidator.validate(data: data, source: url.path, bundles: bundle, expect: expected, at: now)
            // The validator stops at the first failing check; LeafRule lists every rule broken.
            let leaf = (try? PEM.certificates(from: data, source: url.path))?.first
            let broken = leaf.map(LeafRule.broken(by:)) ?? []
            let verdict = report.failure.map { String($0.check.rawValue) } ?? "none"
            if verdict != "none" { rejected += 1 }
            let key = String(name.dropLast(".pem".count)).replacingOccurrences(of: "-", with: "_")
            facts[key + "_check"] = verdict
            facts[key + "_rules"] = broken.isEmpty ? "none" : broken.map(\.rawValue).joined(separator: ",")

            lines.append("")
            lines.append("\(name): \(origin) (\(url.path))")
            guard let guess = predictions[name] else {
                lines.append("  verdict held back: predictions.txt has no line for \(name)")
                continue
            }
            predicted += 1
            for result in report.results where result.outcome != .skipped { lines.append("  " + result.line) }
            let skipped = report.results.filter { $0.outcome == .skipped }.map { String($0.check.rawValue) }
            if !skipped.isEmpty {
                lines.append("  checks \(skipped.joined(separator: ", ")) not run: the validator stops at the first failure")
            }
            lines.append("  leaf rules it breaks: " + (broken.isEmpty ? "none" : broken.map(\.rawValue).joined(separator: ", ")))
            if let leaf, now > leaf.notValidAfter, let failed = report.failure?.check, failed < .validity {
                lines.append("  it also expired at \(TimeText.iso(leaf.notValidAfter)), which check 4 would have said had it run")
            }
            let said = verdict == "none" ? "it passes all six" : "check \(verdict) rejects it"
            if guess == verdict { right += 1 }
            lines.append("  you predicted \(guess == "none" ? "none" : "check " + guess): " + (guess == verdict ? "right" : "not so, \(said)"))
        }
        facts["from_day03"] = String(fromDay03)
        facts["made"] = String(madeHere)
        facts["rejected"] = String(rejected)
        facts["predicted"] = String(predicted)
        facts["predicted_right"] = String(right)
        lines.append("")
        lines.append("\(predicted) of \(challengeFiles.count) predicted in \(predictionsURL.path), \(right) right; \(fromDay03) from Day 3, \(madeHere) made here")
        return StepOutput(lines: lines, facts: facts)
    }

    /// A self-signed leaf like the one Day 3's openssl command makes, breaking only `rule`.
    static func challengeLeaf(breaking rule: LeafRule, now: Date) throws -> Certificate {
        let key = try KeyType.p256.generate()
        let uris: [String]
        switch rule {
        case .twoURISANs: uris = ["spiffe://example.org/a", "spiffe://example.org/b"]
        case .noPath: uris = ["spiffe://example.org"]
        default: uris = ["spiffe://example.org/a"]
        }
        // digitalSignature always: as Day 3 warns, keyCertSign on its own would break a second rule.
        let usage = KeyUsage(digitalSignature: true, keyCertSign: rule == .keyCertSign)
        let name = try DistinguishedName { OrganizationName("Day 3 challenge") }
        return try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: key.publicKey,
            notValidBefore: now,
            notValidAfter: now + 24 * 3600,   // openssl's -days 1
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(usage)
                SubjectAlternativeNames(uris.map { GeneralName.uniformResourceIdentifier($0) })
            },
            issuerPrivateKey: key
        )
    }
    // end-step

    /// Reads predictions.txt: one `<file>: <check>` per line, the check 1-6 (or `check 3`) or
    /// `none`; `#` starts a comment. A line that names no challenge file or no check is reported
    /// in `notes` and skipped. A missing file is no predictions at all.
    static func readPredictions(_ url: URL, notes: inout [String]) -> [String: String] {
        guard let data = try? InputFile.read(url) else { return [:] }
        var predictions: [String: String] = [:]
        let text = String(decoding: data, as: UTF8.self)
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.prefix { $0 != "#" }.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty { continue }
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            var value = parts.count == 2 ? parts[1].lowercased() : ""
            if value.hasPrefix("check ") { value = String(value.dropFirst("check ".count)).trimmingCharacters(in: .whitespaces) }
            let check = Int(value).flatMap(SVIDCheck.init(rawValue:))
            guard parts.count == 2, challengeFiles.contains(where: { $0.name == parts[0] }), check != nil || value == "none" else {
                notes.append("predictions.txt line \(index + 1) is not `<file>.pem: <1-6 or none>`, skipped: \(line)")
                continue
            }
            predictions[parts[0]] = check.map { String($0.rawValue) } ?? "none"
        }
        return predictions
    }
}
