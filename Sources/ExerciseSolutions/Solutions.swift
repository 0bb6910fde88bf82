import ExerciseKit
import Foundation
import SpiffeIdentity
import X509

/// The reference solutions: what the grader's cases are checked against in CI, and what
/// `workbook solution N` shows. The learner edits Sources/Exercises, never this.
public enum Solutions {
    // solution: leaf-key-usage
    public static func leafKeyUsageProblem(_ leaf: Certificate) throws(ExerciseError) -> String? {
        guard let ext = leaf.extensions[oid: .X509ExtensionID.keyUsage] else {
            return "the key usage extension is missing; every SVID must have one"
        }
        guard ext.critical else { return "the key usage extension is not marked critical" }
        guard let usage = try? KeyUsage(ext) else { return "the key usage extension does not parse" }
        if usage.keyCertSign { return "keyCertSign is set: a leaf SVID must not sign certificates" }
        if usage.cRLSign { return "cRLSign is set: a leaf SVID must not sign revocation lists" }
        if !usage.digitalSignature { return "digitalSignature is missing: the key could not sign a handshake" }
        return nil
    }
    // end-solution

    // solution: peer-authorization
    public static func isAuthorized(_ peer: SpiffeID, _ allowed: AllowedPeers) throws(ExerciseError) -> Bool {
        switch allowed {
        case .exactly(let id): return peer == id
        case .anyOf(let ids): return ids.contains(peer)
        case .memberOf(let trustDomain): return peer.trustDomain == trustDomain
        }
    }
    // end-solution

    // solution: jwt-svid-rules
    public static func brokenJWTSVIDRule(_ token: JWTSVIDFields, audience: String, now: Date) throws(ExerciseError) -> JWTSVIDRule? {
        // The header first: an allow-list of exact names, never a list of names to refuse.
        let allowed: Set<String> = ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512"]
        guard let alg = token.alg, allowed.contains(alg) else { return .alg }
        if let typ = token.typ, typ != "JWT", typ != "JOSE" { return .typ }
        guard let kid = token.kid, !kid.isEmpty else { return .kid }
        // Then the claims: sub must parse as a SPIFFE ID by the ID rules, not look like one.
        guard let sub = token.sub, (try? SpiffeID(sub)) != nil else { return .sub }
        guard let exp = token.exp, now < exp.addingTimeInterval(JWTSVIDRule.leeway) else { return .exp }
        guard token.aud.contains(audience) else { return .aud }
        return nil
    }
    // end-solution

    // solution: bundle-choice
    public static func bundleTrustDomain(for leaf: Certificate, among held: Set<TrustDomain>) throws(ExerciseError) -> TrustDomain? {
        // X509-SVID §2: exactly one URI SAN in all, counted before looking at any scheme.
        guard let names = try? leaf.extensions.subjectAlternativeNames else { return nil }
        var uris: [String] = []
        for case .uniformResourceIdentifier(let uri) in names { uris.append(uri) }
        guard uris.count == 1 else { return nil }
        // It must be a valid SPIFFE ID (SPIFFE-ID §2: no port, userinfo, uppercase, other scheme)
        // that names a workload: a leaf's ID has a path (X509-SVID §3.1).
        guard let id = try? SpiffeID(uris[0]), !id.isTrustDomainRoot else { return nil }
        // The ID's trust domain picks the bundle (bundle spec §3); the issuer is never consulted.
        return held.contains(id.trustDomain) ? id.trustDomain : nil
    }
    // end-solution

    // solution: workload-id-path
    public static func workloadPathProblem(_ path: String) throws(ExerciseError) -> WorkloadPathRule? {
        // A workload's ID has a path (X509-SVID §3.1), and a path starts with '/'.
        if path.isEmpty { return .empty }
        guard path.hasPrefix("/") else { return .notAbsolute }
        // Keep the empty pieces: "/a//b/" splits into "", "a", "", "b", "". The first piece is
        // what comes before the leading '/', so it goes; every other piece is a segment.
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        for (position, segment) in segments.enumerated() {
            for scalar in segment.unicodeScalars {
                switch scalar {
                case "a"..."z", "A"..."Z", "0"..."9", ".", "-", "_": continue
                case "%": return .percentEncoding
                default: return .badCharacter
                }
            }
            if segment.isEmpty { return position == segments.count - 1 ? .trailingSlash : .emptySegment }
            if segment == "." || segment == ".." { return .dotSegment }
        }
        return nil
    }
    // end-solution

    // solution: endpoint-socket
    public static func parseEndpointSocket(_ value: String) throws(ExerciseError) -> EndpointAddress? {
        // A URI: the scheme ends at the first ':'. No query, no fragment, in either form.
        guard let colon = value.firstIndex(of: ":") else { return nil }
        let scheme = value[..<colon]
        let rest = value[value.index(after: colon)...]
        if rest.contains("?") || rest.contains("#") { return nil }

        switch scheme {
        case "unix":
            // unix:///abs/path (an empty authority) or unix:/abs/path (none at all).
            var path = rest
            if rest.hasPrefix("//") {
                let afterSlashes = rest.dropFirst(2)
                let authorityEnd = afterSlashes.firstIndex(of: "/") ?? afterSlashes.endIndex
                guard afterSlashes[..<authorityEnd].isEmpty else { return nil }   // a host, or userinfo
                path = afterSlashes[authorityEnd...]
            }
            guard path.hasPrefix("/"), path != "/" else { return nil }        // relative, or no path
            return .unix(path: String(path))

        case "tcp":
            // tcp://IP:PORT and nothing else: no userinfo, no path.
            guard rest.hasPrefix("//") else { return nil }
            let authority = rest.dropFirst(2)
            if authority.contains("/") || authority.contains("@") { return nil }
            let host: Substring, port: Substring
            if authority.hasPrefix("[") {
                // An IPv6 address is written in brackets: [::1]:8081.
                guard let close = authority.firstIndex(of: "]") else { return nil }
                host = authority[authority.index(after: authority.startIndex)..<close]
                let afterHost = authority[authority.index(after: close)...]
                guard afterHost.hasPrefix(":") else { return nil }
                port = afterHost.dropFirst()
                var address = in6_addr()
                guard inet_pton(AF_INET6, String(host), &address) == 1 else { return nil }
            } else {
                guard let portColon = authority.lastIndex(of: ":") else { return nil }
                host = authority[..<portColon]
                port = authority[authority.index(after: portColon)...]
                var address = in_addr()
                guard inet_pton(AF_INET, String(host), &address) == 1 else { return nil }
            }
            guard !port.isEmpty, port.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let number = Int(port), (1...65535).contains(number) else { return nil }
            return .tcp(ip: String(host), port: number)

        default:
            return nil
        }
    }
    // end-solution
}
