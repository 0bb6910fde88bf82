import ExerciseKit
import Foundation
import ExerciseSolutions
import Exercises
import SpiffeIdentity
import Testing
import X509

/// Both sides of every exercise, with the grader the learner gets: the reference solutions pass
/// every case, the shipped stubs are "not done" (never a crash), and typical wrong solutions fail
/// on the case meant to catch them.
@Suite struct GradingTests {
    func grade(_ id: String, _ cases: [GradingCase]) -> (outcome: GradingCase.Outcome, failedCase: String?, count: Int) {
        var failed: String?
        var count = 0
        let outcome = Grading.run(id, cases) { event in
            if event.kind == .result { count += 1 }
            if event.kind == .result, event.outcome != "passed" { failed = event.name }
        }
        return (outcome, failed, count)
    }

    @Test func everyExerciseHasAtLeastSixCasesAndAFileThatExists() {
        #expect(LeafKeyUsageCases.cases(Solutions.leafKeyUsageProblem).count >= 6)
        #expect(PeerAuthorizationCases.cases(Solutions.isAuthorized).count >= 6)
        #expect(JWTSVIDRulesCases.cases(Solutions.brokenJWTSVIDRule).count >= 6)
        #expect(BundleChoiceCases.cases(Solutions.bundleTrustDomain).count >= 6)
        #expect(WorkloadIDPathCases.cases(Solutions.workloadPathProblem).count >= 6)
        #expect(EndpointSocketCases.cases(Solutions.parseEndpointSocket).count >= 6)
        #expect(RoleTrustPolicyCases.cases(Solutions.roleTrustDecision).count >= 6)
        #expect(ExerciseCatalog.all.map(\.id) == ["leaf-key-usage", "endpoint-socket", "jwt-svid-rules", "bundle-choice", "workload-id-path", "peer-authorization", "role-trust-policy", "renewal-due", "published-chain", "chain-to-bundle"])
    }

    @Test func theReferenceSolutionsPassEveryCase() {
        let keyUsage = grade("leaf-key-usage", LeafKeyUsageCases.cases(Solutions.leafKeyUsageProblem))
        #expect(keyUsage.outcome == .passed, "failed on \(keyUsage.failedCase ?? "?")")
        #expect(keyUsage.count == 8)
        let authorization = grade("peer-authorization", PeerAuthorizationCases.cases(Solutions.isAuthorized))
        #expect(authorization.outcome == .passed, "failed on \(authorization.failedCase ?? "?")")
        #expect(authorization.count == 11)
        let jwtRules = grade("jwt-svid-rules", JWTSVIDRulesCases.cases(Solutions.brokenJWTSVIDRule))
        #expect(jwtRules.outcome == .passed, "failed on \(jwtRules.failedCase ?? "?")")
        #expect(jwtRules.count == 25)
        let bundleChoice = grade("bundle-choice", BundleChoiceCases.cases(Solutions.bundleTrustDomain))
        #expect(bundleChoice.outcome == .passed, "failed on \(bundleChoice.failedCase ?? "?")")
        #expect(bundleChoice.count == 13)
        let endpoint = grade("endpoint-socket", EndpointSocketCases.cases(Solutions.parseEndpointSocket))
        #expect(endpoint.outcome == .passed, "failed on \(endpoint.failedCase ?? "?")")
        #expect(endpoint.count == 17)
        let trustPolicy = grade("role-trust-policy", RoleTrustPolicyCases.cases(Solutions.roleTrustDecision))
        #expect(trustPolicy.outcome == .passed, "failed on \(trustPolicy.failedCase ?? "?")")
        #expect(trustPolicy.count == 35)
        let renewal = grade("renewal-due", RenewalDueCases.cases(Solutions.renewalAdvice))
        #expect(renewal.outcome == .passed, "failed on \(renewal.failedCase ?? "?")")
        #expect(renewal.count == 11)
        let published = grade("published-chain", PublishedChainCases.cases(Solutions.publishedPath))
        #expect(published.outcome == .passed, "failed on \(published.failedCase ?? "?")")
        #expect(published.count == 15)
        let chainToBundle = grade("chain-to-bundle", ChainToBundleCases.cases(Solutions.pathToBundle))
        #expect(chainToBundle.outcome == .passed, "failed on \(chainToBundle.failedCase ?? "?")")
        #expect(chainToBundle.count == 15)
    }

    @Test func theShippedStubsAreNotDoneYet() {
        let keyUsage = grade("leaf-key-usage", LeafKeyUsageCases.cases(leafKeyUsageProblem))
        #expect(keyUsage.outcome == .notDone)
        #expect(keyUsage.count == 1, "grading stops at the first case")
        let authorization = grade("peer-authorization", PeerAuthorizationCases.cases(isAuthorized))
        #expect(authorization.outcome == .notDone)
        #expect(grade("jwt-svid-rules", JWTSVIDRulesCases.cases(brokenJWTSVIDRule)).outcome == .notDone)
        #expect(grade("bundle-choice", BundleChoiceCases.cases(bundleTrustDomain)).outcome == .notDone)
        #expect(grade("workload-id-path", WorkloadIDPathCases.cases(workloadPathProblem)).outcome == .notDone)
        #expect(grade("endpoint-socket", EndpointSocketCases.cases(parseEndpointSocket)).outcome == .notDone)
        #expect(grade("role-trust-policy", RoleTrustPolicyCases.cases(roleTrustDecision)).outcome == .notDone)
        #expect(grade("renewal-due", RenewalDueCases.cases(renewalAdvice)).outcome == .notDone)
        #expect(grade("published-chain", PublishedChainCases.cases(publishedPath)).outcome == .notDone)
        #expect(PublishedChainCases.cases(Solutions.publishedPath).count >= 6)
        #expect(grade("chain-to-bundle", ChainToBundleCases.cases(pathToBundle)).outcome == .notDone)
        #expect(RenewalDueCases.cases(Solutions.renewalAdvice).count >= 6)
    }

