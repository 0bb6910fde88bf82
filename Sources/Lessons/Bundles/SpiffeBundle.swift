import Foundation
import SpiffeFormats
import SpiffeIdentity
import X509

/// A trust domain's SPIFFE bundle: every key that vouches for its SVIDs, of both kinds.
///
/// On the wire a bundle is a JWK Set (SPIFFE Trust Domain and Bundle §4) with two extra members,
/// `spiffe_sequence` and `spiffe_refresh_hint`, and one JWK per authority:
///
/// * an X.509 CA certificate is a key with `"use": "x509-svid"`, its certificate in `x5c` and
///   no `kid` (X509-SVID §6.1);
/// * a JWT signing key is a key with `"use": "jwt-svid"` and a `kid` (JWT-SVID §6.1; the
///   token's `kid` header picks it).
///
/// The JWK Set does not say which trust domain it belongs to. That pairing is recorded apart
/// from the document (§3: keep `<trust_domain_name, bundle>` tuples), which is why every
/// initializer here takes the trust domain as a separate argument.
public struct SpiffeBundle: Sendable, Equatable {
    public let trustDomain: TrustDomain
    /// CA certificates for X509-SVIDs.
    public var x509Authorities: [Certificate]
    /// JWT authorities by key ID.
    public var jwtAuthorities: [String: JWTPublicKey]
    /// `spiffe_sequence`: increases whenever the content changes (§4.1.1).
    public var sequenceNumber: UInt64?
    /// `spiffe_refresh_hint`: how often, in seconds, a consumer should check for updates (§4.1.2).
    public var refreshHint: Int?

    /// Five minutes: the interval the bundle spec suggests when no hint is given (§6.1), and
    /// short enough that a removed key stops being trusted quickly.
    public static let defaultRefreshHint = 300

    public init(
        trustDomain: TrustDomain,
        x509Authorities: [Certificate] = [],
        jwtAuthorities: [String: JWTPublicKey] = [:],
        sequenceNumber: UInt64? = nil,
        refreshHint: Int? = nil
    ) {
        self.trustDomain = trustDomain
        self.x509Authorities = x509Authorities
        self.jwtAuthorities = jwtAuthorities
        self.sequenceNumber = sequenceNumber
        self.refreshHint = refreshHint
    }

    /// The X.509 half, as the X.509 code uses it.
    public var x509Bundle: X509Bundle {
        X509Bundle(trustDomain: trustDomain, authorities: x509Authorities)
    }

    /// The JWT authority for `kid`, if this bundle has it.
    public func jwtAuthority(for kid: String) -> JWTPublicKey? { jwtAuthorities[kid] }

    /// Two formats are in use for the same keys.
    public enum Format: String, Sendable, CaseIterable {
        /// A SPIFFE bundle: every key says its `use`, keys without a known use are ignored.
        case spiffe
        /// A plain JWKS of JWT authorities, as the Workload API's `FetchJWTBundles` and an OIDC
        /// provider's `jwks_uri` serve it: no `use` (or `sig`), no `spiffe_*` members.
        case jwks
    }
}

// MARK: - Writing

extension SpiffeBundle {
    // step: bundle-show
    /// The bundle as a SPIFFE bundle document (§4): both kinds of authority, each key saying what
    /// it may be used for, plus the sequence number and refresh hint.
    public func spiffeJSON(pretty: Bool = true) throws(SpiffeBundleError) -> Data {
        var keys: [JWK] = []
        for certificate in x509Authorities {
            guard let key = JWTPublicKey(certificate.publicKey) else {
                throw .unsupportedAuthorityKey("a CA certificate's key is neither EC P-256/384/521 nor RSA")
            }
            // x509-svid: the key numbers, the certificate itself in x5c (standard base64 DER,
            // exactly one certificate), and no kid (X509-SVID §6.1).
            var jwk = key.jwk(use: "x509-svid")
            jwk.x5c = [Data(SpiffeBundle.der(certificate)).base64EncodedString()]
            keys.append(jwk)
        }
        for (kid, key) in jwtAuthorities.sorted(by: { $0.key < $1.key }) {
            // jwt-svid: the key numbers and the kid a token's header names it by.
            keys.append(key.jwk(use: "jwt-svid", kid: kid))
        }
        let document = Document(
            keys: keys,
            spiffe_refresh_hint: refreshHint ?? SpiffeBundle.defaultRefreshHint,
            spiffe_sequence: sequenceNumber ?? 1)
        return JSONValue.encode(document, pretty: pretty)
    }
    // end-step

    /// Only the JWT authorities, as a standard JWKS: what the Workload API's `FetchJWTBundles`
    /// carries for each trust domain. Like SPIRE's agent, it leaves out `use` and the `spiffe_*`
    /// members, so any JWT library can read it.
    public func jwksJSON(pretty: Bool = false) -> Data {
        let keys = jwtAuthorities.sorted(by: { $0.key < $1.key }).map { $0.value.jwk(kid: $0.key) }
        return JSONValue.encode(["keys": keys], pretty: pretty)
    }

    /// The X.509 authorities as PEM, one CERTIFICATE block each (SPIRE's `bundle.0.pem`).
    public func pem() throws -> String { try x509Bundle.pem() }

    private struct Document: Encodable {
        var keys: [JWK]
        var spiffe_refresh_hint: Int
        var spiffe_sequence: UInt64
    }

    static func der(_ certificate: Certificate) -> [UInt8] {
        // A parsed or freshly built certificate always serializes.
        (try? PEM.der([certificate])) ?? []
    }
}

// MARK: - Reading

