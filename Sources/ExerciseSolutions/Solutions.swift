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

    // solution: role-trust-policy
    public static func roleTrustDecision(_ claims: WebIdentityClaims, _ policy: RoleTrustPolicy, now: Date) throws(ExerciseError) -> TrustDecision {
        /// IAM's StringLike: `*` is any run of characters (slashes too, or none), `?` exactly one,
        /// everything else itself. Walk both strings; at a `*`, remember where it was and where
        /// the value stood, and when a later character fails, let that `*` take one more.
        func stringLike(_ value: String, _ pattern: String) -> Bool {
            let value = Array(value), pattern = Array(pattern)
            var v = 0, p = 0
            var star: Int?       // the pattern position just after the last `*` seen
            var resume = 0       // where in value that `*`'s match currently ends
            while v < value.count {
                if p < pattern.count, pattern[p] == "*" {
                    p += 1
                    star = p
                    resume = v
                } else if p < pattern.count, pattern[p] == "?" || pattern[p] == value[v] {
                    p += 1
                    v += 1
                } else if let afterStar = star {
                    resume += 1
                    v = resume
                    p = afterStar
                } else {
                    return false
                }
            }
            // What is left of the pattern may only be stars, which match nothing.
            while p < pattern.count, pattern[p] == "*" { p += 1 }
            return p == pattern.count
        }

        // The provider, and with it the keys, is found by iss: one whole string, as registered.
        // No URL parsing, no trimming, no case folding (OpenID Connect Discovery §4.3).
        guard claims.iss == "https://" + policy.provider else { return .deny(.issuer) }
        guard let exp = claims.exp, now < exp else { return .deny(.expired) }
        // StringEquals on <provider>:aud: one value of the list is enough, compared exactly.
        guard claims.aud.contains(policy.audience) else { return .deny(.audience) }
        // StringLike on <provider>:sub: any one pattern, matched against the whole sub.
        guard let sub = claims.sub, policy.subjectPatterns.contains(where: { stringLike(sub, $0) }) else {
            return .deny(.subject)
        }
        return .allow
    }
    // end-solution

    // solution: renewal-due
    public static func renewalAdvice(for leaf: Certificate, at now: Date) throws(ExerciseError) -> RenewalAdvice {
        // The lifetime is the certificate's own window, backdate and cap included, never the TTL
        // that was asked for: that is what SPIRE's agent halves.
        let lifetime = leaf.notValidAfter.timeIntervalSince(leaf.notValidBefore)
        let left = leaf.notValidAfter.timeIntervalSince(now)
        guard lifetime > 0 else { return RenewalAdvice(fractionLeft: 0, renewNow: true) }
        // Before notBefore more than the whole lifetime is "left"; after notAfter less than none.
        let fraction = min(1, max(0, left / lifetime))
        // At most half left (SPIRE: ttl <= halfLife), and an expired SVID is due at once.
        return RenewalAdvice(fractionLeft: fraction, renewNow: left <= lifetime / 2)
    }
    // end-solution

    // solution: published-chain
    public static func publishedPath(_ presented: [Certificate], bundle: [Certificate]) throws(ExerciseError) -> [Certificate]? {
        // RFC 5280 §6.1.4(k): only a certificate whose basic constraints say cA true may issue.
        func isCA(_ certificate: Certificate) -> Bool {
            if case .isCertificateAuthority = try? certificate.extensions.basicConstraints { return true }
            return false
        }
        // Names can be copied by anyone; only the issuer's key makes the signature verify.
        func issued(_ child: Certificate, by issuer: Certificate) -> Bool {
            child.issuer == issuer.subject && issuer.publicKey.isValidSignature(child.signature, for: child)
        }
        // RFC 8446 §4.4.2: the sender's own certificate comes first; for an SVID peer, a leaf.
        guard let leaf = presented.first, !isCA(leaf) else { return nil }
        // Every other presented certificate may help, in any order; extras are ignored.
        let intermediates = presented.dropFirst().filter(isCA)

        // Depth first: a bundle CA ends the path; otherwise try each presented CA that issued
        // the certificate at the top, and go back when one leads nowhere (a cross-signed copy).
        // A certificate already on the path is never taken again, so a loop cannot run forever.
        func extend(_ path: [Certificate]) -> [Certificate]? {
            let top = path[path.count - 1]
            if let anchor = bundle.first(where: { issued(top, by: $0) }) { return path + [anchor] }
            for candidate in intermediates where !path.contains(candidate) && issued(top, by: candidate) {
                if let whole = extend(path + [candidate]) { return whole }
            }
            return nil
        }
        return extend([leaf])
    }
    // end-solution

    // solution: chain-to-bundle
    public static func pathToBundle(
        leaf: Certificate, presented: [Certificate], authorities: [Certificate], at time: Date, maximumLength: Int
    ) throws(ExerciseError) -> [Certificate]? {
        // May `issuer` have signed `certificate`? Its name and its key must both say so (a name
        // is only a label), it must be a CA (RFC 5280 §6.1.4(k)) with keyCertSign if it has a key
        // usage (§6.1.4(n)), and it must be valid at the validation time (§6.1.3(a)(2)).
        func signed(_ certificate: Certificate, by issuer: Certificate) -> Bool {
            guard issuer.subject == certificate.issuer,
                  issuer.publicKey.isValidSignature(certificate.signature, for: certificate) else { return false }
            guard case .isCertificateAuthority? = try? issuer.extensions.basicConstraints else { return false }
            if let usage = try? issuer.extensions.keyUsage, !usage.keyCertSign { return false }
            return issuer.notValidBefore <= time && time <= issuer.notValidAfter
        }
        var path = [leaf]
        // Room for one more certificate: the next one may be the bundle CA that ends the path.
        while path.count < maximumLength {
            let current = path[path.count - 1]
            // Only a CA of the bundle ends a path; nothing the peer sent is trusted by itself.
            if let anchor = authorities.first(where: { signed(current, by: $0) }) { return path + [anchor] }
            // Otherwise one of the peer's certificates, each at most once, so a loop ends here.
            guard let next = presented.first(where: { !path.contains($0) && signed(current, by: $0) }) else { return nil }
            path.append(next)
        }
        return nil
    }
    // end-solution

    // solution: join-token-decision
    public static func joinTokenDecision(
        presented: String, stored: [StoredJoinToken], trustDomain: TrustDomain, now: Date
    ) throws(ExerciseError) -> JoinTokenDecision {
        // Exactly this value: a prefix, or the empty string, is not a token the server made.
        guard let index = stored.firstIndex(where: { $0.value == presented }) else {
            return JoinTokenDecision(outcome: .refused(.unknownOrUsed), remaining: stored)
        }
        // Spent before anything else is decided, so that even an expired token is gone for good,
        // as SPIRE deletes it before it looks at the expiry.
        var remaining = stored
        let token = remaining.remove(at: index)
        guard token.expiresAt > now else {
            return JoinTokenDecision(outcome: .refused(.expired), remaining: remaining)
        }
        // The ID is made from the server's own trust domain and the token itself.
        guard let agentID = try? SpiffeID(trustDomain: trustDomain, path: "/spire/agent/join_token/\(token.value)") else {
            // Not reachable with the server's own tokens (UUIDs); refuse rather than invent an ID.
            return JoinTokenDecision(outcome: .refused(.unknownOrUsed), remaining: remaining)
        }
        return JoinTokenDecision(outcome: .attested(agentID), remaining: remaining)
    }
    // end-solution

    // solution: aws-iid-decision
    public static func awsIIDDecision(
        _ document: IIDFields, trustDomain: TrustDomain, allowedAccounts: Set<String>, attested: Set<SpiffeID>
    ) throws(ExerciseError) -> IIDDecision {
        // The allow-list: whole account IDs; an empty list admits any account.
        if !allowedAccounts.isEmpty, !allowedAccounts.contains(document.accountId) {
            return .refused(.accountNotAllowed)
        }
        // Each field must be exactly one segment. A '/' would not make the ID invalid, only a
        // different one, so SpiffeID cannot catch it; empty fields and the rest (`..`, spaces, …)
        // it would, but saying so first keeps the reason plain.
        let fields = [document.accountId, document.region, document.instanceId]
        guard fields.allSatisfy({ !$0.isEmpty && !$0.contains("/") }),
              let id = try? SpiffeID(trustDomain: trustDomain, path: "/spire/agent/aws_iid/" + fields.joined(separator: "/"))
        else { return .refused(.badField) }
        // Trust on first use: the agent ID is the key, compared whole.
        if attested.contains(id) { return .refused(.alreadyAttested) }
        return .agent(id)
    }
    // end-solution

    // solution: agent-sync-plan
    public static func agentSyncPlan(held: [HeldSVID], authorized: [AuthorizedEntry], now: Date) throws(ExerciseError) -> SyncPlan {
        // The cache is keyed by entry ID, as SPIRE's is: two entries may give one SPIFFE ID, and
        // an entry deleted and created again is a new entry, whatever its SPIFFE ID.
        var byEntry: [String: HeldSVID] = [:]
        for svid in held { byEntry[svid.entryID] = svid }
        var plan = SyncPlan()
        for entry in authorized {
            guard let svid = byEntry[entry.entryID] else {
                plan.csrFor.insert(entry.entryID)                  // new: nothing held yet
                continue
            }
            if svid.entryRevision != entry.revision {
                plan.csrFor.insert(entry.entryID)                  // changed since it was signed
                continue
            }
            // Due at half of the certificate's own window (SPIRE's shouldRotateX509 without its
            // jitter): the 10 s backdate counts, and a CA's cap shortens it. The entry's TTL is
            // what was asked for, not what the certificate got.
            let lifetime = svid.notAfter.timeIntervalSince(svid.notBefore)
            let left = svid.notAfter.timeIntervalSince(now)
            if left <= lifetime / 2 { plan.csrFor.insert(entry.entryID) }
        }
        // An SVID whose entry is gone is dropped, never renewed.
        let authorizedIDs = Set(authorized.map(\.entryID))
        for svid in held where !authorizedIDs.contains(svid.entryID) { plan.drop.insert(svid.entryID) }
        return plan
    }
    // end-solution

    // solution: server-config-check
    public static func serverConfigProblem(_ block: ServerConfigBlock) throws(ExerciseError) -> ServerConfigProblem? {
        // 1. What SPIRE cannot start without: written, and not "" (validateConfig compares with "").
        for key in ["trust_domain", "data_dir"] where (block[key] ?? "").isEmpty {
            return .missing(key)
        }
        // 2. The lifetimes, in the order SPIRE parses them; "" means "not written", as in SPIRE.
        var seconds: [String: Double] = [:]
        for key in ["agent_ttl", "default_x509_svid_ttl", "default_jwt_svid_ttl", "ca_ttl"] {
            guard let text = block[key], !text.isEmpty else { continue }
            guard let value = SpireServerSettings.durationSeconds(text) else { return .notADuration(key) }
            seconds[key] = value
        }
        // 3. Keys SPIRE does not know; it lists them sorted, so name the first (a Dictionary's own
        //    order changes from run to run).
        let unknown = block.settings.keys.filter { !SpireServerSettings.knownKeys.contains($0) }.sorted()
        if let first = unknown.first { return .unknownKey(first) }
        // 4. Only a warning: a TTL a CA rotation could cut short. Unwritten lifetimes take
        //    SPIRE's defaults; the limit is a sixth of the CA's, and never more than 7 days.
        let limit = min((seconds["ca_ttl"] ?? 24 * 3600) / 6, 7 * 24 * 3600)
        if (seconds["default_x509_svid_ttl"] ?? 3600) > limit { return .tooLongForCATTL("default_x509_svid_ttl") }
        if (seconds["default_jwt_svid_ttl"] ?? 300) > limit { return .tooLongForCATTL("default_jwt_svid_ttl") }
        if let agent = seconds["agent_ttl"], agent > limit { return .tooLongForCATTL("agent_ttl") }
        return nil
    }
    // end-solution

    // solution: entry-matching
    public static func matchingIdentities(workload: Set<String>, entries: [CachedEntry]) throws(ExerciseError) -> [SpiffeID] {
        entries
            // AND inside an entry. allSatisfy is true for an empty list, so an entry without
            // selectors is excluded first: SPIRE's cache never even finds one as a candidate.
            .filter { entry in !entry.selectors.isEmpty && entry.selectors.allSatisfy { workload.contains($0) } }
            // SPIRE's order: entry IDs compared as Go compares strings, byte by byte.
            .sorted { $0.entryID.utf8.lexicographicallyPrecedes($1.entryID.utf8) }
            // One SVID per matching entry (OR across entries), the same SPIFFE ID twice included.
            .map(\.spiffeID)
    }
    // end-solution

    // solution: leaf-matches-entry
    public static func leafMismatch(_ leaf: Certificate, for issuance: EntryIssuance) throws(ExerciseError) -> LeafMismatch? {
        // 1 and 2. Only URI names count (a DNS name is no SPIFFE ID), and there must be exactly
        // one (X509-SVID §2). Compared as a whole ID: trust domain and path, case and all.
        let names = (try? leaf.extensions.subjectAlternativeNames) ?? SubjectAlternativeNames()
        let uris = names.compactMap { name -> String? in
            if case .uniformResourceIdentifier(let uri) = name { return uri }
            return nil
        }
        guard uris.count == 1 else { return .uriSANCount }
        guard let id = try? SpiffeID(uris[0]), id == issuance.spiffeID else { return .spiffeID }

        // 3. SPIRE's computeCappedLifetime: notBefore = now - 10 s, notAfter = now + TTL, but never
        // past the CA. An entry's TTL of 0 means the server's default_x509_svid_ttl.
        let ttl = issuance.x509SVIDTTL > 0 ? issuance.x509SVIDTTL : issuance.defaultX509SVIDTTL
        let expectedNotAfter = min(leaf.notValidBefore + 10 + TimeInterval(ttl), issuance.caNotAfter)
        guard leaf.notValidAfter == expectedNotAfter else { return .lifetime }

        // 4. credtemplate's DefaultX509SVIDSubject, compared as a name, not as text.
        let spireSubject = try? DistinguishedName {
            CountryName("US")
            OrganizationName("SPIRE")
        }
        guard leaf.subject == spireSubject else { return .subject }

        // 5. X509-SVID §4.1: a leaf sets cA false, and SPIRE always writes the extension.
        guard (try? leaf.extensions.basicConstraints) == .notCertificateAuthority else { return .ca }
        return nil
    }
    // end-solution

    // solution: credential-risk
    public static func credentialRisk(_ credential: InventoryCredential) throws(ExerciseError) -> CredentialRisk {
        // Each factor on a scale of 1 (low) to 3 (high).
        let lifetime: Int
        switch credential.lifetime {
        case nil: lifetime = 3                                   // no expiry is the longest band
        case let seconds? where seconds <= 86_400: lifetime = 1  // each band includes its upper end
        case let seconds? where seconds <= 7_776_000: lifetime = 2
        case _?: lifetime = 3
        }
        let use = credential.use == .bearer ? 2 : 1
        let readers: Int
        switch credential.readers {
        case .nobody, .oneWorkload: readers = 1
        case .host: readers = 2
        case .people: readers = 3
        }
        let rotation = credential.rotationAutomated ? 1 : 3

        // A signing key: at least high, and critical once anyone beyond its holder can read it.
        if credential.signsCredentials {
            return readers > 1 ? .critical : .high
        }
        // Critical when no factor is low; otherwise the worst factor decides.
        let factors = [lifetime, use, readers, rotation]
        if factors.allSatisfy({ $0 > 1 }) { return .critical }
        switch factors.max() ?? 1 {
        case 3: return .high
        case 2: return .medium
        default: return .low
        }
    }
    // end-solution

    // solution: group-choice
    public static func chooseGroup(_ offer: ClientGroupOffer, server: [NamedGroup], preference: GroupPreference) throws(ExerciseError) -> GroupChoice {
        // RFC 8701: GREASE values are there to be ignored, and a server never negotiates one,
        // even when its own list carries one too.
        let offered = offer.supportedGroups.filter { !$0.isGREASE }
        let accepted = server.filter { !$0.isGREASE }
        // Only supported_groups is an offer (RFC 8446 §4.2.7). Whose order ranks the common
        // groups: BoringSSL's default is the client's, with server preference the server's own.
        // first(where:) keeps a group listed twice at its first place.
        let (ranked, other) = preference == .client ? (offered, accepted) : (accepted, offered)
        guard let chosen = ranked.first(where: { other.contains($0) }) else { return .noCommonGroup }
        // The choice is made; now the shares of that one group (§4.2.8). No share costs a round
        // trip (§4.1.4); two are a protocol violation that BoringSSL refuses.
        switch offer.keyShares.filter({ $0 == chosen }).count {
        case 0: return .helloRetryRequest(chosen)
        case 1: return .serverHello(chosen)
        default: return .duplicateKeyShare(chosen)
        }
    }
    // end-solution

    // solution: federation-trust
    public static func peerBundle(
        for peer: SpiffeID, ownTrustDomain: TrustDomain, federatesWith: [TrustDomain], held: [HeldBundle]
    ) throws(ExerciseError) -> PeerBundle {
        // The peer's trust domain, as a value: partner.example.evil.com is not partner.example.
        let trustDomain = peer.trustDomain
        // Delivery: your own bundle comes with every SVID; a foreign one only to entries that
        // federate with it, whatever else the agent holds.
        guard trustDomain == ownTrustDomain || federatesWith.contains(trustDomain) else {
            return .notFederated(trustDomain)
        }
        // The name a bundle is held under is the only thing that binds it to a trust domain
        // (SPIFFE_Federation §7.3); its certificates' own names play no part.
        let candidates = held.filter { $0.trustDomain == trustDomain }
        guard let bundle = candidates.first else { return .noBundle(trustDomain) }
        guard candidates.count == 1 else { return .ambiguous(trustDomain) }
        // keys: [] means the trust domain withdrew every key; JWT keys cannot anchor an X.509 path.
        guard !bundle.x509Authorities.isEmpty else { return .trustsNothing(trustDomain) }
        // The held bundle itself: never merged with another trust domain's keys (§4.2).
        return .validateWith(bundle)
    }
    // end-solution
}