    @Test func aSolutionThatForgetsCRLSignFailsOnTheCRLSignCase() {
        let forgetful: @Sendable (Certificate) throws(ExerciseError) -> String? = { leaf in
            guard let ext = leaf.extensions[oid: .X509ExtensionID.keyUsage] else { return "missing" }
            guard ext.critical, let usage = try? KeyUsage(ext) else { return "not critical" }
            if usage.keyCertSign { return "keyCertSign" }
            return usage.digitalSignature ? nil : "no digitalSignature"
        }
        let result = grade("leaf-key-usage", LeafKeyUsageCases.cases(forgetful))
        #expect(result.outcome == .failed(got: "nil (accepted)"))
        #expect(result.failedCase == "cRLSign set: the leaf's key could sign revocation lists")
    }

    @Test func aDigitalSignatureRuleThatAcceptsKeyAgreementFails() {
        let loose: @Sendable (Certificate) throws(ExerciseError) -> String? = { leaf in
            guard let ext = leaf.extensions[oid: .X509ExtensionID.keyUsage], ext.critical, let usage = try? KeyUsage(ext) else { return "bad" }
            if usage.keyCertSign || usage.cRLSign { return "signs" }
            return usage.digitalSignature || usage.keyAgreement ? nil : "no digitalSignature"
        }
        #expect(grade("leaf-key-usage", LeafKeyUsageCases.cases(loose)).failedCase
                == "no digitalSignature (keyEncipherment and keyAgreement only): the key cannot sign a TLS handshake")
    }

    @Test func aSolutionThatIgnoresCriticalityFailsThere() {
        let lax: @Sendable (Certificate) throws(ExerciseError) -> String? = { leaf in
            guard let ext = leaf.extensions[oid: .X509ExtensionID.keyUsage], let usage = try? KeyUsage(ext) else { return "missing" }
            return usage.digitalSignature && !usage.keyCertSign && !usage.cRLSign ? nil : "bad bits"
        }
        #expect(grade("leaf-key-usage", LeafKeyUsageCases.cases(lax)).failedCase == "the right bits, but the extension is not marked critical")
    }

    @Test func anAuthorizerThatComparesStringPrefixesFailsOnTheLookalikes() {
        let prefix: @Sendable (SpiffeID, AllowedPeers) throws(ExerciseError) -> Bool = { peer, allowed in
            switch allowed {
            case .exactly(let id): return peer.description.hasPrefix(id.description)
            case .anyOf(let ids): return ids.contains(peer)
            case .memberOf(let trustDomain): return peer.description.hasPrefix("spiffe://" + trustDomain.name)
            }
        }
        #expect(grade("peer-authorization", PeerAuthorizationCases.cases(prefix)).failedCase == "a path that only starts like the allowed one")
        let prefixTrustDomainOnly: @Sendable (SpiffeID, AllowedPeers) throws(ExerciseError) -> Bool = { peer, allowed in
            if case .memberOf(let trustDomain) = allowed { return peer.description.hasPrefix("spiffe://" + trustDomain.name) }
            return try Solutions.isAuthorized(peer, allowed)
        }
        #expect(grade("peer-authorization", PeerAuthorizationCases.cases(prefixTrustDomainOnly)).failedCase
                == "a trust domain whose name only starts like the allowed one")
        let emptyAllowsAll: @Sendable (SpiffeID, AllowedPeers) throws(ExerciseError) -> Bool = { peer, allowed in
            if case .anyOf(let ids) = allowed, ids.isEmpty { return true }
            return try Solutions.isAuthorized(peer, allowed)
        }
        #expect(grade("peer-authorization", PeerAuthorizationCases.cases(emptyAllowsAll)).failedCase == "nobody is in an empty set")
        let setByPrefix: @Sendable (SpiffeID, AllowedPeers) throws(ExerciseError) -> Bool = { peer, allowed in
            if case .anyOf(let ids) = allowed { return ids.contains { peer.description.hasPrefix($0.description) } }
            return try Solutions.isAuthorized(peer, allowed)
        }
        #expect(grade("peer-authorization", PeerAuthorizationCases.cases(setByPrefix)).failedCase == "a path that only starts like a member of the set")
        let trustDomainBySuffix: @Sendable (SpiffeID, AllowedPeers) throws(ExerciseError) -> Bool = { peer, allowed in
            if case .memberOf(let trustDomain) = allowed { return peer.trustDomain.name.hasSuffix(trustDomain.name) }
            return try Solutions.isAuthorized(peer, allowed)
        }
        #expect(grade("peer-authorization", PeerAuthorizationCases.cases(trustDomainBySuffix)).failedCase
                == "a trust domain whose name only ends like the allowed one")
    }

    @Test func aJWTRuleWithoutLeewayOrWithAnInclusiveLeewayFailsAtTheEdge() {
        // exp compared with no leeway: a token 20 s late is refused, though clocks drift that much.
        let strict: @Sendable (JWTSVIDFields, String, Date) throws(ExerciseError) -> JWTSVIDRule? = { token, audience, now in
            if let exp = token.exp, now >= exp { return .exp }
            return try Solutions.brokenJWTSVIDRule(token, audience: audience, now: now)
        }
        let result = grade("jwt-svid-rules", JWTSVIDRulesCases.cases(strict))
        #expect(result.outcome == .failed(got: JWTSVIDRule.exp.description))
        #expect(result.failedCase == "expired 20 s ago: still inside the 30 s leeway")
        // `<=` where `<` belongs: a token exactly 30 s past exp slips through.
        let inclusive: @Sendable (JWTSVIDFields, String, Date) throws(ExerciseError) -> JWTSVIDRule? = { token, audience, now in
            if let exp = token.exp, now <= exp.addingTimeInterval(JWTSVIDRule.leeway) {
                var rest = token
                rest.exp = now.addingTimeInterval(60)
                return try Solutions.brokenJWTSVIDRule(rest, audience: audience, now: now)
            }
            return try Solutions.brokenJWTSVIDRule(token, audience: audience, now: now)
        }
        let edge = grade("jwt-svid-rules", JWTSVIDRulesCases.cases(inclusive))
        #expect(edge.outcome == .failed(got: "nil (accepted)"))
        #expect(edge.failedCase == "expired exactly 30 s ago: the leeway is used up")
    }

    @Test func anAlgDenyListOrACaseInsensitiveAllowListFails() {
        // Refusing the names one knows to be bad: EdDSA (and anything new) gets through.
        let denyList: @Sendable (JWTSVIDFields, String, Date) throws(ExerciseError) -> JWTSVIDRule? = { token, audience, now in
            guard let alg = token.alg, !["none", "hs256", "hs384", "hs512"].contains(alg.lowercased()) else { return .alg }
            var rest = token
            rest.alg = "ES256"
            return try Solutions.brokenJWTSVIDRule(rest, audience: audience, now: now)
        }
        let refused = grade("jwt-svid-rules", JWTSVIDRulesCases.cases(denyList))
        #expect(refused.outcome == .failed(got: "nil (accepted)"))
        #expect(refused.failedCase == "alg EdDSA: a sound algorithm that JWT-SVID does not list")
        // The right nine names, compared without regard to case: es256 is not ES256.
        let caseless: @Sendable (JWTSVIDFields, String, Date) throws(ExerciseError) -> JWTSVIDRule? = { token, audience, now in
            var rest = token
            rest.alg = token.alg?.uppercased()
            return try Solutions.brokenJWTSVIDRule(rest, audience: audience, now: now)
        }
        #expect(grade("jwt-svid-rules", JWTSVIDRulesCases.cases(caseless)).failedCase == "alg es256: an allowed name in the wrong case")
    }

    @Test func lookalikeSubjectsAndAudiencesAndClaimsBeforeTheHeaderFail() {
        // sub judged by its prefix: an uppercase trust domain is not a SPIFFE ID.
        let subByPrefix: @Sendable (JWTSVIDFields, String, Date) throws(ExerciseError) -> JWTSVIDRule? = { token, audience, now in
            var rest = token
            if let sub = token.sub, sub.hasPrefix("spiffe://") { rest.sub = "spiffe://example.org/ns/prod/sa/provisioning" }
            return try Solutions.brokenJWTSVIDRule(rest, audience: audience, now: now)
        }
        #expect(grade("jwt-svid-rules", JWTSVIDRulesCases.cases(subByPrefix)).failedCase
                == "sub with an uppercase trust domain: spiffe://Example.org/ns/prod/sa/provisioning")
        // aud values that begin with our audience: reports-archive is another service.
        let audStartsWithOurs: @Sendable (JWTSVIDFields, String, Date) throws(ExerciseError) -> JWTSVIDRule? = { token, audience, now in
            var rest = token
            if token.aud.contains(where: { $0.hasPrefix(audience) }) { rest.aud = [audience] }
            return try Solutions.brokenJWTSVIDRule(rest, audience: audience, now: now)
        }
        #expect(grade("jwt-svid-rules", JWTSVIDRulesCases.cases(audStartsWithOurs)).failedCase
                == "an aud that only starts like ours: .../sa/reports-archive")
        // aud read as a scope that covers us: spiffe://example.org is not our audience.
        let audAsScope: @Sendable (JWTSVIDFields, String, Date) throws(ExerciseError) -> JWTSVIDRule? = { token, audience, now in
            var rest = token
            if token.aud.contains(where: { audience.hasPrefix($0) }) { rest.aud = [audience] }
            return try Solutions.brokenJWTSVIDRule(rest, audience: audience, now: now)
        }
        #expect(grade("jwt-svid-rules", JWTSVIDRulesCases.cases(audAsScope)).failedCase
                == "aud is the whole trust domain, spiffe://example.org: wide, and not our audience")
        // The claims checked before the header: a token that breaks both reports the wrong rule.
        let claimsFirst: @Sendable (JWTSVIDFields, String, Date) throws(ExerciseError) -> JWTSVIDRule? = { token, audience, now in
            guard let exp = token.exp, now < exp.addingTimeInterval(JWTSVIDRule.leeway) else { return .exp }
            return try Solutions.brokenJWTSVIDRule(token, audience: audience, now: now)
        }
        let late = grade("jwt-svid-rules", JWTSVIDRulesCases.cases(claimsFirst))
        #expect(late.outcome == .failed(got: JWTSVIDRule.exp.description))
        #expect(late.failedCase == "alg none and expired an hour ago: report the header's rule, it is checked first")
    }

    /// The URI SANs of a leaf, for the wrong solutions below.
    static func uriSANs(_ leaf: Certificate) -> [String] {
        guard let names = try? leaf.extensions.subjectAlternativeNames else { return [] }
        var uris: [String] = []
        for case .uniformResourceIdentifier(let uri) in names { uris.append(uri) }
        return uris
    }

    @Test func aBundleChosenByTheIssuerNameFailsWhenTheIssuerNamesAnotherTrustDomain() {
        // Reads the trust domain from the issuer's O= (as the spec's example CA is named).
        let byIssuer: @Sendable (Certificate, Set<TrustDomain>) throws(ExerciseError) -> TrustDomain? = { leaf, held in
            let issuer = String(describing: leaf.issuer)
            guard issuer.hasPrefix("O="), let named = try? TrustDomain(String(issuer.dropFirst(2))) else { return nil }
            return held.contains(named) ? named : nil
        }
        #expect(grade("bundle-choice", BundleChoiceCases.cases(byIssuer)).failedCase
                == "the issuer names example.org, but the leaf's ID is in other.org")
    }

    @Test func aTrustDomainMatchedByStringPrefixLetsTheLookalikeIn() {
        let byPrefix: @Sendable (Certificate, Set<TrustDomain>) throws(ExerciseError) -> TrustDomain? = { leaf, held in
            let uris = GradingTests.uriSANs(leaf)
            guard uris.count == 1 else { return nil }
            return held.first { uris[0].hasPrefix("spiffe://" + $0.name) }
        }
        #expect(grade("bundle-choice", BundleChoiceCases.cases(byPrefix)).failedCase
                == "a lookalike trust domain: example.org.evil.com is not example.org")
    }

    @Test func sloppyURIHandlingFailsOnTheCaseMeantForIt() {
        // Keeps only the spiffe:// URIs, then counts: the https URI beside the ID goes unnoticed.
        let filterThenCount: @Sendable (Certificate, Set<TrustDomain>) throws(ExerciseError) -> TrustDomain? = { leaf, held in
            let spiffe = GradingTests.uriSANs(leaf).filter { $0.hasPrefix("spiffe://") }
            guard spiffe.count == 1, let id = try? SpiffeID(spiffe[0]), !id.isTrustDomainRoot else { return nil }
            return held.contains(id.trustDomain) ? id.trustDomain : nil
        }
        #expect(grade("bundle-choice", BundleChoiceCases.cases(filterThenCount)).failedCase
                == "an https URI SAN beside a SPIFFE ID: still two URI SANs")
        // Takes the first URI SAN and never counts.
        let firstOnly: @Sendable (Certificate, Set<TrustDomain>) throws(ExerciseError) -> TrustDomain? = { leaf, held in
            guard let first = GradingTests.uriSANs(leaf).first, let id = try? SpiffeID(first), !id.isTrustDomainRoot else { return nil }
            return held.contains(id.trustDomain) ? id.trustDomain : nil
        }
        #expect(grade("bundle-choice", BundleChoiceCases.cases(firstOnly)).failedCase
                == "two URI SANs, both SPIFFE IDs of example.org")
        // Parses the ID with a general URL parser, which takes a port in its stride.
        let byURLHost: @Sendable (Certificate, Set<TrustDomain>) throws(ExerciseError) -> TrustDomain? = { leaf, held in
            let uris = GradingTests.uriSANs(leaf)
            guard uris.count == 1, let url = URLComponents(string: uris[0]), url.scheme == "spiffe",
                  let host = url.host, !url.path.isEmpty, let trustDomain = try? TrustDomain(host) else { return nil }
            return held.contains(trustDomain) ? trustDomain : nil
        }
        #expect(grade("bundle-choice", BundleChoiceCases.cases(byURLHost)).failedCase
                == "a port in the ID (spiffe://example.org:8443/...): not a valid SPIFFE ID")
        // Forgets that a leaf's ID must have a path.
        let rootAllowed: @Sendable (Certificate, Set<TrustDomain>) throws(ExerciseError) -> TrustDomain? = { leaf, held in
            let uris = GradingTests.uriSANs(leaf)
            guard uris.count == 1, let id = try? SpiffeID(uris[0]) else { return nil }
            return held.contains(id.trustDomain) ? id.trustDomain : nil
        }
        #expect(grade("bundle-choice", BundleChoiceCases.cases(rootAllowed)).failedCase
                == "an ID with no path (spiffe://example.org) names the trust domain, not a workload")
    }

    @Test func theWorkloadPathTableAgreesWithTheToolkitAndTheReferencePasses() throws {
        #expect(WorkloadIDPathCases.table.count >= 10)
        for row in WorkloadIDPathCases.table {
            #expect(try WorkloadIDPathCases.toolkitRule(row.path) == row.expected, "\(row.name): \(String(reflecting: row.path))")
        }
        let reference = grade("workload-id-path", WorkloadIDPathCases.cases(Solutions.workloadPathProblem))
        #expect(reference.outcome == .passed, "failed on \(reference.failedCase ?? "?")")
        #expect(reference.count == WorkloadIDPathCases.table.count)
        // The helper the wrong solutions below are made from is right with its defaults, so each
        // of them differs from a right solution in exactly the place its name says.
        #expect(grade("workload-id-path", WorkloadIDPathCases.cases(pathChecker())).outcome == .passed)
        let stub = grade("workload-id-path", WorkloadIDPathCases.cases(workloadPathProblem))
        #expect(stub.outcome == .notDone)
        #expect(stub.count == 1, "grading stops at the first case")
    }

    @Test func pathCheckersWithTheWrongCharacterSetFailWhereTheSetDiffers() {
        func failedCase(_ checker: @escaping @Sendable (String) throws(ExerciseError) -> WorkloadPathRule?) -> String? {
            grade("workload-id-path", WorkloadIDPathCases.cases(checker)).failedCase
        }
        // Character.isLetter accepts é (and thousands of other letters).
        #expect(failedCase(pathChecker(isAllowed: { $0.isLetter || $0.isNumber || "-._".contains($0) }))
                == "a non-ASCII letter (é)")
        // RFC 3986's unreserved set has '~'; SPIFFE's does not.
        #expect(failedCase(pathChecker(isAllowed: { $0.isASCII && ($0.isLetter || $0.isNumber || "-._~".contains($0)) }))
                == "'~', which URLs allow unencoded but SPIFFE IDs do not")
        // Lowercase-only is the trust domain's rule, not the path's.
        #expect(failedCase(pathChecker(isAllowed: { $0.isASCII && ($0.isLowercase || $0.isNumber || "-._".contains($0)) }))
                == "uppercase letters: a path is case-sensitive, and uppercase is allowed")
        // '%' is rejected, but under the wrong rule.
        #expect(failedCase(pathChecker(percentIsBadCharacter: true))
                == "percent-encoding, even of an allowed letter (%6F is 'o')")
    }

    @Test func pathCheckersWithTheWrongStructureFailOnTheirCase() {
        func failedCase(_ checker: @escaping @Sendable (String) throws(ExerciseError) -> WorkloadPathRule?) -> String? {
            grade("workload-id-path", WorkloadIDPathCases.cases(checker)).failedCase
        }
        // split(separator:) without omittingEmptySubsequences: false never sees an empty segment.
        #expect(failedCase(pathChecker(omitsEmptyPieces: true)) == "a trailing slash")
        // Checking "is it a SPIFFE ID path" instead of "is it a workload's path".
        #expect(failedCase(pathChecker(allowsEmpty: true))
                == "the empty path: that is the trust domain's own ID, not a workload's")
        // Any segment starting with a dot is not a dot segment.
        #expect(failedCase(pathChecker(isDotSegment: { $0.hasPrefix(".") }))
                == "segments that start with or contain dots but are not \".\" or \"..\"")
    }

    @Test func aUnixParserThatReadsTheHostAsPartOfThePathFails() {
        // "unix://" stripped as a prefix: unix://tmp/agent.sock becomes /tmp/agent.sock.
        let hostAsPath: @Sendable (String) throws(ExerciseError) -> EndpointAddress? = { value in
            guard value.hasPrefix("unix://") else { return try Solutions.parseEndpointSocket(value) }
            let path = String(value.dropFirst("unix://".count))
            guard !path.isEmpty else { return nil }
            return .unix(path: path.hasPrefix("/") ? path : "/" + path)
        }
        #expect(grade("endpoint-socket", EndpointSocketCases.cases(hostAsPath)).failedCase
                == "two slashes only: \"tmp\" would be a host, and a unix URI has none")
        // A bare path taken for a socket, as a shell script would.
        let barePath: @Sendable (String) throws(ExerciseError) -> EndpointAddress? = { value in
            if value.hasPrefix("/") { return .unix(path: value) }
            return try Solutions.parseEndpointSocket(value)
        }
        #expect(grade("endpoint-socket", EndpointSocketCases.cases(barePath)).failedCase
                == "a bare path: the value is a URI and needs a scheme")
        // Everything after "unix://" kept, the query too.
        let keepsQuery: @Sendable (String) throws(ExerciseError) -> EndpointAddress? = { value in
            guard value.hasPrefix("unix:///") else { return try Solutions.parseEndpointSocket(value) }
            return .unix(path: String(value.dropFirst("unix://".count)))
        }
        #expect(grade("endpoint-socket", EndpointSocketCases.cases(keepsQuery)).failedCase == "a query after the socket path")
    }

    @Test func aTCPParserThatTrustsTheHostOrThePortFails() {
        // Any host at all, as long as a number follows the last ':'.
        let anyHost: @Sendable (String) throws(ExerciseError) -> EndpointAddress? = { value in
            guard value.hasPrefix("tcp://") else { return try Solutions.parseEndpointSocket(value) }
            let authority = value.dropFirst("tcp://".count)
            guard let colon = authority.lastIndex(of: ":"), let port = Int(authority[authority.index(after: colon)...]),
                  (1...65535).contains(port), colon != authority.startIndex else { return nil }
            return .tcp(ip: String(authority[..<colon]), port: port)
        }
        #expect(grade("endpoint-socket", EndpointSocketCases.cases(anyHost)).failedCase == "a host name instead of an IP address")
        // A dotted quad is checked, the port's range is not.
        let noPortRange: @Sendable (String) throws(ExerciseError) -> EndpointAddress? = { value in
            guard value.hasPrefix("tcp://") else { return try Solutions.parseEndpointSocket(value) }
            let authority = value.dropFirst("tcp://".count)
            guard !authority.contains("/"), !authority.contains("@"), let colon = authority.lastIndex(of: ":"),
                  let port = Int(authority[authority.index(after: colon)...]) else { return nil }
            let host = String(authority[..<colon])
            let parts = host.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 4, parts.allSatisfy({ Int($0).map { (0...255).contains($0) } ?? false }) else { return nil }
            return .tcp(ip: host, port: port)
        }
        #expect(grade("endpoint-socket", EndpointSocketCases.cases(noPortRange)).failedCase == "a port above 65535")
    }

    @Test func aTCPParserThatKnowsOnlyIPv4FailsOnTheBracketedAddress() {
        // Splits at the first ':' and checks a dotted quad: right for IPv4, wrong for [::1]:8081.
        let ipv4Only: @Sendable (String) throws(ExerciseError) -> EndpointAddress? = { value in
            guard value.hasPrefix("tcp://") else { return try Solutions.parseEndpointSocket(value) }
            let parts = value.dropFirst("tcp://".count).split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, let port = Int(parts[1]), (1...65535).contains(port) else { return nil }
            let octets = parts[0].split(separator: ".", omittingEmptySubsequences: false)
            guard octets.count == 4, octets.allSatisfy({ Int($0).map { (0...255).contains($0) } ?? false }) else { return nil }
            return .tcp(ip: String(parts[0]), port: port)
        }
        #expect(grade("endpoint-socket", EndpointSocketCases.cases(ipv4Only)).failedCase == "an IPv6 address, in brackets")
    }

    @Test func anIssuerComparedByPrefixOrWithoutCaseFails() {
        // iss accepted when it merely starts with the provider's URL: the trailing slash gets in.
        let prefix: @Sendable (WebIdentityClaims, RoleTrustPolicy, Date) throws(ExerciseError) -> TrustDecision = { claims, policy, now in
            var rest = claims
            if let iss = claims.iss, iss.hasPrefix("https://" + policy.provider) { rest.iss = "https://" + policy.provider }
            return try Solutions.roleTrustDecision(rest, policy, now: now)
        }
        let slash = grade("role-trust-policy", RoleTrustPolicyCases.cases(prefix))
        #expect(slash.outcome == .failed(got: TrustDecision.allow.description))
        #expect(slash.failedCase == "iss with a trailing slash: https://oidc.example.org/")
        // Case folded, because DNS names are case-insensitive: but iss is compared as a string.
        let caseless: @Sendable (WebIdentityClaims, RoleTrustPolicy, Date) throws(ExerciseError) -> TrustDecision = { claims, policy, now in
            var rest = claims
            if let iss = claims.iss, iss.lowercased() == ("https://" + policy.provider).lowercased() { rest.iss = "https://" + policy.provider }
            return try Solutions.roleTrustDecision(rest, policy, now: now)
        }
        #expect(grade("role-trust-policy", RoleTrustPolicyCases.cases(caseless)).failedCase
                == "iss with the host in capitals: https://OIDC.example.org")
    }

    @Test func anInclusiveExpiryOrAnAudienceReadFromItsFirstValueFails() {
        // `<=` where `<` belongs: a token whose exp is this very second slips through.
        let inclusive: @Sendable (WebIdentityClaims, RoleTrustPolicy, Date) throws(ExerciseError) -> TrustDecision = { claims, policy, now in
            var rest = claims
            if let exp = claims.exp, now <= exp { rest.exp = now.addingTimeInterval(60) }
            return try Solutions.roleTrustDecision(rest, policy, now: now)
        }
        let edge = grade("role-trust-policy", RoleTrustPolicyCases.cases(inclusive))
        #expect(edge.outcome == .failed(got: TrustDecision.allow.description))
        #expect(edge.failedCase == "exp is exactly now: no leeway in this exercise")
        // aud read as a single value: a list with STS second is refused.
        let firstOnly: @Sendable (WebIdentityClaims, RoleTrustPolicy, Date) throws(ExerciseError) -> TrustDecision = { claims, policy, now in
            var rest = claims
            rest.aud = claims.aud.first == policy.audience ? [policy.audience] : []
            return try Solutions.roleTrustDecision(rest, policy, now: now)
        }
        let audience = grade("role-trust-policy", RoleTrustPolicyCases.cases(firstOnly))
        #expect(audience.outcome == .failed(got: TrustDecision.deny(.audience).description))
        #expect(audience.failedCase == "aud holds two values, sts.amazonaws.com second")
    }

    @Test func wildcardsThatStopAtSlashesTreatDotsAsAnyOrOnlyCompareEndsFail() {
        // The reference for iss, exp and aud; `matches` in place of StringLike for sub.
        func withMatcher(_ matches: @escaping @Sendable (String, String) -> Bool)
            -> @Sendable (WebIdentityClaims, RoleTrustPolicy, Date) throws(ExerciseError) -> TrustDecision {
            { claims, policy, now in
                var rest = policy
                let admitted = claims.sub.map { sub in policy.subjectPatterns.contains { matches(sub, $0) } } ?? false
                rest.subjectPatterns = admitted ? ["*"] : []
                return try Solutions.roleTrustDecision(claims, rest, now: now)
            }
        }
        // A shell-style * that stops at '/': IAM's crosses it.
        let segmentStar = grade("role-trust-policy", RoleTrustPolicyCases.cases(withMatcher { likeForTests($0, $1, starCrossesSlash: false) }))
        #expect(segmentStar.outcome == .failed(got: TrustDecision.deny(.subject).description))
        #expect(segmentStar.failedCase == "* crosses slashes: spiffe://example.org/ns/prod/* also admits .../sa/provisioning/debug")
        // The pattern turned into a regular expression without escaping: '.' matches '-'.
        let dotIsAny = grade("role-trust-policy", RoleTrustPolicyCases.cases(withMatcher { likeForTests($0, $1, dotIsAny: true) }))
        #expect(dotIsAny.outcome == .failed(got: TrustDecision.allow.description))
        #expect(dotIsAny.failedCase == "a dot in a pattern is a dot: spiffe://example.org/* does not admit spiffe://example-org/...")
        // Prefix and suffix tested apart: they may overlap in a value too short for both.
        let ends = grade("role-trust-policy", RoleTrustPolicyCases.cases(withMatcher { endsOnlyForTests($0, $1) }))
        #expect(ends.outcome == .failed(got: TrustDecision.allow.description))
        #expect(ends.failedCase
                == "the two sides of a * may not overlap: spiffe://example.org/*/sa/provisioning against spiffe://example.org/sa/provisioning")
    }

