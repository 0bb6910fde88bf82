/// Why a document is not a usable SPIFFE bundle (or JWKS), in words a learner can act on.
public enum SpiffeBundleError: Error, Equatable, Sendable, CustomStringConvertible {
    case notJSON(source: String)
    case keysMissing(source: String)
    case badMember(source: String, name: String, reason: String)
    case badKey(source: String, index: Int, reason: String)
    case jwtKeyWithoutKeyID(source: String, index: Int)
    case duplicateKeyID(source: String, kid: String)
    case badCertificate(source: String, index: Int, reason: String)
    case certificateKeyMismatch(source: String, index: Int)
    case unsupportedAuthorityKey(String)

    public var description: String {
        switch self {
        case .notJSON(let source):
            return "\(source): not a JSON object, so not a SPIFFE bundle (a bundle is a JWK Set, bundle spec §4)"
        case .keysMissing(let source):
            return "\(source): the 'keys' member is missing or not an array; it must be present (bundle spec §4.1.3)"
        case .badMember(let source, let name, let reason):
            return "\(source): '\(name)' \(reason) (bundle spec §4.1)"
        case .badKey(let source, let index, let reason):
            return "\(source): keys[\(index)]: \(reason)"
        case .jwtKeyWithoutKeyID(let source, let index):
            return "\(source): keys[\(index)] is a jwt-svid key without a 'kid'; JWT authorities need one to be found"
        case .duplicateKeyID(let source, let kid):
            return "\(source): two JWT authorities share kid '\(kid)'; a kid must pick exactly one key"
        case .badCertificate(let source, let index, let reason):
            return "\(source): keys[\(index)].x5c[0] is not a DER certificate: \(reason) (X509-SVID §6.1)"
        case .certificateKeyMismatch(let source, let index):
            return "\(source): keys[\(index)] has key numbers that differ from its x5c certificate's key"
        case .unsupportedAuthorityKey(let reason):
            return "cannot put this authority in a bundle: \(reason)"
        }
    }
}
