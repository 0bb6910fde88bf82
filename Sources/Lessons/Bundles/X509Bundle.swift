import Foundation
import SpiffeFormats
import SpiffeIdentity
import X509

/// The X.509 part of a trust bundle: the CA certificates a trust domain's SVIDs chain to.
///
/// A bundle belongs to exactly one trust domain. Validating an SVID means choosing the bundle of
/// the SVID's *own* trust domain first; a certificate that chains to another trust domain's CA is
/// not a valid SVID of that trust domain, whatever its URI SAN says.
public struct X509Bundle: Sendable {
    public let trustDomain: TrustDomain
    public var authorities: [Certificate] {
        didSet { prepare() }
    }
    /// The authorities as the path builder's root store, built once per bundle rather than once
    /// per validation (a TLS server validates with the same bundle on every handshake).
    public private(set) var rootStore: CertificateStore
    /// Each authority with what the SPIFFE signing-certificate rules say of it, judged once.
    package private(set) var judgedAuthorities: [(certificate: Certificate, problem: String?)] = []

    public init(trustDomain: TrustDomain, authorities: [Certificate]) {
        self.trustDomain = trustDomain
        self.authorities = authorities
        self.rootStore = CertificateStore(authorities)
        prepare()
    }

    private mutating func prepare() {
        rootStore = CertificateStore(authorities)
        judgedAuthorities = authorities.map { ($0, SigningCertificateRules.problem(with: $0)) }
    }

    /// Reads a bundle from PEM or concatenated DER.
    public init(trustDomain: TrustDomain, data: Data, source: String) throws(X509Error) {
        self.init(trustDomain: trustDomain, authorities: try PEM.certificates(from: data, source: source))
    }

    /// The bundle as concatenated DER (the Workload API's `bundle` field).
    public func der() throws -> [UInt8] { try PEM.der(authorities) }

    /// The bundle as PEM, one CERTIFICATE block per authority.
    public func pem() throws -> String { try PEM.encode(authorities) }
}