// ---- at file scope, after `struct GradingTests` ----

    @Test func aRenewalFiveMinutesBeforeExpiryFailsOnTheDayLongSVID() {
        // The slides' rule: the fraction is right, the decision waits for the last five minutes.
        let lastMinutes: @Sendable (Certificate, Date) throws(ExerciseError) -> RenewalAdvice = { leaf, now in
            let (lifetime, left) = GradingTests.window(leaf, now)
            return RenewalAdvice(fractionLeft: min(1, max(0, left / lifetime)), renewNow: left <= 300)
        }
        #expect(grade("renewal-due", RenewalDueCases.cases(lastMinutes)).failedCase
                == "a 24 h SVID (-x509SVIDTTL 86400), 13 hours after signing")
    }

    @Test func aLifetimeOtherThanTheCertificatesOwnFails() {
        // Assumes SPIRE's default TTL instead of reading the window: the capped SVID gives it away.
        let oneHour: @Sendable (Certificate, Date) throws(ExerciseError) -> RenewalAdvice = { leaf, now in
            let left = GradingTests.window(leaf, now).left
            return RenewalAdvice(fractionLeft: min(1, max(0, left / 3600)), renewNow: left <= 1800)
        }
        #expect(grade("renewal-due", RenewalDueCases.cases(oneHour)).failedCase
                == "an SVID cut back to its CA's notAfter (20 min in all), 2 minutes after signing")
        // Takes the 10 s backdate out of the lifetime, as if it were not part of the window.
        let noBackdate: @Sendable (Certificate, Date) throws(ExerciseError) -> RenewalAdvice = { leaf, now in
            let (lifetime, left) = GradingTests.window(leaf, now)
            let asked = lifetime - 10
            return RenewalAdvice(fractionLeft: min(1, max(0, left / asked)), renewNow: left <= asked / 2)
        }
        #expect(grade("renewal-due", RenewalDueCases.cases(noBackdate)).failedCase
                == "the 1 h SVID 29 min 58 s after signing: the 10 s backdate counts, so half of 3610 s has passed")
    }

    @Test func aStrictHalfOrAnUnclampedFractionFails() {
        let strict: @Sendable (Certificate, Date) throws(ExerciseError) -> RenewalAdvice = { leaf, now in
            let (lifetime, left) = GradingTests.window(leaf, now)
            return RenewalAdvice(fractionLeft: min(1, max(0, left / lifetime)), renewNow: left < lifetime / 2)
        }
        #expect(grade("renewal-due", RenewalDueCases.cases(strict)).failedCase
                == "exactly half left: a 1 h SVID with no backdate, 30 minutes in")
        let unclamped: @Sendable (Certificate, Date) throws(ExerciseError) -> RenewalAdvice = { leaf, now in
            let (lifetime, left) = GradingTests.window(leaf, now)
            return RenewalAdvice(fractionLeft: left / lifetime, renewNow: left <= lifetime / 2)
        }
        #expect(grade("renewal-due", RenewalDueCases.cases(unclamped)).failedCase == "an SVID that expired ten minutes ago")
    }

    /// Seconds from notBefore to notAfter, and from now to notAfter, for the wrong solutions below.
    static func window(_ leaf: Certificate, _ now: Date) -> (lifetime: Double, left: Double) {
        (leaf.notValidAfter.timeIntervalSince(leaf.notValidBefore), leaf.notValidAfter.timeIntervalSince(now))
    }

    @Test func aPathBuilderThatIgnoresIntermediatesOrTheLeafRuleFails() {
        // Only the bundle may sign the leaf: what a Rust port that sends cert_chain()[0] expects.
        #expect(grade("published-chain", PublishedChainCases.cases(chainBuilder(useIntermediates: false))).failedCase
                == "leaf and SPIRE's intermediate CA, the intermediate signed by the bundle's root (an UpstreamAuthority)")
        // The first certificate is not required to be a leaf: an intermediate sent first gets a path.
        let noLeafRule = grade("published-chain", PublishedChainCases.cases(chainBuilder(requireLeafFirst: false)))
        #expect(noLeafRule.outcome == .failed(got: "the path SPIRE intermediate → bundle root"))
        #expect(noLeafRule.failedCase == "the intermediate sent first and the leaf second: the sender's own certificate must come first")
    }

    @Test func trustingThePeersRootOrItsNamesFails() {
        // A self-signed CA the peer sent is taken as an anchor, next to the bundle's.
        let trustsPeerRoots: @Sendable ([Certificate], [Certificate]) throws(ExerciseError) -> [Certificate]? = { presented, bundle in
            let selfSigned = presented.dropFirst().filter { $0.issuer == $0.subject && $0.publicKey.isValidSignature($0.signature, for: $0) }
            return try Solutions.publishedPath(presented, bundle: bundle + selfSigned)
        }
        let peerRoot = grade("published-chain", PublishedChainCases.cases(trustsPeerRoots))
        #expect(peerRoot.outcome == .failed(got: "the path leaf → intermediate below the peer's root → peer's own root"))
        #expect(peerRoot.failedCase == "a complete chain up to a root the peer sent itself, which is not in the bundle")
        // Issuers matched by name alone: the lookalike intermediate chains by its names.
        let namesOnly = grade("published-chain", PublishedChainCases.cases(chainBuilder(checkSignatures: false)))
        #expect(namesOnly.outcome == .failed(got: "the path leaf → lookalike intermediate → bundle root"))
        #expect(namesOnly.failedCase == "names that chain up to the bundle's root, but a signature that does not: a lookalike intermediate")
    }

    @Test func aGreedyPathBuilderFailsOnTheCrossSignedCopy() {
        // The first candidate that fits is kept even when it leads nowhere.
        let greedy = grade("published-chain", PublishedChainCases.cases(chainBuilder(backtrack: false)))
        #expect(greedy.outcome == .failed(got: "nil"))
        #expect(greedy.failedCase
                == "an old cross-signed copy of the intermediate (same name and key, retired issuer) sent before the current one")
        // Every earlier case passed, the loop of two CAs included: it is the last case that fails.
        #expect(greedy.count == 15)
    }

