/// What the workbook (the front end: reading, grading, progress) and `workbook-kernel` (the
/// toolkit: every step and every check that needs X.509) say to each other, as a notebook front
/// end talks to its kernel. The front end links no gRPC, TLS or crypto, so it builds in about a
/// minute; the kernel builds while the learner reads.
///
/// One request is one run of the kernel, its arguments the request and one JSON object on stdout
/// the answer (days/README.md, "The kernel"):
///
///     workbook-kernel steps                                   -> StepListing
///     workbook-kernel run <step> --dir DIR [--live] [--endpoint E] [--at T]   -> StepResult
///     workbook-kernel evidence svid <path> <spiffe-id> --dir DIR [--at T]    -> EvidenceResult
///     workbook-kernel evidence chain <svid> <bundle> --dir DIR [--at T]      -> EvidenceResult
///
/// Every answer carries `protocol`; a front end that reads another number than its own says so
/// in one line instead of misreading the answer.
public enum KernelProtocol {
    /// Raised whenever a request or an answer changes shape.
    public static let version = 2
    /// The kernel's executable, found next to the workbook's or in the first-run build folder.
    public static let executableName = "workbook-kernel"
}

/// A registered step as the front end needs to know it: to show, quote and offer it.
public struct StepInfo: Sendable, Equatable, Codable {
    public var id: String
    public var title: String
    /// Path relative to the package root of the file whose anchors hold the quoted source.
    public var sourceFile: String
    /// The anchor in `sourceFile` (`// step: <anchor>` … `// end-step`).
    public var anchor: String
    /// The modes the step runs in, simulated first.
    public var modes: [RunMode]

    public init(id: String, title: String, sourceFile: String, anchor: String, modes: [RunMode]) {
        self.id = id
        self.title = title
        self.sourceFile = sourceFile
        self.anchor = anchor
        self.modes = modes
    }
}

/// The answer to `steps`: the whole registry. Its pretty JSON is also committed as
/// `Sources/Lessons/Steps/registry.json`, so `workbook show` needs no kernel; the drift test keeps
/// the two equal.
public struct StepListing: Sendable, Equatable, Codable {
    public var `protocol`: Int
    public var steps: [StepInfo]

    public init(steps: [StepInfo]) {
        self.protocol = KernelProtocol.version
        self.steps = steps
    }
}

/// The answer to `run`: what the step printed and reported, in the mode it really ran in.
public struct StepResult: Sendable, Equatable, Codable {
    public enum Outcome: String, Sendable, Codable {
        case succeeded
        /// The step threw; `message` says why.
        case failed
        /// No such step, or the step cannot run here (`StepUnavailable`); `message` says why.
        case unavailable
    }

    public var `protocol`: Int
    public var stepID: String
    public var mode: RunMode
    public var outcome: Outcome
    public var output: StepOutput
    public var message: String?

    public init(stepID: String, mode: RunMode, outcome: Outcome, output: StepOutput = StepOutput(), message: String? = nil) {
        self.protocol = KernelProtocol.version
        self.stepID = stepID
        self.mode = mode
        self.outcome = outcome
        self.output = output
        self.message = message
    }
}

/// A condition about the workspace that needs X.509 to decide, asked of the kernel.
public enum Evidence: Sendable, Equatable, Codable {
    /// The PEM file's first certificate is an X509-SVID for `id`, valid now.
    case svid(path: String, id: String)
    /// The SVID's chain is signed up to a certificate in the bundle file.
    case chain(svid: String, bundle: String)
    /// The file has at least `minimum` lines, and every one is a valid workload SPIFFE ID.
    case ids(path: String, minimum: Int)
    /// The PEM file's first certificate breaks exactly one of the X509-SVID leaf rules, this one
    /// (a `LeafRule` name such as `two-uri-sans`).
    case breaks(path: String, rule: String)
}

/// The answer to `evidence`.
public struct EvidenceResult: Sendable, Equatable, Codable {
    public var `protocol`: Int
    public var passed: Bool
    /// What was found, or why it failed, in one line.
    public var detail: String

    public init(passed: Bool, detail: String) {
        self.protocol = KernelProtocol.version
        self.passed = passed
        self.detail = detail
    }
}
