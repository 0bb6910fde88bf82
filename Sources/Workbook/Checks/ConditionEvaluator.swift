import Foundation
import Lessons
import SpiffeFormats
import SpiffeX509
import X509

/// Verifies conditions against real state: files in the day's workspace, a step's output, or a
/// step run now.
public struct ConditionEvaluator: Sendable {
    /// The day's workspace directory; condition paths are relative to it.
    public var directory: URL
    public var now: Date
    /// The output of the step the conditions belong to (for `fact` and `output`).
    public var output: StepOutput?
    /// Runs a step by id (for `step <id> fact …` evidence).
    public var runStep: (@Sendable (String) async -> StepRun)?

    public init(directory: URL, now: Date, output: StepOutput? = nil, runStep: (@Sendable (String) async -> StepRun)? = nil) {
        self.directory = directory
        self.now = now
        self.output = output
        self.runStep = runStep
    }

    public func evaluate(_ conditions: [Condition]) async -> [ConditionResult] {
        var results: [ConditionResult] = []
        for condition in conditions { results.append(await evaluate(condition)) }
        return results
    }

    public func evaluate(_ condition: Condition) async -> ConditionResult {
        func result(_ passed: Bool, _ detail: String) -> ConditionResult {
            ConditionResult(condition: condition, passed: passed, detail: detail)
        }
        switch condition {
        case .file(let path):
            let url = directory.appendingPathComponent(path)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
                return result(false, "\(path) does not exist in \(directory.path)")
            }
            guard !isDirectory.boolValue else { return result(false, "\(path) is a directory, not a file") }
            let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
            return size > 0 ? result(true, "\(path): \(size) bytes") : result(false, "\(path) is empty")

        case .mode(let path, let bits):
            let url = directory.appendingPathComponent(path)
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
                  let permissions = attributes[.posixPermissions] as? Int else {
                return result(false, "\(path) does not exist in \(directory.path)")
            }
            let actual = permissions & 0o7777
            let shown = String(actual, radix: 8).leftPadded(to: 4, with: "0")
            return actual == bits ? result(true, "\(path) has mode \(shown)")
                : result(false, "\(path) has mode \(shown), expected \(String(bits, radix: 8).leftPadded(to: 4, with: "0"))")

        case .svid(let path, let expected):
            let certificates: [Certificate]
            switch readCertificates(path) {
            case .failure(let message): return result(false, message)
            case .success(let list): certificates = list
            }
            let leaf = certificates[0]
            let id: String
            do {
                id = try CertificateNames.spiffeID(of: leaf).description
            } catch {
                return result(false, "\(path) is not an X509-SVID: \(error)")
            }
            guard id == expected else { return result(false, "\(path) carries \(id), expected \(expected)") }
            guard leaf.notValidBefore <= now else {
                return result(false, "\(path) is not valid yet (notBefore \(leaf.notValidBefore))")
            }
            guard now <= leaf.notValidAfter else {
                return result(false, "\(path) expired at \(leaf.notValidAfter)")
            }
            return result(true, "\(path) is an SVID for \(id), valid until \(leaf.notValidAfter)")

        case .chain(let svidPath, let bundlePath):
            let chain: [Certificate], authorities: [Certificate]
            switch readCertificates(svidPath) {
            case .failure(let message): return result(false, message)
            case .success(let list): chain = list
            }
            switch readCertificates(bundlePath) {
            case .failure(let message): return result(false, message)
            case .success(let list): authorities = list
            }
            return verifySignatures(chain: chain, authorities: authorities, svidPath: svidPath, bundlePath: bundlePath, result: result)

        case .fact(let name, let value):
            guard let output else { return result(false, "no step output to look at") }
            guard let actual = output.facts[name] else {
                return result(false, "the step did not report \(name) (it reported: \(output.facts.keys.sorted().joined(separator: ", ")))")
            }
            return actual == value ? result(true, "\(name) = \(actual)") : result(false, "\(name) is \(actual), expected \(value)")

        case .factPresent(let name):
            guard let output else { return result(false, "no step output to look at") }
            guard let actual = output.facts[name] else { return result(false, "the step did not report \(name)") }
            return result(true, "\(name) = \(actual)")

        case .outputContains(let text):
            guard let output else { return result(false, "no step output to look at") }
            return output.lines.contains(where: { $0.contains(text) })
                ? result(true, "found \"\(text)\"")
                : result(false, "no output line contains \"\(text)\"")

        case .stepFact(let step, let name, let value):
            guard let runStep else { return result(false, "cannot run step \(step) here") }
            let run = await runStep(step)
            switch run.outcome {
            case .unavailable(let why): return result(false, "cannot check yet: \(why)")
            case .failed(let why): return result(false, "step \(step) failed (\(run.mode.rawValue)): \(why)")
            case .succeeded(let output):
                guard let actual = output.facts[name] else {
                    return result(false, "step \(step) did not report \(name)")
                }
                return actual == value
                    ? result(true, "step \(step) (\(run.mode.rawValue)) reports \(name) = \(actual)")
                    : result(false, "step \(step) (\(run.mode.rawValue)) reports \(name) = \(actual), expected \(value)")
            }
        }
    }

    private enum ReadResult { case success([Certificate]), failure(String) }

    private func readCertificates(_ path: String) -> ReadResult {
        let url = directory.appendingPathComponent(path)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            return .failure("\(path) does not exist in \(directory.path)")
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
        chain: [Certificate], authorities: [Certificate], svidPath: String, bundlePath: String,
        result: (Bool, String) -> ConditionResult
    ) -> ConditionResult {
        var current = chain[0]
        var remaining = Array(chain.dropFirst())
        for _ in 0...chain.count {
            if let authority = authorities.first(where: { $0.publicKey.isValidSignature(current.signature, for: current) }) {
                return result(true, "\(svidPath) is signed by \(authority.subject) from \(bundlePath)")
            }
            guard let index = remaining.firstIndex(where: { $0.publicKey.isValidSignature(current.signature, for: current) }) else {
                return result(false, "no CA in \(bundlePath) signed \(svidPath) (issuer \(current.issuer))")
            }
            current = remaining.remove(at: index)
        }
        return result(false, "no CA in \(bundlePath) signed \(svidPath)")
    }
}