// Below `struct GradingTests`:

    /// RFC 5280's test for a certificate that signs: a CA (§6.1.4(k)), with keyCertSign when it
    /// has a key usage (§6.1.4(n)). The right `mayIssue` for pathBuilder.
    static func isCAWithKeyCertSign(_ certificate: Certificate) -> Bool {
        guard case .isCertificateAuthority? = try? certificate.extensions.basicConstraints else { return false }
        if let usage = try? certificate.extensions.keyUsage, !usage.keyCertSign { return false }
        return true
    }

    /// A path builder made of parts, for the chain-to-bundle tests: right with its defaults, and
    /// each wrong solution below changes exactly one part.
    static func pathBuilder(
        checksSignature: Bool = true,
        endsAtSelfSignedPresented: Bool = false,
        mayIssue: @escaping @Sendable (Certificate) -> Bool = { GradingTests.isCAWithKeyCertSign($0) },
        checksValidity: Bool = true,
        checksBundleValidity: Bool = true,
        usesWallClock: Bool = false,
        hasRoom: @escaping @Sendable (_ count: Int, _ maximum: Int) -> Bool = { $0 < $1 }
    ) -> @Sendable (Certificate, [Certificate], [Certificate], Date, Int) throws(ExerciseError) -> [Certificate]? {
        return { leaf, presented, authorities, given, maximumLength in
            let time = usesWallClock ? Date() : given
            func signed(_ certificate: Certificate, by issuer: Certificate, inBundle: Bool) -> Bool {
                guard issuer.subject == certificate.issuer, mayIssue(issuer) else { return false }
                if checksSignature, !issuer.publicKey.isValidSignature(certificate.signature, for: certificate) { return false }
                if checksValidity, checksBundleValidity || !inBundle {
                    guard issuer.notValidBefore <= time, time <= issuer.notValidAfter else { return false }
                }
                return true
            }
            var path = [leaf]
            while hasRoom(path.count, maximumLength) {
                let current = path[path.count - 1]
                if let anchor = authorities.first(where: { signed(current, by: $0, inBundle: true) }) { return path + [anchor] }
                guard let next = presented.first(where: { !path.contains($0) && signed(current, by: $0, inBundle: false) }) else { return nil }
                path.append(next)
                if endsAtSelfSignedPresented, next.subject == next.issuer { return path }
            }
            return nil
        }
    }

    @Test func aPathBuilderThatTrustsNamesOrThePeerFails() {
        // The helper is right with its defaults, so each variant below is wrong in one place only.
        #expect(grade("chain-to-bundle", ChainToBundleCases.cases(Self.pathBuilder())).outcome == .passed)
        // Matches the issuer by name and never asks its key.
        #expect(grade("chain-to-bundle", ChainToBundleCases.cases(Self.pathBuilder(checksSignature: false))).failedCase
                == "the leaf's issuer has the bundle CA's name, but another key signed it")
        // Takes a self-signed certificate the peer sent for a trust anchor.
        #expect(grade("chain-to-bundle", ChainToBundleCases.cases(Self.pathBuilder(endsAtSelfSignedPresented: true))).failedCase
                == "the peer sent its own self-signed root, which is not in the bundle")
    }

    @Test func aLaxPathBuilderLetsALeafOrAHalfCASign() {
        // Asks nothing of an issuer but its name and signature: the lax validator.
        #expect(grade("chain-to-bundle", ChainToBundleCases.cases(Self.pathBuilder(mayIssue: { _ in true }))).failedCase
                == "a leaf forged with the key of a real leaf SVID (cA false), sent along with it")
        // Reads key usage but skips basic constraints.
        let keyCertSignOnly: @Sendable (Certificate) -> Bool = { (try? $0.extensions.keyUsage)?.keyCertSign ?? false }
        #expect(grade("chain-to-bundle", ChainToBundleCases.cases(Self.pathBuilder(mayIssue: keyCertSignOnly))).failedCase
                == "an issuer whose key usage has keyCertSign, but whose basic constraints say cA false")
        // Reads basic constraints but skips key usage, as swift-certificates and Go do.
        let caOnly: @Sendable (Certificate) -> Bool = { certificate in
            if case .isCertificateAuthority? = try? certificate.extensions.basicConstraints { return true }
            return false
        }
        #expect(grade("chain-to-bundle", ChainToBundleCases.cases(Self.pathBuilder(mayIssue: caOnly))).failedCase
                == "an issuer with cA true, whose key usage lacks keyCertSign")
    }

    @Test func aPathBuilderWithTheWrongClockOrLimitFails() {
        #expect(grade("chain-to-bundle", ChainToBundleCases.cases(Self.pathBuilder(checksValidity: false))).failedCase
                == "the intermediate expired an hour ago, though the leaf is still valid")
        // Date() instead of the validation time it was given.
        #expect(grade("chain-to-bundle", ChainToBundleCases.cases(Self.pathBuilder(usesWallClock: true))).failedCase
                == "the same chain validated at a time two days ago, when the intermediate was still valid")
        // Checks the presented certificates' validity, and takes the bundle's on trust.
        #expect(grade("chain-to-bundle", ChainToBundleCases.cases(Self.pathBuilder(checksBundleValidity: false))).failedCase
                == "the bundle's only CA expired yesterday")
        // Leaves no room for the bundle CA at the limit: one short.
        #expect(grade("chain-to-bundle", ChainToBundleCases.cases(Self.pathBuilder(hasRoom: { $0 + 1 < $1 }))).failedCase
                == "two intermediates sent out of order beside an unrelated CA, in a path exactly maximumLength (4) long")
        // No limit at all (the no-repeat rule still ends the loop).
        #expect(grade("chain-to-bundle", ChainToBundleCases.cases(Self.pathBuilder(hasRoom: { _, _ in true }))).failedCase
                == "a path of four certificates when maximumLength is 3")
    }
}

