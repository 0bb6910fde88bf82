import Foundation
import SpiffeFormats
import SpiffeIdentity
import SpiffeX509
import WorkbookProtocol
import X509

/// The workbook's kernel: runs registered steps and decides the evidence that needs X.509, for
/// the front end that talks to it over `KernelProtocol` (workbook-kernel is this, with JSON on
/// stdout). It is the only place the workbook's steps are run.
public struct StepKernel: Sendable {
    public var registry: [Step]

    public init(registry: [Step] = Steps.all) {
        self.registry = registry
    }

    /// The registry as the front end sees it.
    public var listing: StepListing {
        StepListing(steps: registry.map { step in
            StepInfo(id: step.id, title: step.title, sourceFile: step.sourceFile, anchor: step.anchor,
                     modes: RunMode.allCases.filter(step.modes.contains))
        })
    }

    /// Runs step `id` in `requested` mode with `directory` as its workspace.
    ///
    /// A step that supports only the simulated mode runs simulated even when live was asked for;
    /// the result says so, because every result is labelled with the mode it really ran in.
    public func run(
        _ id: String, mode requested: RunMode, directory: URL, endpoint: String?,
        now: @escaping @Sendable () -> Date = { Date() }
    ) async -> StepResult {
        guard let step = registry.first(where: { $0.id == id }) else {
            return StepResult(stepID: id, mode: requested, outcome: .unavailable,
                              message: "step \(id) is not registered in the Lessons step registry")
        }
        let mode = step.modes.contains(requested) ? requested : (step.modes.contains(.simulated) ? .simulated : requested)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            return StepResult(stepID: id, mode: mode, outcome: .failed,
                              message: "cannot create \(directory.path): \(error.localizedDescription)")
        }
        let context = StepContext(mode: mode, workspace: directory, endpoint: endpoint, now: now)
        do {
            return StepResult(stepID: id, mode: mode, outcome: .succeeded, output: try await step.run(context))
        } catch let unavailable as StepUnavailable {
            return StepResult(stepID: id, mode: mode, outcome: .unavailable, message: unavailable.description)
        } catch {
            return StepResult(stepID: id, mode: mode, outcome: .failed, message: String(describing: error))
        }
    }

    /// Decides one piece of evidence about files in `directory` (paths relative to it).
    public func evaluate(_ evidence: Evidence, directory: URL, now: Date) -> EvidenceResult {
        switch evidence {
        case .svid(let path, let expected):
            let leaf: Certificate
            switch readCertificates(path, in: directory) {
            case .failure(let message): return EvidenceResult(passed: false, detail: message)
            case .success(let list): leaf = list[0]
            }
            let id: String
            do {
                id = try CertificateNames.spiffeID(of: leaf).description
            } catch {
                return EvidenceResult(passed: false, detail: "\(path) is not an X509-SVID: \(error)")
            }
            guard id == expected else { return EvidenceResult(passed: false, detail: "\(path) carries \(id), expected \(expected)") }
            guard leaf.notValidBefore <= now else {
                return EvidenceResult(passed: false, detail: "\(path) is not valid yet (notBefore \(TimeText.iso(leaf.notValidBefore)))")
            }
            guard now <= leaf.notValidAfter else {
                return EvidenceResult(passed: false, detail: "\(path) expired at \(TimeText.iso(leaf.notValidAfter))")
            }
            return EvidenceResult(passed: true, detail: "\(path) is an SVID for \(id), valid until \(TimeText.iso(leaf.notValidAfter))")

        case .chain(let svidPath, let bundlePath):
            let chain: [Certificate], authorities: [Certificate]
            switch readCertificates(svidPath, in: directory) {
            case .failure(let message): return EvidenceResult(passed: false, detail: message)
            case .success(let list): chain = list
            }
            switch readCertificates(bundlePath, in: directory) {
            case .failure(let message): return EvidenceResult(passed: false, detail: message)
            case .success(let list): authorities = list
            }
            return verifySignatures(chain: chain, authorities: authorities, svidPath: svidPath, bundlePath: bundlePath)

        case .ids(let path, let minimum):
            let data: Data
            switch readFile(path, in: directory) {
            case .failure(let message): return EvidenceResult(passed: false, detail: message)
            case .success(let bytes): data = bytes
            }
            // Blank lines are spacing in a list the learner writes, not IDs.
            let verdicts = WorkloadIDCheck().judge(String(decoding: data, as: UTF8.self)).filter { !$0.id.isEmpty }
            if let bad = verdicts.first(where: { !$0.valid }) {
                return EvidenceResult(passed: false, detail: "\(path) line \(bad.line): \(bad.id.isEmpty ? "(empty line)" : bad.id) is rejected: \(bad.reason ?? "")")
            }
            guard verdicts.count >= minimum else {
                return EvidenceResult(passed: false, detail: "\(path) holds \(verdicts.count) IDs; write at least \(minimum)")
            }
            let warnings = verdicts.reduce(0) { $0 + $1.warnings.count }
            return EvidenceResult(passed: true, detail: "\(path): \(verdicts.count) valid workload IDs, \(warnings) design warning\(warnings == 1 ? "" : "s")")

        case .breaks(let path, let ruleName):
            guard let rule = LeafRule(rawValue: ruleName) else {
                return EvidenceResult(passed: false, detail: "no leaf rule is called \(ruleName) (rules: \(LeafRule.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            let leaf: Certificate
            switch readCertificates(path, in: directory) {
            case .failure(let message): return EvidenceResult(passed: false, detail: message)
            case .success(let list): leaf = list[0]
            }
            let broken = LeafRule.broken(by: leaf)
            guard broken.contains(rule) else {
                let others = broken.isEmpty ? "it breaks no leaf rule" : "it breaks " + broken.map(\.rawValue).joined(separator: ", ")
                return EvidenceResult(passed: false, detail: "\(path) does not break \(rule.rawValue): \(others)")
            }
            guard broken.count == 1 else {
                return EvidenceResult(passed: false, detail: "\(path) breaks \(broken.map(\.rawValue).joined(separator: ", ")); make it break only \(rule.rawValue)")
            }
            return EvidenceResult(passed: true, detail: "\(path) breaks exactly one rule: \(rule.sentence)")
        }
    }

    private enum ReadResult<Value> { case success(Value), failure(String) }

    /// The bytes of a file of the day's workspace, by a path that must stay inside it.
    private func readFile(_ path: String, in directory: URL) -> ReadResult<Data> {
        // The front end parses paths so that they stay in the workspace; the kernel checks again.
        guard !path.hasPrefix("/"), !path.split(separator: "/").contains("..") else {
            return .failure("\(path): paths are relative to the day's workspace and stay inside it")
        }
        let url = directory.appendingPathComponent(path)
        guard FileManager.default.fileExists(atPath: url.path) else {
            return .failure("\(path) does not exist in \(directory.path)")
        }
        do {
            return .success(try InputFile.read(url))
        } catch {
            return .failure("\(path) cannot be read: \(error)")
        }
    }

    private func readCertificates(_ path: String, in directory: URL) -> ReadResult<[Certificate]> {
        let data: Data
        switch readFile(path, in: directory) {
        case .failure(let message): return .failure(message)
        case .success(let bytes): data = bytes
        }
        do {
            let certificates = try PEM.certificates(from: data, source: path)
            guard !certificates.isEmpty else { return .failure("\(path) holds no certificate") }
            return .success(certificates)
        } catch {
            return .failure("\(path) does not parse: \(error)")
        }
    }

    /// Follows signatures from the leaf up through the SVID file's intermediates until a bundle
    /// authority signed the last one. This is the chain-of-signatures part of path validation
    /// only; the full validator (RFC 5280 plus the SPIFFE leaf rules) is taught on Day 17.
    private func verifySignatures(
        chain: [Certificate], authorities: [Certificate], svidPath: String, bundlePath: String
    ) -> EvidenceResult {
        var current = chain[0]
        var remaining = Array(chain.dropFirst())
        for _ in 0...chain.count {
            if let authority = authorities.first(where: { $0.publicKey.isValidSignature(current.signature, for: current) }) {
                return EvidenceResult(passed: true, detail: "\(svidPath) is signed by \(authority.subject) from \(bundlePath)")
            }
            guard let index = remaining.firstIndex(where: { $0.publicKey.isValidSignature(current.signature, for: current) }) else {
                return EvidenceResult(passed: false, detail: "no CA in \(bundlePath) signed \(svidPath) (issuer \(current.issuer))")
            }
            current = remaining.remove(at: index)
        }
        return EvidenceResult(passed: false, detail: "no CA in \(bundlePath) signed \(svidPath)")
    }
}
