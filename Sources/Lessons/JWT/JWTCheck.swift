import SpiffeFormats
import SpiffeX509

/// One rule a JWT-SVID validator applies, and how a token fared against it.
///
/// `jwt-parse --bundle … --audience …` prints one line per check, in this order, so a learner sees
/// not only *that* a token was rejected but every rule it did and did not meet.
public struct JWTCheck: Sendable {
    /// The checks, in the order the validator runs them.
    public enum Name: String, Sendable, CaseIterable {
        case serialization
        case algorithm = "alg"
        case type = "typ"
        case header
        case keyID = "kid"
        case subject = "sub"
        case key
        case keyType = "key type"
        case signature
        case expiry = "exp"
        case notBefore = "nbf"
        case audience = "aud"

        /// The rule, with where it comes from.
        public var rule: String {
            switch self {
            case .serialization: return "JWS compact serialization: header.payload.signature (JWT-SVID §5.1)"
            case .algorithm: return "alg is one of RS/ES/PS 256/384/512 (JWT-SVID §2.1)"
            case .type: return "typ, if present, is JWT or JOSE (JWT-SVID §2.3)"
            case .header: return "no header parameters besides alg, kid and typ (JWT-SVID §2)"
            case .keyID: return "kid is present, to pick the bundle key (required by SPIRE, go-spiffe, py-spiffe)"
            case .subject: return "sub is a valid SPIFFE ID (JWT-SVID §3.1)"
            case .key: return "kid names a JWT authority in the bundle of sub's trust domain (bundle spec §3)"
            case .keyType: return "the key's type matches alg (RFC 7518 §3)"
            case .signature: return "the signature verifies over header.payload (RFC 7515 §5.2)"
            case .expiry: return "exp is present and in the future, within the leeway (JWT-SVID §3.3)"
            case .notBefore: return "nbf, if present, is not in the future (RFC 7519 §4.1.5)"
            case .audience: return "aud is present and contains the expected audience (JWT-SVID §3.2)"
            }
        }
    }

    /// What became of one check.
    public enum Outcome: Sendable {
        /// The check passed; the text says what was seen ("ES256", "kid 'abc' in example.org"),
        /// rendered only when someone reads it.
        case passed(LazyText)
        case failed(JWTSVIDError)
        /// The check could not run because one it depends on failed.
        case skipped(String)
    }

    public let name: Name
    public let outcome: Outcome

    public var passed: Bool {
        if case .passed = outcome { return true }
        return false
    }

    public var failure: JWTSVIDError? {
        if case .failed(let error) = outcome { return error }
        return nil
    }

    /// What the check found, passed or not, in words.
    public var detail: String {
        switch outcome {
        case .passed(let text): return text.description
        case .failed(let error): return error.description
        case .skipped(let why): return why
        }
    }

    /// One line for people, as `ValidationReport.Result.line` has for X.509:
    /// `pass  alg  ES256: ECDSA using P-256 and SHA-256`.
    public var line: String {
        let label: String
        switch outcome {
        case .passed: label = "pass"
        case .failed: label = "FAIL"
        case .skipped: label = "skip"
        }
        return "\(label)  \(name.rawValue): \(detail)"
    }
}

/// The result of checking a token rule by rule.
public struct JWTSVIDVerdict: Sendable {
    public internal(set) var checks: [JWTCheck] = []
    /// The token taken apart, if it could be.
    public internal(set) var token: JWTToken?
    /// Set only when every check passed.
    public internal(set) var svid: JWTSVID?

    public var isValid: Bool { svid != nil }

    /// The first rule broken, in check order: the reason `validate` throws.
    public var firstFailure: JWTSVIDError? { checks.lazy.compactMap(\.failure).first }

    public func check(_ name: JWTCheck.Name) -> JWTCheck? { checks.first { $0.name == name } }

    mutating func record(_ name: JWTCheck.Name, _ outcome: JWTCheck.Outcome) {
        checks.append(JWTCheck(name: name, outcome: outcome))
    }

    /// Runs one check; returns its value when it passed, nil when it failed. `detail` says in
    /// words what a pass found; it runs only if someone reads the report.
    @discardableResult
    mutating func run<T: Sendable>(
        _ name: JWTCheck.Name,
        detail: @escaping @Sendable (T) -> String,
        _ body: () throws(JWTSVIDError) -> T
    ) -> T? {
        do {
            let value = try body()
            record(name, .passed(LazyText(rendering: { detail(value) })))
            return value
        } catch {
            record(name, .failed(error))
            return nil
        }
    }
}