/// A workload path checker built from parts: with the defaults it is right, and each wrong
/// solution in the tests changes exactly one part.
func pathChecker(
    allowsEmpty: Bool = false,
    omitsEmptyPieces: Bool = false,
    percentIsBadCharacter: Bool = false,
    isAllowed: @escaping @Sendable (Character) -> Bool = { $0.isASCII && ($0.isLetter || $0.isNumber || "-._".contains($0)) },
    isDotSegment: @escaping @Sendable (Substring) -> Bool = { $0 == "." || $0 == ".." }
) -> @Sendable (String) throws(ExerciseError) -> WorkloadPathRule? {
    return { path in
        if path.isEmpty { return allowsEmpty ? nil : .empty }
        guard path.hasPrefix("/") else { return .notAbsolute }
        // Kept empty pieces include the one before the leading '/'; omitted ones do not.
        let pieces = Array(path.split(separator: "/", omittingEmptySubsequences: omitsEmptyPieces).dropFirst(omitsEmptyPieces ? 0 : 1))
        for (index, piece) in pieces.enumerated() {
            for character in piece {
                if character == "%" && !percentIsBadCharacter { return .percentEncoding }
                if !isAllowed(character) { return .badCharacter }
            }
            if piece.isEmpty { return index == pieces.count - 1 ? .trailingSlash : .emptySegment }
            if isDotSegment(piece) { return .dotSegment }
        }
        return nil
    }
}

