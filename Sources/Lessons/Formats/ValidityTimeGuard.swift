import SwiftASN1
import X509

/// A certificate whose notBefore or notAfter says second 61 is refused at parse time.
///
/// swift-asn1 accepts seconds up to 61 in UTCTime and GeneralizedTime (it leaves leap seconds
/// unvalidated), while swift-certificates asserts seconds below 61 when it turns a validity time
/// into a `Date`: in a debug build, reading `notValidBefore` of such a certificate traps, so one
/// crafted certificate from a peer or a file ended the process (found by Fuzz/fuzz-certificates).
/// No clock shows second 61 (a UTC leap second is :60), so refusing it loses nothing.
enum ValidityTimeGuard {
    static func check(_ certificate: Certificate) throws(X509Error) {
        guard let tbs = try? DER.parse(certificate.tbsCertificateBytes), case .constructed(let fields) = tbs.content else {
            return  // Certificate(derEncoded:) parsed these bytes; nothing to add
        }
        // TBSCertificate (RFC 5280 §4.1): [0] version (optional), serialNumber, signature,
        // issuer, validity { notBefore, notAfter }, …
        var remaining = Array(fields)
        if let first = remaining.first, first.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific) {
            remaining.removeFirst()
        }
        guard remaining.count > 3, case .constructed(let times) = remaining[3].content else { return }
        for (time, name) in zip(times, ["notBefore", "notAfter"]) {
            guard case .primitive(let text) = time.content else { continue }
            // The seconds: YYMMDDHHMM|SS in UTCTime, YYYYMMDDHHMM|SS in GeneralizedTime.
            let offset: Int
            switch time.identifier {
            case .utcTime: offset = 10
            case .generalizedTime: offset = 12
            default: continue
            }
            guard text.count >= offset + 2 else { continue }
            let seconds = text.dropFirst(offset).prefix(2)
            if seconds.elementsEqual("61".utf8) {
                throw .badDER(source: "certificate", reason: "its \(name) says second 61, which no clock shows")
            }
        }
    }
}
