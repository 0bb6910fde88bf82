import Foundation
import FuzzSupport
import SpiffeFormats
import SpiffeIdentity
import SpiffeX509

// Certificates and chains as a peer or a file hands them over: PEM or concatenated DER, then
// the six X509-SVID checks against a fixed bundle. A chain longer than the toolkit's limit must
// be refused, not walked.
let trustDomain = try! TrustDomain("example.org")
let ca = try! CertificateAuthority(trustDomain: trustDomain, now: Date(timeIntervalSince1970: 1_800_000_000))

runFuzzer { bytes in
    _ = try? ParsedCertificates.certificate(derEncoded: bytes)
    if let chain = try? PEM.certificates(from: Data(bytes), source: "fuzz") {
        _ = try? PEM.encode(chain)
    }
    let report = blocking {
        await SVIDValidator.validate(data: Data(bytes), source: "fuzz", bundles: ca.bundle, expect: .any,
                                     at: Date(timeIntervalSince1970: 1_800_000_100))
    }
    // Nothing the fuzzer writes is signed by this CA's key, which it never sees.
    require(!report.isValid, "an input the CA never signed passed validation")
}