/// StringLike with two of the mistakes learners make, switched on one at a time: a `*` (or `?`)
/// that never crosses '/', and a '.' that matches any character, as in an unescaped regex.
private func likeForTests(_ value: String, _ pattern: String, starCrossesSlash: Bool = true, dotIsAny: Bool = false) -> Bool {
    let value = Array(value), pattern = Array(pattern)
    func match(_ v: Int, _ p: Int) -> Bool {
        if p == pattern.count { return v == value.count }
        switch pattern[p] {
        case "*":
            var end = v
            while !match(end, p + 1) {
                if end == value.count || (!starCrossesSlash && value[end] == "/") { return false }
                end += 1
            }
            return true
        case "?":
            return v < value.count && (starCrossesSlash || value[v] != "/") && match(v + 1, p + 1)
        case "." where dotIsAny:
            return v < value.count && match(v + 1, p + 1)
        default:
            return v < value.count && value[v] == pattern[p] && match(v + 1, p + 1)
        }
    }
    return match(0, 0)
}

/// A pattern with stars judged by its first piece as a prefix, its last as a suffix and the
/// others anywhere: right most of the time, wrong when prefix and suffix overlap.
private func endsOnlyForTests(_ value: String, _ pattern: String) -> Bool {
    guard pattern.contains("*") else { return likeForTests(value, pattern) }
    let pieces = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
    return value.hasPrefix(pieces[0]) && value.hasSuffix(pieces[pieces.count - 1])
        && pieces.dropFirst().dropLast().allSatisfy { $0.isEmpty || value.contains($0) }

}