extension SpiffeBundle {
    /// Parses a SPIFFE bundle or a JWKS for `trustDomain`.
    ///
    /// With `format: nil` the format is recognised: a document whose keys say `x509-svid` or
    /// `jwt-svid`, or that has `spiffe_*` members, is a SPIFFE bundle; anything else is a JWKS.
    public init(
        json data: Data, trustDomain: TrustDomain, format: Format? = nil, source: String = "bundle"
    ) throws(SpiffeBundleError) {
        guard case .object(let document)? = try? JSONDecoder().decode(JSONValue.self, from: data) else {
            throw .notJSON(source: source)
        }
        // `keys` MUST be present (§4.1.3). An empty array is a valid bundle that trusts nothing.
        guard case .array(let entries)? = document["keys"] else { throw .keysMissing(source: source) }
        let format = format ?? SpiffeBundle.recognise(document: document, entries: entries)

        var x509Authorities: [Certificate] = []
        var jwtAuthorities: [String: JWTPublicKey] = [:]
        for (index, entry) in entries.enumerated() {
            let jwk: JWK
            do {
                jwk = try JSONDecoder().decode(JWK.self, from: JSONValue.encode(entry, pretty: false))
            } catch {
                throw .badKey(source: source, index: index, reason: "not a JWK object with string members")
            }
            switch SpiffeBundle.role(of: jwk, in: format) {
            case .ignored:
                // Unknown `use` or `kty`: the spec says MUST ignore, not fail (§4.1.3, §4.2).
                continue
            case .x509:
                if let certificate = try SpiffeBundle.x509Authority(jwk, index: index, source: source) {
                    x509Authorities.append(certificate)
                }
            case .jwt:
                let key: JWTPublicKey?
                do { key = try JWTPublicKey(jwk: jwk) } catch {
                    throw .badKey(source: source, index: index, reason: error.reason)
                }
                guard let key else { continue }   // an unknown curve: ignored like an unknown kty
                guard let kid = jwk.kid, !kid.isEmpty else {
                    throw .jwtKeyWithoutKeyID(source: source, index: index)
                }
                guard jwtAuthorities[kid] == nil else { throw .duplicateKeyID(source: source, kid: kid) }
                jwtAuthorities[kid] = key
            }
        }

        self.init(
            trustDomain: trustDomain,
            x509Authorities: x509Authorities,
            jwtAuthorities: jwtAuthorities,
            sequenceNumber: try SpiffeBundle.sequence(in: data, document: document, source: source),
            refreshHint: try SpiffeBundle.refreshHint(in: document, source: source))
    }

    private enum Role { case x509, jwt, ignored }

    private static func role(of jwk: JWK, in format: Format) -> Role {
        guard jwk.kty == "EC" || jwk.kty == "RSA" else { return .ignored }
        switch (jwk.use, format) {
        case ("x509-svid"?, _): return .x509
        case ("jwt-svid"?, _): return .jwt
        // A plain JWKS (Workload API, OIDC provider) lists signing keys with no use, or "sig".
        case (nil, .jwks), ("sig"?, .jwks): return .jwt
        default: return .ignored
        }
    }

    private static func recognise(document: [String: JSONValue], entries: [JSONValue]) -> Format {
        if document["spiffe_sequence"] != nil || document["spiffe_refresh_hint"] != nil { return .spiffe }
        for case .object(let key) in entries {
            if let use = key["use"]?.stringValue, use == "x509-svid" || use == "jwt-svid" { return .spiffe }
        }
        return .jwks
    }

    /// X509-SVID §6.2: an `x509-svid` entry without `x5c` (or with an empty one) is ignored; of
    /// several values only the first counts.
    private static func x509Authority(_ jwk: JWK, index: Int, source: String) throws(SpiffeBundleError) -> Certificate? {
        guard let first = jwk.x5c?.first else { return nil }
        guard let der = Data(base64Encoded: first) else {
            throw .badCertificate(source: source, index: index, reason: "x5c holds standard base64 (RFC 7517 §4.7), and this is not")
        }
        let certificate: Certificate
        do { certificate = try ParsedCertificates.certificate(derEncoded: Array(der)) } catch {
            throw .badCertificate(source: source, index: index, reason: String(describing: error))
        }
        // The key numbers beside x5c must be the certificate's own key; otherwise a reader that
        // trusts the numbers and one that trusts the certificate would disagree.
        let stated: JWTPublicKey?
        do { stated = try JWTPublicKey(jwk: jwk) } catch {
            throw .badKey(source: source, index: index, reason: error.reason)
        }
        if let stated, stated != JWTPublicKey(certificate.publicKey) {
            throw .certificateKeyMismatch(source: source, index: index)
        }
        return certificate
    }

    private static func sequence(in data: Data, document: [String: JSONValue], source: String) throws(SpiffeBundleError) -> UInt64? {
        guard document["spiffe_sequence"] != nil else { return nil }
        // Decoded on its own so that the full 64 unsigned bits survive (§4.1.1).
        struct Sequence: Decodable { let spiffe_sequence: UInt64 }
        guard let value = try? JSONDecoder().decode(Sequence.self, from: data) else {
            throw .badMember(source: source, name: "spiffe_sequence", reason: "must be a non-negative integer")
        }
        return value.spiffe_sequence
    }

    private static func refreshHint(in document: [String: JSONValue], source: String) throws(SpiffeBundleError) -> Int? {
        switch document["spiffe_refresh_hint"] {
        case nil: return nil
        case .integer(let seconds)? where seconds >= 0 && seconds <= Int64(Int32.max): return Int(seconds)
        default: throw .badMember(source: source, name: "spiffe_refresh_hint", reason: "must be a whole number of seconds")
        }
    }
}
