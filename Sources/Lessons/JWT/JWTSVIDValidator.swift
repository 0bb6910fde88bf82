import Foundation
import SpiffeBundles
import SpiffeFormats
import SpiffeIdentity
import SpiffeX509

/// Validates JWT-SVIDs for one audience: the relying party's side of JWT-SVID §4 and Appendix A.
///
/// The order of the checks is part of the lesson. Nothing in the token is believed before the
/// signature is verified, and the signature is verified only with a key chosen *by us*: from
/// the bundle of the trust domain the token claims to belong to, by its `kid`, and only if that
/// key is of the kind the header's `alg` names. Each step closes a known hole in JWT libraries:
/// `alg: none`, HMAC with a public key as the secret, a key from another trust domain vouching
/// for this one, a default key used when `kid` is missing or unknown.
public struct JWTSVIDValidator: Sendable {
    /// The value this validator identifies with; it must appear in `aud` (JWT-SVID §3.2).
    public var audience: String
    /// How far clocks may disagree: `exp` and `nbf` are checked this many seconds loosely.
    public var leeway: TimeInterval

    /// 30 seconds: enough for ordinary clock skew between hosts, small next to SPIRE's default
    /// 5-minute JWT-SVID lifetime (the spec allows "a small amount of leeway", Appendix A).
    public static let defaultLeeway: TimeInterval = 30

    public init(audience: String, leeway: TimeInterval = JWTSVIDValidator.defaultLeeway) {
        self.audience = audience
        self.leeway = leeway
    }

    /// Validates `token` against the JWT bundles of the trust domains this party trusts, keyed
    /// by trust domain. Throws the first rule the token breaks.
    public func validate(
        _ token: String, bundles: [TrustDomain: JWTBundle], now: Date
    ) throws(JWTSVIDError) -> JWTSVID {
        let verdict = check(token, bundles: bundles, now: now)
        if let svid = verdict.svid { return svid }
        throw verdict.firstFailure ?? .signatureInvalid
    }

    /// Validates against a single trust domain's bundle.
    public func validate(_ token: String, bundle: JWTBundle, now: Date) throws(JWTSVIDError) -> JWTSVID {
        try validate(token, bundles: [bundle.trustDomain: bundle], now: now)
    }

    /// Validates against the JWT half of SPIFFE bundles.
    public func validate(_ token: String, bundles: [TrustDomain: SpiffeBundle], now: Date) throws(JWTSVIDError) -> JWTSVID {
        try validate(token, bundles: bundles.mapValues(\.jwtBundle), now: now)
    }

    /// Validates against the JWT half of one SPIFFE bundle.
    public func validate(_ token: String, bundle: SpiffeBundle, now: Date) throws(JWTSVIDError) -> JWTSVID {
        try validate(token, bundle: bundle.jwtBundle, now: now)
    }

    /// `check` with the JWT half of SPIFFE bundles.
    public func check(_ compact: String, bundles: [TrustDomain: SpiffeBundle], now: Date) -> JWTSVIDVerdict {
        check(compact, bundles: bundles.mapValues(\.jwtBundle), now: now)
    }

