/// What can go wrong reading or building X.509 material, in words a learner can act on.
public enum X509Error: Error, Equatable, Sendable, CustomStringConvertible {
    case noCertificates(source: String)
    case badPEM(source: String, reason: String)
    case badDER(source: String, reason: String)
    case badPrivateKey(source: String, reason: String)
    case keyDoesNotMatchCertificate
    case notACertificateAuthority(String)
    case unsupportedKey(String)
    case noSpiffeID(String)
    case invalidSpiffeID(String)
    case fileProblem(path: String, reason: String)

    public var description: String {
        switch self {
        case .noCertificates(let source):
            return "\(source): no certificate found (expected PEM 'CERTIFICATE' blocks or DER)"
        case .badPEM(let source, let reason):
            return "\(source): not valid PEM: \(reason)"
        case .badDER(let source, let reason):
            return "\(source): not a valid X.509 certificate: \(reason)"
        case .badPrivateKey(let source, let reason):
            return "\(source): not a usable private key: \(reason)"
        case .keyDoesNotMatchCertificate:
            return "the private key does not belong to the certificate"
        case .notACertificateAuthority(let reason):
            return "that certificate cannot sign SVIDs: \(reason)"
        case .unsupportedKey(let reason):
            return "unsupported key: \(reason)"
        case .noSpiffeID(let reason):
            return "no SPIFFE ID in the certificate: \(reason)"
        case .invalidSpiffeID(let reason):
            return "the certificate's SPIFFE ID is invalid: \(reason)"
        case .fileProblem(let path, let reason):
            return "\(path): \(reason)"
        }
    }
}
