import Foundation
import SpiffeFormats
import SpiffeIdentity
import X509

/// An X509-SVID: a certificate chain whose leaf carries a SPIFFE ID, and the leaf's private key.
///
/// The chain is leaf first, then any intermediates up to (not including) the root, exactly as
/// the Workload API's `x509_svid` field carries it.
public struct X509SVID: Sendable {
    public let spiffeID: SpiffeID
    public let chain: [Certificate]
    public let privateKey: Certificate.PrivateKey
    /// An optional operator-chosen label from the Workload API (`hint`), e.g. "internal".
    public var hint: String

    public var leaf: Certificate { chain[0] }

    public init(spiffeID: SpiffeID, chain: [Certificate], privateKey: Certificate.PrivateKey, hint: String = "") {
        precondition(!chain.isEmpty, "an SVID has at least its leaf certificate")
        self.spiffeID = spiffeID
        self.chain = chain
        self.privateKey = privateKey
        self.hint = hint
    }

    /// Builds an SVID from the Workload API's wire form: concatenated DER chain and PKCS#8 key.
    /// The SPIFFE ID is read from the leaf's URI SAN, never taken on trust from elsewhere.
    public init(chainDER: [UInt8], privateKeyDER: [UInt8], hint: String = "") throws(X509Error) {
        let chain = try PEM.certificates(fromDER: chainDER, source: "x509_svid")
        let key = try PEM.privateKey(from: Data(privateKeyDER), source: "x509_svid_key")
        guard key.publicKey == chain[0].publicKey else { throw .keyDoesNotMatchCertificate }
        self.init(spiffeID: try CertificateNames.spiffeID(of: chain[0]), chain: chain, privateKey: key, hint: hint)
    }

    /// The chain as concatenated DER (the Workload API's `x509_svid`).
    public func chainDER() throws -> [UInt8] { try PEM.der(chain) }

    /// The private key as PKCS#8 DER (the Workload API's `x509_svid_key`).
    public func privateKeyDER() throws -> [UInt8] { try PEM.pkcs8DER(privateKey) }
}