    // step: jwt-validate
    /// Runs every check that can run and reports each one; `validate` is this plus "throw the
    /// first failure".
    public func check(_ compact: String, bundles: [TrustDomain: JWTBundle], now: Date) -> JWTSVIDVerdict {
        var verdict = JWTSVIDVerdict()

        // 1. The shape: three base64url parts, header and claims JSON objects.
        let parsed: JWTToken
        do {
            parsed = try JWTToken.parse(compact)
            verdict.record(.serialization, .passed(LazyText("three parts; header and claims are JSON objects")))
        } catch {
            verdict.record(.serialization, .failed(error))
            return verdict
        }
        verdict.token = parsed

        // 2. The header, before anything in the token is used.
        let algorithm = verdict.run(.algorithm, detail: { "\($0.rawValue): \($0.summary)" }) { () throws(JWTSVIDError) in
            try JWTSVIDValidator.allowedAlgorithm(parsed.header["alg"])
        }
        verdict.run(.type, detail: { $0 ?? "absent" }) { () throws(JWTSVIDError) -> String? in
            switch parsed.header["typ"] {
            case nil: return nil
            case .string(let typ)? where typ == "JWT" || typ == "JOSE": return typ
            case let other?: throw .typeNotAllowed(other.stringValue ?? other.description)
            }
        }
        verdict.run(.header, detail: { _ in parsed.header.keys.sorted().joined(separator: ", ") }) { () throws(JWTSVIDError) in
            if let extra = parsed.header.keys.filter({ $0 != "alg" && $0 != "kid" && $0 != "typ" }).min() {
                throw .headerNotAllowed(extra)
            }
        }
        let keyID = verdict.run(.keyID, detail: { $0 }) { () throws(JWTSVIDError) in
            guard let kid = parsed.keyID, !kid.isEmpty else { throw .keyIDMissing }
            return kid
        }

        // 3. Who the token claims to be: the trust domain decides which bundle may vouch for it.
        let subject = verdict.run(.subject, detail: { $0.description }) { () throws(JWTSVIDError) in
            try JWTSVIDValidator.spiffeID(parsed.claims["sub"])
        }

        // 4. The key: from the bundle of the subject's own trust domain, by kid, never a default.
        var key: JWTPublicKey?
        if let keyID, let subject {
            key = verdict.run(.key, detail: { "\($0) key '\(keyID)' of \(subject.trustDomain)" }) { () throws(JWTSVIDError) in
                try JWTSVIDValidator.findKey(keyID, for: subject, in: bundles)
            }
        } else {
            verdict.record(.key, .skipped("needs a kid and a SPIFFE ID in sub"))
        }

        // 5. The key must be of the kind alg names: the header does not get to choose.
        var verifiable = false
        if let key, let algorithm {
            verifiable = verdict.run(.keyType, detail: { _ in "\(algorithm.rawValue) with an \(key) key" }) { () throws(JWTSVIDError) in
                guard key.allows(algorithm) else {
                    throw .algorithmDoesNotMatchKey(algorithm: algorithm.rawValue, key: key.description)
                }
                return true
            } ?? false
        } else {
            verdict.record(.keyType, .skipped("needs an allowed alg and a bundle key"))
        }

        // 6. The signature, over the exact characters of header.payload.
        var signed = false
        if verifiable, let key, let algorithm {
            signed = verdict.run(.signature, detail: { _ in "valid \(algorithm.rawValue) signature" }) { () throws(JWTSVIDError) in
                guard try key.verify(signature: parsed.signature, over: parsed.signingInput, algorithm: algorithm) else {
                    throw .signatureInvalid
                }
                return true
            } ?? false
        } else {
            verdict.record(.signature, .skipped("needs a bundle key that matches alg"))
        }

        // 7. The claims every JWT-SVID must carry. Checked even after a failure above, so the
        //    report is complete; a token whose signature failed is rejected all the same.
        let expiry = verdict.run(.expiry, detail: { expiry in
            // Inside the leeway a token has expired already; say so rather than "in 20s".
            expiry >= now ? "expires \(TimeText.iso(expiry)), in \(TimeText.duration(expiry.timeIntervalSince(now)))"
                : "expired \(TimeText.iso(expiry)), \(TimeText.duration(now.timeIntervalSince(expiry))) ago, within the \(TimeText.duration(leeway)) leeway"
        }) { () throws(JWTSVIDError) in
            guard let value = parsed.claims["exp"] else { throw .expirationMissing }
            guard let seconds = value.numberValue else {
                throw .claimWrongType(name: "exp", expected: "a NumericDate (seconds since 1970)", actual: value.typeName)
            }
            let expiry = Date(timeIntervalSince1970: seconds)
            // RFC 7519 §4.1.4: the current time must be *before* exp.
            guard now < expiry.addingTimeInterval(leeway) else { throw .expired(expiry: expiry, now: now) }
            return expiry
        }
        verdict.run(.notBefore, detail: { $0.map { "valid since \(TimeText.iso($0))" } ?? "absent" }) { () throws(JWTSVIDError) -> Date? in
            guard let value = parsed.claims["nbf"] else { return nil }
            guard let seconds = value.numberValue else {
                throw .claimWrongType(name: "nbf", expected: "a NumericDate (seconds since 1970)", actual: value.typeName)
            }
            let notBefore = Date(timeIntervalSince1970: seconds)
            guard now.addingTimeInterval(leeway) >= notBefore else { throw .notYetValid(notBefore: notBefore, now: now) }
            return notBefore
        }
        let audience = self.audience
        let audiences = verdict.run(.audience, detail: { (values: [String]) in
            "contains '\(audience)'" + (values.count > 1 ? " (and \(values.count - 1) more: replayable to them, JWT-SVID §7.2)" : "")
        }) { () throws(JWTSVIDError) in
            let values = try JWTSVIDValidator.audienceValues(parsed.claims["aud"])
            guard values.contains(audience) else { throw .audienceMismatch(expected: audience, actual: values) }
            return values
        }

        if signed, verdict.firstFailure == nil, let subject, let expiry, let audiences, let keyID, let algorithm {
            verdict.svid = JWTSVID(
                spiffeID: subject, audience: audiences, expiry: expiry, claims: parsed.claims,
                token: compact, keyID: keyID, algorithm: algorithm)
        }
        return verdict
    }
    // end-step

