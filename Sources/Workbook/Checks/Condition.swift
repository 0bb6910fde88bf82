/// A statement about real state that the workbook can verify: what a step printed and reported,
/// or what is on disk in the learner's workspace, or what a step reports when run now.
///
/// Step blocks use conditions as `expect:` lines (checked after every run, and by the drift test);
/// evidence checks use them as `evidence:` lines. One condition per line:
///
///     file <path>                      a non-empty regular file exists
///     mode <path> <octal>              the file's permission bits are exactly this (e.g. 0600)
///     svid <path> <spiffe-id>          the PEM file's first certificate is an X509-SVID for this ID,
///                                      valid now
///     chain <svid-path> <bundle-path>  the SVID's chain is signed up to a certificate in the bundle
///     ids <path> <minimum>             at least <minimum> lines, every one a valid workload SPIFFE ID
///     breaks <path> <rule>             the certificate breaks exactly this one X509-SVID leaf rule
///     fact <name> = <value>            the step reported this fact with this value
///     fact <name> present              the step reported this fact (any value)
///     output contains <text>           a line the step printed contains this text
///     step <id> fact <name> = <value>  (evidence only) running step <id> now reports this fact
///     analysis complete                (evidence only) every part of the analysis is complete
///     analysis built                   (evidence only) workspace/spiffe-analysis.md is what
///                                      `workbook analysis build` makes of the current drafts
///
/// Paths are relative to the day's workspace directory and may not leave it.
public enum Condition: Sendable, Equatable, CustomStringConvertible {
    case file(String)
    case mode(String, Int)
    case svid(path: String, id: String)
    case chain(svid: String, bundle: String)
    case ids(path: String, minimum: Int)
    case breaks(path: String, rule: String)
    case fact(name: String, value: String)
    case factPresent(String)
    case outputContains(String)
    case stepFact(step: String, name: String, value: String)
    case analysis(AnalysisClaim)

    /// What an `analysis` condition claims about the learner's spiffe-analysis.md.
    public enum AnalysisClaim: String, Sendable, Equatable, CaseIterable {
        case complete
        case built
    }

    public struct ParseError: Error, Equatable {
        public var reason: String
    }

    public init(parsing text: String) throws(ParseError) {
        let words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let kind = words.first else { throw ParseError(reason: "empty condition") }
        func path(_ value: String) throws(ParseError) -> String {
            guard !value.hasPrefix("/"), !value.split(separator: "/").contains("..") else {
                throw ParseError(reason: "paths are relative to the day's workspace and stay inside it: `\(value)`")
            }
            return value
        }
        switch kind {
        case "file":
            guard words.count == 2 else { throw ParseError(reason: "`file <path>`") }
            self = .file(try path(words[1]))
        case "mode":
            guard words.count == 3, let bits = Int(words[2], radix: 8), bits <= 0o7777 else {
                throw ParseError(reason: "`mode <path> <octal bits, e.g. 0600>`")
            }
            self = .mode(try path(words[1]), bits)
        case "svid":
            guard words.count == 3, words[2].hasPrefix("spiffe://") else {
                throw ParseError(reason: "`svid <path> <spiffe://…>`")
            }
            self = .svid(path: try path(words[1]), id: words[2])
        case "chain":
            guard words.count == 3 else { throw ParseError(reason: "`chain <svid-path> <bundle-path>`") }
            self = .chain(svid: try path(words[1]), bundle: try path(words[2]))
        case "ids":
            guard words.count == 3, let minimum = Int(words[2]), minimum >= 1 else {
                throw ParseError(reason: "`ids <path> <minimum count, 1 or more>`")
            }
            self = .ids(path: try path(words[1]), minimum: minimum)
        case "breaks":
            guard words.count == 3, Self.leafRules.contains(words[2]) else {
                throw ParseError(reason: "`breaks <path> <rule>`, the rule one of \(Self.leafRules.joined(separator: ", "))")
            }
            self = .breaks(path: try path(words[1]), rule: words[2])
        case "fact":
            if words.count == 3 && words[2] == "present" {
                self = .factPresent(words[1])
            } else if words.count >= 4 && words[2] == "=" {
                self = .fact(name: words[1], value: words[3...].joined(separator: " "))
            } else {
                throw ParseError(reason: "`fact <name> = <value>` or `fact <name> present`")
            }
        case "output":
            guard words.count >= 3, words[1] == "contains" else {
                throw ParseError(reason: "`output contains <text>`")
            }
            // Keep the text exactly as written after "output contains ".
            let prefix = text.range(of: "contains")!
            self = .outputContains(String(text[prefix.upperBound...]).trimmed)
        case "step":
            guard words.count >= 6, words[2] == "fact", words[4] == "=" else {
                throw ParseError(reason: "`step <id> fact <name> = <value>`")
            }
            self = .stepFact(step: words[1], name: words[3], value: words[5...].joined(separator: " "))
        case "analysis":
            guard words.count == 2, let claim = AnalysisClaim(rawValue: words[1]) else {
                throw ParseError(reason: "`analysis complete` or `analysis built`")
            }
            self = .analysis(claim)
        default:
            throw ParseError(reason: "unknown condition `\(kind)` (known: file, mode, svid, chain, ids, breaks, fact, output, step, analysis)")
        }
    }

    /// The leaf rules a `breaks` condition may name (the kernel's `LeafRule`).
    public static let leafRules = ["two-uri-sans", "no-uri-san", "not-spiffe", "no-path", "ca-true", "key-cert-sign", "crl-sign", "no-digital-signature", "no-key-usage", "key-usage-not-critical"]

    /// The step this condition runs, if any.
    public var stepID: String? {
        if case .stepFact(let step, _, _) = self { return step }
        return nil
    }

    /// Whether the condition looks at a step's own output (only meaningful after a run).
    public var needsStepOutput: Bool {
        switch self {
        case .fact, .factPresent, .outputContains: return true
        default: return false
        }
    }

    /// A sentence for the learner.
    public var description: String {
        switch self {
        case .file(let path): return "\(path) exists"
        case .mode(let path, let bits): return "\(path) has mode \(String(bits, radix: 8).leftPadded(to: 4, with: "0"))"
        case .svid(let path, let id): return "\(path) is an X509-SVID for \(id), valid now"
        case .chain(let svid, let bundle): return "\(svid) chains to a CA in \(bundle)"
        case .ids(let path, let minimum): return "\(path) holds at least \(minimum) IDs, every one a valid workload SPIFFE ID"
        case .breaks(let path, let rule): return "\(path) breaks exactly one leaf rule: \(rule)"
        case .fact(let name, let value): return "\(name) is \(value)"
        case .factPresent(let name): return "the step reports \(name)"
        case .outputContains(let text): return "the output mentions \"\(text)\""
        case .stepFact(let step, let name, let value): return "step \(step) reports \(name) = \(value)"
        case .analysis(.complete): return "every part of your analysis is complete"
        case .analysis(.built): return "spiffe-analysis.md is built from your current drafts"
        }
    }
}

/// The outcome of verifying one condition.
public struct ConditionResult: Sendable, Equatable {
    public var condition: Condition
    public var passed: Bool
    /// Why it failed (or what was found), in one line.
    public var detail: String
}

extension String {
    func leftPadded(to length: Int, with pad: Character) -> String {
        count >= length ? self : String(repeating: pad, count: length - count) + self
    }
}