/// A path builder with one rule switched off at a time: the typical wrong solutions of
/// `published-chain`. With every switch on it behaves like the reference solution.
func chainBuilder(
    requireLeafFirst: Bool = true, checkSignatures: Bool = true, backtrack: Bool = true, useIntermediates: Bool = true
) -> @Sendable ([Certificate], [Certificate]) throws(ExerciseError) -> [Certificate]? {
    let builder: @Sendable ([Certificate], [Certificate]) throws(ExerciseError) -> [Certificate]? = { presented, bundle in
        func isCA(_ certificate: Certificate) -> Bool {
            if case .isCertificateAuthority = try? certificate.extensions.basicConstraints { return true }
            return false
        }
        func issued(_ child: Certificate, by issuer: Certificate) -> Bool {
            child.issuer == issuer.subject && (!checkSignatures || issuer.publicKey.isValidSignature(child.signature, for: child))
        }
        guard let leaf = presented.first, !(requireLeafFirst && isCA(leaf)) else { return nil }
        let intermediates = useIntermediates ? presented.dropFirst().filter(isCA) : []
        func extend(_ path: [Certificate]) -> [Certificate]? {
            let top = path[path.count - 1]
            if let anchor = bundle.first(where: { issued(top, by: $0) }) { return path + [anchor] }
            for candidate in intermediates where !path.contains(candidate) && issued(top, by: candidate) {
                if let whole = extend(path + [candidate]) { return whole }
                if !backtrack { return nil }
            }
            return nil
        }
        return extend([leaf])
    }
    return builder
}