    /// `alg` must be a string naming one of the nine algorithms of JWT-SVID §2.1.
    static func allowedAlgorithm(_ value: JSONValue?) throws(JWTSVIDError) -> JWTAlgorithm {
        guard let value else { throw .algorithmMissing }
        guard let name = value.stringValue else { throw .algorithmNotAllowed(value.description) }
        if name.lowercased() == "none" { throw .algorithmNone }
        guard let algorithm = JWTAlgorithm(rawValue: name) else { throw .algorithmNotAllowed(name) }
        return algorithm
    }

    static func spiffeID(_ value: JSONValue?) throws(JWTSVIDError) -> SpiffeID {
        guard let value else { throw .subjectMissing }
        guard let string = value.stringValue else {
            throw .claimWrongType(name: "sub", expected: "a string", actual: value.typeName)
        }
        do { return try SpiffeID(string) } catch {
            throw .subjectNotSpiffeID(string, reason: error.description)
        }
    }

    /// RFC 7519 §4.1.3: `aud` is one string or an array of strings; JWT-SVID §3.2: at least one.
    static func audienceValues(_ value: JSONValue?) throws(JWTSVIDError) -> [String] {
        switch value {
        case nil:
            throw .audienceMissing
        case .string(let one)?:
            return [one]
        case .array(let many)?:
            let strings = many.compactMap(\.stringValue)
            guard strings.count == many.count else {
                throw .claimWrongType(name: "aud", expected: "a string or an array of strings", actual: "an array with other values")
            }
            guard !strings.isEmpty else { throw .audienceMissing }
            return strings
        case let other?:
            throw .claimWrongType(name: "aud", expected: "a string or an array of strings", actual: other.typeName)
        }
    }

    /// The key named `kid` in the bundle of `subject`'s trust domain, and nowhere else.
    static func findKey(
        _ kid: String, for subject: SpiffeID, in bundles: [TrustDomain: JWTBundle]
    ) throws(JWTSVIDError) -> JWTPublicKey {
        if let key = bundles[subject.trustDomain]?.authority(for: kid) { return key }
        // Not in the right bundle. If another trust domain has that kid, the token is that
        // trust domain trying to speak for this one: name it, it is the attack to learn about.
        if let other = bundles.values.sorted(by: { $0.trustDomain < $1.trustDomain })
            .first(where: { $0.trustDomain != subject.trustDomain && $0.authority(for: kid) != nil }) {
            throw .keyFromAnotherTrustDomain(
                kid: kid, keyTrustDomain: other.trustDomain.name, subjectTrustDomain: subject.trustDomain.name)
        }
        guard bundles[subject.trustDomain] != nil else { throw .noBundle(trustDomain: subject.trustDomain.name) }
        throw .unknownKeyID(kid: kid, trustDomain: subject.trustDomain.name)
    }
}
