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
        #expect(JoinTokenDecisionCases.cases(Solutions.joinTokenDecision).count >= 6)
        #expect(AWSIIDDecisionCases.cases(Solutions.awsIIDDecision).count >= 6)
        #expect(AgentSyncPlanCases.cases(Solutions.agentSyncPlan).count >= 6)
        #expect(ServerConfigCheckCases.cases(Solutions.serverConfigProblem).count >= 6)
        #expect(EntryMatchingCases.cases(Solutions.matchingIdentities).count >= 6)
        #expect(LeafMatchesEntryCases.cases(Solutions.leafMismatch).count >= 6)
        #expect(CredentialRiskCases.cases(Solutions.credentialRisk).count >= 6)
        #expect(GroupChoiceCases.cases(Solutions.chooseGroup).count >= 6)
        #expect(FederationTrustCases.cases(Solutions.peerBundle).count >= 6)
        #expect(ExerciseCatalog.all.map(\.id) == ["leaf-key-usage", "endpoint-socket", "jwt-svid-rules", "bundle-choice", "workload-id-path", "peer-authorization", "role-trust-policy", "renewal-due", "published-chain", "chain-to-bundle", "join-token-decision", "aws-iid-decision", "agent-sync-plan", "server-config-check", "entry-matching", "leaf-matches-entry", "credential-risk", "group-choice", "federation-trust"])
    }

    @Test func theReferenceSolutionsPassEveryCase() {
        let trust = grade("federation-trust", FederationTrustCases.cases(Solutions.peerBundle))
        #expect(trust.outcome == .passed, "failed on \(trust.failedCase ?? "?")")
        let groups = grade("group-choice", GroupChoiceCases.cases(Solutions.chooseGroup))
        #expect(groups.outcome == .passed, "failed on \(groups.failedCase ?? "?")")
        let risk = grade("credential-risk", CredentialRiskCases.cases(Solutions.credentialRisk))
        #expect(risk.outcome == .passed, "failed on \(risk.failedCase ?? "?")")
        let keyUsage = grade("leaf-key-usage", LeafKeyUsageCases.cases(Solutions.leafKeyUsageProblem))
        #expect(keyUsage.outcome == .passed, "failed on \(keyUsage.failedCase ?? "?")")
        #expect(keyUsage.count == 8)
        let authorization = grade("peer-authorization", PeerAuthorizationCases.cases(Solutions.isAuthorized))
        #expect(authorization.outcome == .passed, "failed on \(authorization.failedCase ?? "?")")
        let serverConfig = grade("server-config-check", ServerConfigCheckCases.cases(Solutions.serverConfigProblem))
        #expect(serverConfig.outcome == .passed, "failed on \(serverConfig.failedCase ?? "?")")
        let entryMatching = grade("entry-matching", EntryMatchingCases.cases(Solutions.matchingIdentities))
        #expect(entryMatching.outcome == .passed, "failed on \(entryMatching.failedCase ?? "?")")
        let leafMatches = grade("leaf-matches-entry", LeafMatchesEntryCases.cases(Solutions.leafMismatch))
        #expect(leafMatches.outcome == .passed, "failed on \(leafMatches.failedCase ?? "?")")
        let joinToken = grade("join-token-decision", JoinTokenDecisionCases.cases(Solutions.joinTokenDecision))
        #expect(joinToken.outcome == .passed, "failed on \(joinToken.failedCase ?? "?")")
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

    @Test func theTokenDeciderIsRightWithItsDefaultsAndTheStubIsNotDone() {
        // The helper the wrong solutions below are made from passes everything, so each wrong
        // solution differs from a right one exactly where its name says.
        let helper = grade("join-token-decision", JoinTokenDecisionCases.cases(tokenDecider()))
        #expect(helper.outcome == .passed, "failed on \(helper.failedCase ?? "?")")
        #expect(helper.count == 13)
        let stub = grade("join-token-decision", JoinTokenDecisionCases.cases(joinTokenDecision))
        #expect(stub.outcome == .notDone)
        #expect(stub.count == 1, "grading stops at the first case")
    }

    @Test func aJoinTokenThatIsNotSpentFailsWhereItShouldBe() {
        // Checks the expiry before spending, and leaves an expired token stored: it could be
        // presented again and again.
        #expect(grade("join-token-decision", JoinTokenDecisionCases.cases(tokenDecider(spendsExpired: false))).failedCase
                == "expired one second ago: refused, and spent all the same")
        // Forgets single use altogether.
        let reusable = grade("join-token-decision", JoinTokenDecisionCases.cases(tokenDecider(spends: false)))
        #expect(reusable.failedCase == "a fresh token (600 s left), the only one stored: attested, and spent")
    }

    @Test func aLooseMatchAPruningPassOrAFixedTrustDomainFailsOnItsCase() {
        func failedCase(_ decider: @escaping @Sendable (String, [StoredJoinToken], TrustDomain, Date) throws(ExerciseError) -> JoinTokenDecision) -> String? {
            grade("join-token-decision", JoinTokenDecisionCases.cases(decider)).failedCase
        }
        // A token matched by its beginning: part of a token counts as the token.
        #expect(failedCase(tokenDecider(matches: { stored, presented in stored.hasPrefix(presented) }))
                == "only the first eight characters of a stored token")
        #expect(failedCase(tokenDecider(matches: { stored, presented in stored.contains(presented) }))
                == "only the first eight characters of a stored token")
        // Tidying up while it is there: every expired token is dropped, not only the one presented.
        #expect(failedCase(tokenDecider(prunesExpired: true))
                == "another stored token has expired: that one is not this decision's business")
        // The agent ID's trust domain written in, instead of the server's own.
        #expect(failedCase(tokenDecider(fixedTrustDomain: try! TrustDomain("example.org")))
                == "a server whose trust domain is not example.org")
    }

// MARK: at file scope

    @Test func theIIDDecisionReferencePassesAndTheDeciderIsRightByDefault() {
        let reference = grade("aws-iid-decision", AWSIIDDecisionCases.cases(Solutions.awsIIDDecision))
        #expect(reference.outcome == .passed, "failed on \(reference.failedCase ?? "?")")
        #expect(reference.count == 17)
        // The helper the wrong solutions below are made from is right with its defaults, so each
        // of them differs from a right solution in exactly the place its name says.
        #expect(grade("aws-iid-decision", AWSIIDDecisionCases.cases(iidDecider())).outcome == .passed)
        let stub = grade("aws-iid-decision", AWSIIDDecisionCases.cases(awsIIDDecision))
        #expect(stub.outcome == .notDone)
        #expect(stub.count == 1, "grading stops at the first case")
    }

    @Test func iidDecidersWithTheWrongAccountRuleFailOnTheirCase() {
        func failedCase(_ decider: @escaping @Sendable (IIDFields, TrustDomain, Set<String>, Set<SpiffeID>) throws(ExerciseError) -> IIDDecision) -> String? {
            grade("aws-iid-decision", AWSIIDDecisionCases.cases(decider)).failedCase
        }
        // An empty allow-list read as "nobody" (SPIRE's account_list_file works that way; the
        // model's --aws-iid-account, and this exercise, do not).
        #expect(failedCase(iidDecider(emptyListAdmitsAny: false)) == "any account when the allow-list is empty")
        // Accounts matched by prefix, either way round.
        #expect(failedCase(iidDecider(accountMatches: { account, allowed in account.hasPrefix(allowed) }))
                == "an account that only starts like an allowed one (13 digits)")
        #expect(failedCase(iidDecider(accountMatches: { account, allowed in allowed.hasPrefix(account) }))
                == "an account that an allowed one only starts like (11 digits)")
        // The trust domain written in, instead of the server's.
        #expect(failedCase(iidDecider(trustDomainOf: { _ in try! TrustDomain("example.org") }))
                == "the agent ID is in the server's trust domain (prod.example.com)")
    }

    @Test func iidDecidersWithTheWrongPathOrFirstUseRuleFailOnTheirCase() {
        func failedCase(_ decider: @escaping @Sendable (IIDFields, TrustDomain, Set<String>, Set<SpiffeID>) throws(ExerciseError) -> IIDDecision) -> String? {
            grade("aws-iid-decision", AWSIIDDecisionCases.cases(decider)).failedCase
        }
        // Leaving the path to SpiffeID: a '/' inside a field still makes a valid ID.
        #expect(failedCase(iidDecider(refusesSlash: false))
                == "a region holding a '/': the ID would be valid, with one segment more")
        // First use kept per account instead of per instance.
        #expect(failedCase(iidDecider(alreadyAttested: { _, attested, document in
            attested.contains { $0.path.hasPrefix("/spire/agent/aws_iid/\(document.accountId)/") }
        })) == "another instance of the same account and region has attested, not this one")
        // Agent IDs compared as text, by prefix.
        #expect(failedCase(iidDecider(alreadyAttested: { id, attested, _ in
            attested.contains { id.description.hasPrefix($0.description) }
        })) == "an attested agent ID that this one only starts with (i-0abc1234)")
        // First use skipped for accounts on the allow-list.
        #expect(failedCase(iidDecider(firstUseOnlyWithoutList: true))
                == "the instance has already attested, though its account is on the allow-list")
    }

// At file scope, next to the suite:

    /// How the wrong sync planners below decide that an SVID is due.
    enum SyncDue: Sendable {
        /// Right: half of the certificate's own window, notBefore through notAfter.
        case window
        /// Half of the TTL the entry asks for, as if notBefore had not been backdated.
        case entryTTL
        /// Half of the entry's TTL plus the 10 s backdate, as if no CA ever capped notAfter.
        case ttlPlusBackdate
    }

    /// A sync planner built from parts; right with its defaults, so each wrong one below differs
    /// from a right one in exactly the part its arguments name.
    static func syncPlanner(
        pairBySPIFFEID: Bool = false, due: SyncDue = .window, renewsDeleted: Bool = false,
        comparesRevision: Bool = true, strictHalf: Bool = false
    ) -> @Sendable ([HeldSVID], [AuthorizedEntry], Date) throws(ExerciseError) -> SyncPlan {
        { held, authorized, now in
            func partner(_ entry: AuthorizedEntry) -> HeldSVID? {
                pairBySPIFFEID ? held.first(where: { $0.spiffeID == entry.spiffeID }) : held.first(where: { $0.entryID == entry.entryID })
            }
            func isDue(_ svid: HeldSVID, ttl: Int) -> Bool {
                let left = svid.notAfter.timeIntervalSince(now)
                let lifetime: TimeInterval
                switch due {
                case .window: lifetime = svid.notAfter.timeIntervalSince(svid.notBefore)
                case .entryTTL: lifetime = TimeInterval(ttl)
                case .ttlPlusBackdate: lifetime = TimeInterval(ttl) + 10
                }
                return strictHalf ? left < lifetime / 2 : left <= lifetime / 2
            }
            var plan = SyncPlan()
            for entry in authorized {
                guard let svid = partner(entry) else { plan.csrFor.insert(entry.entryID); continue }
                if comparesRevision, svid.entryRevision != entry.revision { plan.csrFor.insert(entry.entryID); continue }
                if isDue(svid, ttl: entry.x509SVIDTTL) { plan.csrFor.insert(entry.entryID) }
            }
            let entryIDs = Set(authorized.map(\.entryID))
            let spiffeIDs = Set(authorized.map(\.spiffeID))
            for svid in held {
                let gone = pairBySPIFFEID ? !spiffeIDs.contains(svid.spiffeID) : !entryIDs.contains(svid.entryID)
                guard gone else { continue }
                plan.drop.insert(svid.entryID)
                // The wrong habit: renew whatever is due, whether or not its entry still exists.
                if renewsDeleted, isDue(svid, ttl: 3600) { plan.csrFor.insert(svid.entryID) }
            }
            return plan
        }
    }

    @Test func aSyncPlannerThatPairsBySPIFFEIDFailsOnTheRecreatedEntry() {
        // The helper is right with its defaults, and the reference and the stub behave.
        #expect(grade("agent-sync-plan", AgentSyncPlanCases.cases(GradingTests.syncPlanner())).outcome == .passed)
        let reference = grade("agent-sync-plan", AgentSyncPlanCases.cases(Solutions.agentSyncPlan))
        #expect(reference.outcome == .passed, "failed on \(reference.failedCase ?? "?")")
        #expect(reference.count == 15)
        let stub = grade("agent-sync-plan", AgentSyncPlanCases.cases(agentSyncPlan))
        #expect(stub.outcome == .notDone)
        #expect(stub.count == 1, "grading stops at the first case")
        // SPIRE's cache is keyed by entry ID; paired by SPIFFE ID, the old SVID passes for the
        // re-created entry's: no CSR for the new entry, and nothing dropped.
        let bySPIFFEID = grade("agent-sync-plan", AgentSyncPlanCases.cases(GradingTests.syncPlanner(pairBySPIFFEID: true)))
        #expect(bySPIFFEID.outcome == .failed(got: "CSRs for [], drop []"))
        #expect(bySPIFFEID.failedCase
                == "an entry deleted and created again with the same SPIFFE ID: a new entry ID, so a CSR for it, and the old SVID dropped")
    }

    @Test func aDueTimeFromTheEntrysTTLFailsOnTheBackdateOrTheCap() {
        func failedCase(_ due: SyncDue) -> String? {
            grade("agent-sync-plan", AgentSyncPlanCases.cases(GradingTests.syncPlanner(due: due))).failedCase
        }
        // Half of 3600 s instead of half of 3610 s: 1802 s left looks like "not yet".
        #expect(failedCase(.entryTTL)
                == "the SVID 29 min 58 s after signing: the 10 s backdate counts, so half of 3610 s has passed")
        // The backdate right, but the window taken from the entry: the capped SVID looks due at once.
        #expect(failedCase(.ttlPlusBackdate)
                == "an SVID cut back to its CA's notAfter (20 min in all), its entry unchanged, 2 minutes after signing")
    }

    @Test func renewingADeletedEntryIgnoringRevisionsOrAStrictHalfFails() {
        func failedCase(_ planner: @escaping @Sendable ([HeldSVID], [AuthorizedEntry], Date) throws(ExerciseError) -> SyncPlan) -> String? {
            grade("agent-sync-plan", AgentSyncPlanCases.cases(planner)).failedCase
        }
        #expect(failedCase(GradingTests.syncPlanner(renewsDeleted: true))
                == "a deleted entry whose SVID has also expired: drop it, do not renew it")
        #expect(failedCase(GradingTests.syncPlanner(comparesRevision: false))
                == "the entry changed (revision 4; the SVID was signed for revision 3), its SVID a minute old")
        // SPIRE rotates when the time left is at most (<=) the half.
        #expect(failedCase(GradingTests.syncPlanner(strictHalf: true))
                == "exactly half left: an SVID with no backdate, 30 minutes into its hour")
    }

    @Test func theConfigCheckerIsRightWithItsDefaultsAndTheStubIsNotDone() {
        // The helper the wrong solutions below are made from passes everything, so each wrong
        // solution differs from a right one exactly where its name says.
        let helper = grade("server-config-check", ServerConfigCheckCases.cases(configChecker()))
        #expect(helper.outcome == .passed, "failed on \(helper.failedCase ?? "?")")
        #expect(helper.count == 23)
        let stub = grade("server-config-check", ServerConfigCheckCases.cases(serverConfigProblem))
        #expect(stub.outcome == .notDone)
        #expect(stub.count == 1, "grading stops at the first case")
    }

    @Test func aConfigCheckInTheWrongOrderOrWithAKeyLookupForMissingFailsOnItsCase() {
        func failedCase(_ checker: @escaping @Sendable (ServerConfigBlock) throws(ExerciseError) -> ServerConfigProblem?) -> String? {
            grade("server-config-check", ServerConfigCheckCases.cases(checker)).failedCase
        }
        // "missing" as "no such key": `trust_domain = ""` slips through.
        #expect(failedCase(configChecker(emptyIsMissing: false))
                == "trust_domain written, but as the empty string")
        // Unknown keys looked for before anything else: SPIRE meets the missing data_dir first.
        #expect(failedCase(configChecker(unknownKeysFirst: true))
                == "no data_dir and an unknown key too: the missing setting is met first")
        // The lifetime warning before the unknown keys: a warning does not stop the server, the key does.
        #expect(failedCase(configChecker(warningBeforeUnknownKeys: true))
                == "an unknown key and a TTL too long for the CA: the unknown key stops the server first")
    }

    @Test func aLifetimeRuleOtherThanSPIREsFailsOnItsCase() {
        func failedCase(_ checker: @escaping @Sendable (ServerConfigBlock) throws(ExerciseError) -> ServerConfigProblem?) -> String? {
            grade("server-config-check", ServerConfigCheckCases.cases(checker)).failedCase
        }
        // The rule the issue first suggested, "ca_ttl longer than the SVID TTL": SPIRE wants six times.
        #expect(failedCase(configChecker(caLongerThanSVIDRule: true))
                == "default_x509_svid_ttl = \"5h\" under the default 24h CA: more than a sixth of it")
        // ">=" instead of ">": a TTL of exactly a sixth is what SPIRE can guarantee.
        #expect(failedCase(configChecker(atTheLimitWarns: true))
                == "default_x509_svid_ttl = \"4h\" under the default 24h CA: exactly a sixth is fine")
        // Only TTLs that are written take part: SPIRE's default 1h is forgotten under a 5h CA.
        #expect(failedCase(configChecker(defaultSVIDTTLs: false))
                == "ca_ttl = \"5h\" and no SVID TTL written: SPIRE's default 1h is more than a sixth of 5h")
        // ca_ttl / 6 with no 7-day cap.
        #expect(failedCase(configChecker(sevenDayCap: false))
                == "a 50-day CA (1200h) and an 8-day X509-SVID TTL (192h): never more than 7 days")
    }

// MARK: at file scope

    @Test func theEntryMatcherIsRightByDefaultAndTheStubIsNotDone() {
        // The helper the wrong solutions below are made from passes everything, so each wrong
        // solution differs from a right one exactly where its name says.
        let helper = grade("entry-matching", EntryMatchingCases.cases(entryMatcher()))
        #expect(helper.outcome == .passed, "failed on \(helper.failedCase ?? "?")")
        #expect(helper.count == 18)
        let reference = grade("entry-matching", EntryMatchingCases.cases(Solutions.matchingIdentities))
        #expect(reference.outcome == .passed, "failed on \(reference.failedCase ?? "?")")
        let stub = grade("entry-matching", EntryMatchingCases.cases(matchingIdentities))
        #expect(stub.outcome == .notDone)
        #expect(stub.count == 1, "grading stops at the first case")
    }

    @Test func matchingByTheWrongRuleFailsOnItsCase() {
        func failedCase(_ matcher: @escaping @Sendable (Set<String>, [CachedEntry]) throws(ExerciseError) -> [SpiffeID]) -> String? {
            grade("entry-matching", EntryMatchingCases.cases(matcher)).failedCase
        }
        // OR inside an entry: one matching selector is taken for all of them.
        #expect(failedCase(entryMatcher(anySelector: true))
                == "AND: the uid matches but the gid does not, so the entry does not match")
        // allSatisfy on an empty list is true: the entry without selectors goes to everyone.
        #expect(failedCase(entryMatcher(emptyMatches: true))
                == "an entry with no selectors matches nothing, not even this workload")
        // One SVID per SPIFFE ID instead of one per entry (a Set of IDs, say).
        #expect(failedCase(entryMatcher(dedupe: true))
                == "two entries give the same SPIFFE ID and both match: two SVIDs")
        // A workload selector that merely starts with the entry's counts as the entry's.
        #expect(failedCase(entryMatcher(same: { workload, wanted in workload.hasPrefix(wanted) }))
                == "a selector that only begins like one of the workload's (unix:uid:100) does not match")
        // Selectors compared without regard to case.
        #expect(failedCase(entryMatcher(same: { workload, wanted in workload.lowercased() == wanted.lowercased() }))
                == "selectors are compared exactly: unix:user:Prov is not unix:user:prov")
    }

    @Test func orderingByTheWrongKeyFailsOnItsCase() {
        func failedCase(_ order: MatcherOrder) -> String? {
            grade("entry-matching", EntryMatchingCases.cases(entryMatcher(order: order))).failedCase
        }
        // The entries' own order, as the cache happened to hand them over.
        #expect(failedCase(.asGiven) == "entries arrive in any order: the SVIDs come in entry-ID order")
        // Sorted by SPIFFE ID: a natural guess, and not what SPIRE does.
        #expect(failedCase(.spiffeID) == "ordered by entry ID, not by SPIFFE ID: the default is the entry with the lowest ID")
        // Digits compared as numbers (prov-2 before prov-10).
        #expect(failedCase(.numeric) == "entry IDs an operator chose are compared as text: prov-1, prov-10, prov-2")
        // Compared ignoring case (alpha before Zeta).
        #expect(failedCase(.ignoringCase) == "compared byte by byte: the entry ID Zeta comes before alpha")
    }

// MARK: at file scope

    @Test func theLeafMatcherIsRightByDefaultAndTheReferencePasses() {
        let reference = grade("leaf-matches-entry", LeafMatchesEntryCases.cases(Solutions.leafMismatch))
        #expect(reference.outcome == .passed, "failed on \(reference.failedCase ?? "?")")
        #expect(reference.count == 21)
        // The helper the wrong solutions below are made from is right with its defaults, so each
        // of them differs from a right solution in exactly the place its arguments say.
        let helper = grade("leaf-matches-entry", LeafMatchesEntryCases.cases(leafMatcher()))
        #expect(helper.outcome == .passed, "failed on \(helper.failedCase ?? "?")")
        let stub = grade("leaf-matches-entry", LeafMatchesEntryCases.cases(leafMismatch))
        #expect(stub.outcome == .notDone)
        #expect(stub.count == 1, "grading stops at the first case")
    }

    @Test func leafMatchersWithTheWrongURIRuleFailOnTheirCase() {
        func failedCase(_ matcher: @escaping @Sendable (Certificate, EntryIssuance) throws(ExerciseError) -> LeafMismatch?) -> String? {
            grade("leaf-matches-entry", LeafMatchesEntryCases.cases(matcher)).failedCase
        }
        // Counting every SAN name, DNS names too, instead of the URI names.
        #expect(failedCase(leafMatcher(countsEveryName: true)) == "no URI SAN at all, only a DNS name")
        // Reading the first URI SAN and never asking whether there is a second.
        #expect(failedCase(leafMatcher(onlyFirstURI: true))
                == "two URI SANs, the entry's ID first and spiffe://example.org/service-b second")
        // The ID compared as text by prefix, by its path alone, without case, or by host and path.
        #expect(failedCase(leafMatcher(sameID: { uri, id in uri.hasPrefix(id.description) }))
                == "the URI SAN is spiffe://example.org/service-ab, which only starts like the entry's ID")
        #expect(failedCase(leafMatcher(sameID: { uri, id in (try? SpiffeID(uri))?.path == id.path }))
                == "the entry's path in another trust domain: spiffe://example.com/service-a")
        #expect(failedCase(leafMatcher(sameID: { uri, id in uri.lowercased() == id.description.lowercased() }))
                == "spiffe://example.org/Service-A: a SPIFFE ID's path is case-sensitive")
        #expect(failedCase(leafMatcher(sameID: { uri, id in
            URL(string: uri).map { $0.host == id.trustDomain.name && $0.path == id.path } ?? false
        })) == "an https URI with the entry's trust domain and path: https://example.org/service-a")
    }

    @Test func leafMatchersWithTheWrongLifetimeSubjectOrCARuleFailOnTheirCase() {
        func failedCase(_ matcher: @escaping @Sendable (Certificate, EntryIssuance) throws(ExerciseError) -> LeafMismatch?) -> String? {
            grade("leaf-matches-entry", LeafMatchesEntryCases.cases(matcher)).failedCase
        }
        // No 10 s backdate: notAfter expected at notBefore + TTL.
        #expect(failedCase(leafMatcher(backdate: 0))
                == "SPIRE's leaf for service-a: one URI SAN, notBefore 10 s back, 3610 s in all, C=US, O=SPIRE, cA false")
        // The entry's TTL of 0 taken literally, or read as a fixed hour instead of the server's default.
        #expect(failedCase(leafMatcher(ttlOf: { $0.x509SVIDTTL }))
                == "an entry created without -x509SVIDTTL (0) on a server whose default_x509_svid_ttl is 1h: 3610 s")
        #expect(failedCase(leafMatcher(ttlOf: { $0.x509SVIDTTL > 0 ? $0.x509SVIDTTL : 3600 }))
                == "an entry created without -x509SVIDTTL (0) on a server whose default_x509_svid_ttl is 4h: 14410 s")
        // TTL + 10 s always, as if no CA ever cut a leaf short.
        #expect(failedCase(leafMatcher(capsAtCA: false))
                == "cut back to its CA: a 3600 s entry whose CA had 30 min left gets 1810 s, ending with the CA")
        // "No longer than the entry asked" instead of "exactly what the server computes".
        #expect(failedCase(leafMatcher(lifetimeMatches: { notAfter, expected in notAfter <= expected }))
                == "exactly 3600 s, notBefore at the moment of signing: the 10 s backdate is missing")
        // The subject searched for its two parts instead of compared as a whole name.
        #expect(failedCase(leafMatcher(subjectMatches: { name in
            name.description.contains("C=US") && name.description.contains("O=SPIRE")
        })) == "C=US, O=SPIRE plus CN=service-a: SPIRE adds a CN only for -dns names, and this entry has none")
        // Only cA true refused, so a leaf without basic constraints passes.
        #expect(failedCase(leafMatcher(caMatches: { constraints in
            if case .isCertificateAuthority = constraints { return false }
            return true
        })) == "no basic constraints extension: SPIRE always writes one, with cA false")
    }

// At file scope, next to the suite:

    @Test func theRiskRaterIsRightByDefaultAndLifetimeMistakesFailOnTheirEdge() {
        // The helper the wrong solutions are made from passes every case, so each wrong solution
        // differs from a right one exactly where its arguments say.
        let helper = grade("credential-risk", CredentialRiskCases.cases(riskRater()))
        #expect(helper.outcome == .passed, "failed on \(helper.failedCase ?? "?")")
        #expect(helper.count == 22)
        // No expiry read as the shortest band.
        let noExpiryIsShort = grade("credential-risk", CredentialRiskCases.cases(riskRater(noExpiryLevel: 1)))
        #expect(noExpiryIsShort.outcome == .failed(got: "medium"))
        #expect(noExpiryIsShort.failedCase
                == "an API key with no expiry, read only by its workload, replaced by a job: no expiry is the longest band")
        // Bands that leave out their upper end (`<` where the rubric says "up to").
        let strict = grade("credential-risk", CredentialRiskCases.cases(riskRater(bandIncludesEnd: false)))
        #expect(strict.outcome == .failed(got: "critical"))
        #expect(strict.failedCase
                == "a session token in a CI variable, refreshed by hand, living exactly one day (86400 s): up to one day includes the day")
    }

    @Test func aCriticalRuleThatSkipsAFactorOrAWideAudienceScoredMediumFails() {
        // Critical for any long-lived bearer secret rotated by hand, whoever can read it.
        let ignoresReaders = grade("credential-risk", CredentialRiskCases.cases(riskRater(critical: .ignoringReaders)))
        #expect(ignoresReaders.outcome == .failed(got: "critical"))
        #expect(ignoresReaders.failedCase
                == "an API key with no expiry, rotated by hand, but read only by its workload: one factor is low")
        // Critical for any bearer secret people handle by hand, however briefly it lives.
        let ignoresLifetime = grade("credential-risk", CredentialRiskCases.cases(riskRater(critical: .ignoringLifetime)))
        #expect(ignoresLifetime.outcome == .failed(got: "critical"))
        #expect(ignoresLifetime.failedCase
                == "a join token an operator pastes: 10 minutes, a bearer secret, made by hand for each agent")
        // People who can read it scored like the host's processes.
        let peopleLikeHost = grade("credential-risk", CredentialRiskCases.cases(riskRater(peopleLevel: 2)))
        #expect(peopleLikeHost.outcome == .failed(got: "medium"))
        #expect(peopleLikeHost.failedCase == "a webhook secret that a partner's staff can read, replaced by a job every 12 hours")
    }

    @Test func aMissingOrHalfSigningKeyRuleFails() {
        // No rule for signing keys: SPIRE's own CA key rates low on its factors alone.
        let noRule = grade("credential-risk", CredentialRiskCases.cases(riskRater(signing: .ignored)))
        #expect(noRule.outcome == .failed(got: "low"))
        #expect(noRule.failedCase
                == "SPIRE's CA key with the disk KeyManager: ca_ttl 24 h, held by the server, rotated by SPIRE; every factor low, but it signs SVIDs")
        // The floor without its second half: a CA key readable on its host stays high.
        let floorOnly = grade("credential-risk", CredentialRiskCases.cases(riskRater(signing: .floorOnly)))
        #expect(floorOnly.outcome == .failed(got: "high"))
        #expect(floorOnly.failedCase
                == "SPIRE's CA key in a file any process on the server can read: ca_ttl 24 h, rotated by SPIRE")
        #expect(floorOnly.count == 21, "every case before it passes")
    }

// Below `struct GradingTests`:

    @Test func aGroupChooserThatMisreadsTheKeySharesFails() {
        // Only the client's first share is compared: the second share, X25519, is what an old server needs.
        let firstShareOnly = grade("group-choice", GroupChoiceCases.cases(groupChooser(shares: .firstOnly)))
        #expect(firstShareOnly.outcome == .failed(got: GroupChoice.helloRetryRequest(.x25519).description))
        #expect(firstShareOnly.failedCase
                == "a server without ML-KEM (OpenSSL 3.0's groups): the client's second share, X25519, saves a round trip")
        // A share is assumed: no HelloRetryRequest, ever.
        let neverRetries = grade("group-choice", GroupChoiceCases.cases(groupChooser(shares: .assumed)))
        #expect(neverRetries.outcome == .failed(got: GroupChoice.serverHello(.x25519).description))
        #expect(neverRetries.failedCase
                == "the client's favourite has a share but the server lacks it; the second has none (openssl -groups X448:X25519)")
        // Shares of the chosen group are not counted: a duplicate goes through.
        #expect(grade("group-choice", GroupChoiceCases.cases(groupChooser(shares: .atLeastOne))).failedCase
                == "two shares of the chosen group: the client broke RFC 8446 §4.2.8")
        // Any duplicate share refused, even of a group nobody chose.
        #expect(grade("group-choice", GroupChoiceCases.cases(groupChooser(shares: .anyDuplicateRefused))).failedCase
                == "two shares of a group the server does not choose: only the chosen group's share is looked at")
    }

    @Test func aGroupChooserWithTheWrongOrderFails() {
        // A group with a share is preferred to the client's favourite: saves a round trip, breaks the rule.
        let prefersShares = grade("group-choice", GroupChoiceCases.cases(groupChooser(prefersShares: true)))
        #expect(prefersShares.outcome == .failed(got: GroupChoice.serverHello(.x25519).description))
        #expect(prefersShares.failedCase
                == "three hybrids before X25519, shares of X25519MLKEM768 and X25519, a server with SecP256r1MLKEM768 and X25519: the client's order wins over the share")
        // `preference` ignored: always the client's order.
        #expect(grade("group-choice", GroupChoiceCases.cases(groupChooser(ignoresPreference: true))).failedCase
                == "server preference: the server's first group wins, and the client sent no share of it")
        // Server preference read as "the server's first group", offered or not.
        let serverFirst = grade("group-choice", GroupChoiceCases.cases(groupChooser(serverTakesItsFirst: true)))
        #expect(serverFirst.outcome == .failed(got: GroupChoice.helloRetryRequest(.secp384r1MLKEM1024).description))
        #expect(serverFirst.failedCase == "server preference: the server's first group is one the client never listed")
        // Ranks built in a dictionary, so a group listed twice takes its last place.
        #expect(grade("group-choice", GroupChoiceCases.cases(groupChooser(lastPlaceCounts: true))).failedCase
                == "X25519 listed twice in supported_groups: its first place counts")
    }

    @Test func aGroupChooserThatTakesSharesAsOffersOrNegotiatesGREASEFails() {
        // Key shares counted as offers of their own.
        let sharesAsOffers = grade("group-choice", GroupChoiceCases.cases(groupChooser(sharesAreOffers: true)))
        #expect(sharesAsOffers.outcome == .failed(got: GroupChoice.serverHello(.secp384r1).description))
        #expect(sharesAsOffers.failedCase == "a key share of secp384r1, which the client left out of supported_groups: not an offer")
        // GREASE compared like any group: harmless until the server's list carries one too.
        let negotiatesGREASE = grade("group-choice", GroupChoiceCases.cases(groupChooser(skipsGREASE: false)))
        #expect(negotiatesGREASE.outcome == .failed(got: GroupChoice.serverHello(NamedGroup(0x2A2A)).description))
        #expect(negotiatesGREASE.failedCase
                == "a server list copied from a packet capture, GREASE value included: still never negotiated")
    }

// Below `struct GradingTests`:

    @Test func aFederationTrusterThatGetsDeliveryWrongFails() {
        func failedCase(_ truster: @escaping @Sendable (SpiffeID, TrustDomain, [TrustDomain], [HeldBundle]) throws(ExerciseError) -> PeerBundle) -> String? {
            grade("federation-trust", FederationTrustCases.cases(truster)).failedCase
        }
        // Every bundle the agent holds is used, federatesWith or not.
        let ignoresEntry = grade("federation-trust", FederationTrustCases.cases(federationTruster(ignoresFederatesWith: true)))
        #expect(ignoresEntry.outcome == .failed(got: "validate with the bundle held for partner.example [partner.example CA; JWT partner-jwt]"))
        #expect(ignoresEntry.failedCase == "the agent holds partner.example's bundle, but this entry does not federate with partner.example")
        // Your own trust domain treated like a foreign one: it would need -federatesWith too.
        #expect(failedCase(federationTruster(ownNeedsFederatesWith: true))
                == "a peer of your own trust domain: your own bundle, which comes with every SVID")
        // The held bundles asked before the entry: "no bundle" where the answer is "not federated".
        #expect(failedCase(federationTruster(looksUpBeforeDelivery: true)) == "a peer of other.org, a trust domain nobody federates with")
        // Trust domains compared as string prefixes.
        #expect(failedCase(federationTruster(comparesPrefixes: true))
                == "a peer of partner.example.evil.com: not partner.example, however it starts")
    }

    @Test func aFederationTrusterThatReadsTheCertificatesOrMergesFails() {
        // The bundle picked by the URI SAN its CA carries, the held name only as a fallback.
        let byClaim = grade("federation-trust", FederationTrustCases.cases(federationTruster(keysByCertificate: true)))
        #expect(byClaim.outcome == .failed(got: "validate with the bundle held for partner.example [a CA naming spiffe://other.org]"))
        #expect(byClaim.failedCase
                == "partner.example's bundle holds a CA whose URI SAN says spiffe://other.org: an other.org peer still has no bundle")
        // Every delivered bundle pooled into one (a single trust store, as Web PKI has).
        #expect(grade("federation-trust", FederationTrustCases.cases(federationTruster(poolsEverything: true))).failedCase
                == "a peer of your own trust domain: your own bundle, which comes with every SVID")
        // "The first bundle is always mine."
        #expect(grade("federation-trust", FederationTrustCases.cases(federationTruster(ownIsFirst: true))).failedCase
                == "partner.example's bundle, listed first, also carries a copy of your own CA: your own peers still use your own bundle")
    }

    @Test func aFederationTrusterThatAcceptsEmptyOrDuplicateBundlesFails() {
        func failedCase(_ truster: @escaping @Sendable (SpiffeID, TrustDomain, [TrustDomain], [HeldBundle]) throws(ExerciseError) -> PeerBundle) -> String? {
            grade("federation-trust", FederationTrustCases.cases(truster)).failedCase
        }
        // An empty bundle handed back as if it could validate something.
        #expect(failedCase(federationTruster(emptyIsUsable: true)) == "partner.example published \"keys\": [], withdrawing every key")
        // A JWT key counted as a key an X509-SVID could chain to.
        #expect(failedCase(federationTruster(jwtKeysCount: true))
                == "partner.example's bundle holds a JWT key only: nothing an X509-SVID could chain to")
        // The first of two bundles under one name taken; or the two merged.
        let first = grade("federation-trust", FederationTrustCases.cases(federationTruster(duplicates: .first)))
        #expect(first.outcome == .failed(got: "validate with the bundle held for partner.example [partner.example CA; JWT partner-jwt]"))
        #expect(first.failedCase == "partner.example appears twice in the bundle map, with different CAs")
        #expect(failedCase(federationTruster(duplicates: .merged)) == "partner.example appears twice in the bundle map, with different CAs")
    }

// Below `struct GradingTests`:
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

/// A join-token decision that is right with its defaults; each argument makes one typical mistake.
func tokenDecider(
    matches: @escaping @Sendable (_ stored: String, _ presented: String) -> Bool = { $0 == $1 },
    spends: Bool = true,
    spendsExpired: Bool = true,
    prunesExpired: Bool = false,
    fixedTrustDomain: TrustDomain? = nil
) -> @Sendable (String, [StoredJoinToken], TrustDomain, Date) throws(ExerciseError) -> JoinTokenDecision {
    { presented, stored, trustDomain, now in
        var remaining = stored
        if prunesExpired { remaining.removeAll { $0.value != presented && $0.expiresAt <= now } }
        guard let index = remaining.firstIndex(where: { matches($0.value, presented) }) else {
            return JoinTokenDecision(outcome: .refused(.unknownOrUsed), remaining: remaining)
        }
        let token = remaining[index]
        let expired = token.expiresAt <= now
        if spends && (spendsExpired || !expired) { remaining.remove(at: index) }
        if expired { return JoinTokenDecision(outcome: .refused(.expired), remaining: remaining) }
        let id = try! SpiffeID(trustDomain: fixedTrustDomain ?? trustDomain, path: "/spire/agent/join_token/\(token.value)")
        return JoinTokenDecision(outcome: .attested(id), remaining: remaining)
    }
}

/// A decision in the reference order with one part swappable; right with its defaults.
func iidDecider(
    emptyListAdmitsAny: Bool = true,
    accountMatches: @escaping @Sendable (_ account: String, _ allowed: String) -> Bool = { $0 == $1 },
    trustDomainOf: @escaping @Sendable (TrustDomain) -> TrustDomain = { $0 },
    refusesSlash: Bool = true,
    alreadyAttested: @escaping @Sendable (SpiffeID, Set<SpiffeID>, IIDFields) -> Bool = { id, attested, _ in attested.contains(id) },
    firstUseOnlyWithoutList: Bool = false
) -> @Sendable (IIDFields, TrustDomain, Set<String>, Set<SpiffeID>) throws(ExerciseError) -> IIDDecision {
    { document, trustDomain, allowed, attested in
        let admitted = allowed.isEmpty ? emptyListAdmitsAny : allowed.contains { accountMatches(document.accountId, $0) }
        if !admitted { return .refused(.accountNotAllowed) }
        let fields = [document.accountId, document.region, document.instanceId]
        if fields.contains(where: { $0.isEmpty || (refusesSlash && $0.contains("/")) }) { return .refused(.badField) }
        guard let id = try? SpiffeID(trustDomain: trustDomainOf(trustDomain), path: "/spire/agent/aws_iid/" + fields.joined(separator: "/")) else {
            return .refused(.badField)
        }
        let checksFirstUse = !(firstUseOnlyWithoutList && !allowed.isEmpty)
        if checksFirstUse, alreadyAttested(id, attested, document) { return .refused(.alreadyAttested) }
        return .agent(id)
    }
}

/// A server.conf check that is right with its defaults; each argument makes one typical mistake.
func configChecker(
    emptyIsMissing: Bool = true,
    unknownKeysFirst: Bool = false,
    warningBeforeUnknownKeys: Bool = false,
    caLongerThanSVIDRule: Bool = false,
    atTheLimitWarns: Bool = false,
    defaultSVIDTTLs: Bool = true,
    sevenDayCap: Bool = true
) -> @Sendable (ServerConfigBlock) throws(ExerciseError) -> ServerConfigProblem? {
    { block in
        func unknownKey() -> ServerConfigProblem? {
            block.settings.keys.filter { !SpireServerSettings.knownKeys.contains($0) }.sorted().first.map { .unknownKey($0) }
        }
        if unknownKeysFirst, let problem = unknownKey() { return problem }
        for key in ["trust_domain", "data_dir"] {
            let value = block[key]
            if value == nil || (emptyIsMissing && value == "") { return .missing(key) }
        }
        var parsed: [String: Double] = [:]
        for key in ["agent_ttl", "default_x509_svid_ttl", "default_jwt_svid_ttl", "ca_ttl"] {
            guard let text = block[key], !text.isEmpty else { continue }
            guard let value = SpireServerSettings.durationSeconds(text) else { return .notADuration(key) }
            parsed[key] = value
        }
        let seconds = parsed
        func lifetimeWarning() -> ServerConfigProblem? {
            let ca = seconds["ca_ttl"] ?? 86_400
            if caLongerThanSVIDRule {
                return ca > (seconds["default_x509_svid_ttl"] ?? 3600) ? nil : .tooLongForCATTL("default_x509_svid_ttl")
            }
            let limit = sevenDayCap ? min(ca / 6, 604_800) : ca / 6
            func tooLong(_ ttl: Double) -> Bool { atTheLimitWarns ? ttl >= limit : ttl > limit }
            for (key, fallback) in [("default_x509_svid_ttl", 3600.0), ("default_jwt_svid_ttl", 300.0)] {
                if let ttl = seconds[key] ?? (defaultSVIDTTLs ? fallback : nil), tooLong(ttl) { return .tooLongForCATTL(key) }
            }
            if let agent = seconds["agent_ttl"], tooLong(agent) { return .tooLongForCATTL("agent_ttl") }
            return nil
        }
        if warningBeforeUnknownKeys, let problem = lifetimeWarning() { return problem }
        if let problem = unknownKey() { return problem }
        return lifetimeWarning()
    }
}

/// How a wrong solution might order the matching entries.
enum MatcherOrder: Sendable {
    case entryID, asGiven, spiffeID, numeric, ignoringCase
}

/// An entry matcher that is right with its defaults; each argument makes one typical mistake.
/// `same(workloadSelector, entrySelector)` says whether the workload has the entry's selector.
func entryMatcher(
    anySelector: Bool = false,
    emptyMatches: Bool = false,
    order: MatcherOrder = .entryID,
    dedupe: Bool = false,
    same: @escaping @Sendable (String, String) -> Bool = { $0 == $1 }
) -> @Sendable (Set<String>, [CachedEntry]) throws(ExerciseError) -> [SpiffeID] {
    { workload, entries in
        func has(_ wanted: String) -> Bool { workload.contains { same($0, wanted) } }
        var matching = entries.filter { entry in
            if entry.selectors.isEmpty { return emptyMatches }
            return anySelector ? entry.selectors.contains(where: has) : entry.selectors.allSatisfy(has)
        }
        switch order {
        case .entryID: matching.sort { $0.entryID.utf8.lexicographicallyPrecedes($1.entryID.utf8) }
        case .asGiven: break
        case .spiffeID: matching.sort { $0.spiffeID.description < $1.spiffeID.description }
        case .numeric: matching.sort { $0.entryID.compare($1.entryID, options: .numeric) == .orderedAscending }
        case .ignoringCase: matching.sort { $0.entryID.lowercased() < $1.entryID.lowercased() }
        }
        var ids = matching.map(\.spiffeID)
        if dedupe {
            var seen = Set<SpiffeID>()
            ids = ids.filter { seen.insert($0).inserted }
        }
        return ids
    }
}

/// credtemplate's DefaultX509SVIDSubject, C=US, O=SPIRE.
let leafMatcherSPIRESubject = try! DistinguishedName {
    CountryName("US")
    OrganizationName("SPIRE")
}

/// A leaf matcher in the reference order with one part swappable; right with its defaults.
func leafMatcher(
    countsEveryName: Bool = false,
    onlyFirstURI: Bool = false,
    sameID: @escaping @Sendable (_ uri: String, _ id: SpiffeID) -> Bool = { uri, id in (try? SpiffeID(uri)) == id },
    ttlOf: @escaping @Sendable (EntryIssuance) -> Int = { $0.x509SVIDTTL > 0 ? $0.x509SVIDTTL : $0.defaultX509SVIDTTL },
    backdate: TimeInterval = 10,
    capsAtCA: Bool = true,
    lifetimeMatches: @escaping @Sendable (_ notAfter: Date, _ expected: Date) -> Bool = { $0 == $1 },
    subjectMatches: @escaping @Sendable (DistinguishedName) -> Bool = { $0 == leafMatcherSPIRESubject },
    caMatches: @escaping @Sendable (BasicConstraints?) -> Bool = { $0 == .notCertificateAuthority }
) -> @Sendable (Certificate, EntryIssuance) throws(ExerciseError) -> LeafMismatch? {
    { leaf, issuance in
        let names = (try? leaf.extensions.subjectAlternativeNames) ?? SubjectAlternativeNames()
        let uris = names.compactMap { name -> String? in
            if case .uniformResourceIdentifier(let uri) = name { return uri }
            return nil
        }
        if onlyFirstURI {
            guard let first = uris.first else { return .uriSANCount }
            guard sameID(first, issuance.spiffeID) else { return .spiffeID }
        } else {
            guard (countsEveryName ? names.count : uris.count) == 1 else { return .uriSANCount }
            guard let uri = uris.first, sameID(uri, issuance.spiffeID) else { return .spiffeID }
        }
        var expected = leaf.notValidBefore + backdate + TimeInterval(ttlOf(issuance))
        if capsAtCA { expected = min(expected, issuance.caNotAfter) }
        guard lifetimeMatches(leaf.notValidAfter, expected) else { return .lifetime }
        guard subjectMatches(leaf.subject) else { return .subject }
        guard caMatches(try? leaf.extensions.basicConstraints) else { return .ca }
        return nil
    }
}

/// How a wrong `credential-risk` applies the critical rule.
enum RiskCriticalRule: Sendable { case allFactors, ignoringReaders, ignoringLifetime }
/// How a wrong `credential-risk` treats a key that signs credentials.
enum RiskSigningRule: Sendable { case full, floorOnly, ignored }

/// A rating by the Day 21 rubric that is right with its defaults; each argument makes one typical
/// mistake of `credential-risk`. Levels: 1 low, 2 medium, 3 high.
func riskRater(
    noExpiryLevel: Int = 3,
    bandIncludesEnd: Bool = true,
    critical: RiskCriticalRule = .allFactors,
    peopleLevel: Int = 3,
    signing: RiskSigningRule = .full
) -> @Sendable (InventoryCredential) throws(ExerciseError) -> CredentialRisk {
    { credential in
        let lifetime: Int
        if let seconds = credential.lifetime {
            let within: (Double, Double) -> Bool = bandIncludesEnd ? { $0 <= $1 } : { $0 < $1 }
            lifetime = within(seconds, 86_400) ? 1 : within(seconds, 7_776_000) ? 2 : 3
        } else {
            lifetime = noExpiryLevel
        }
        let use = credential.use == .bearer ? 2 : 1
        let readers: Int
        switch credential.readers {
        case .nobody, .oneWorkload: readers = 1
        case .host: readers = 2
        case .people: readers = peopleLevel
        }
        let rotation = credential.rotationAutomated ? 1 : 3
        if credential.signsCredentials && signing == .full { return readers > 1 ? .critical : .high }

        let isCritical: Bool
        switch critical {
        case .allFactors: isCritical = [lifetime, use, readers, rotation].allSatisfy { $0 > 1 }
        case .ignoringReaders: isCritical = lifetime > 1 && use > 1 && rotation > 1
        case .ignoringLifetime: isCritical = use > 1 && readers > 1 && rotation > 1
        }
        let worst = max(lifetime, use, readers, rotation)
        var rating: CredentialRisk = isCritical ? .critical : worst == 3 ? .high : worst == 2 ? .medium : .low
        if credential.signsCredentials && signing == .floorOnly && (rating == .medium || rating == .low) { rating = .high }
        return rating
    }
}

/// How a wrong `group-choice` solution reads the key shares of the chosen group.
enum ShareReading: Sendable {
    /// Counted: none, one, more than one (right).
    case counted
    /// Only the first share is compared with the chosen group.
    case firstOnly
    /// Never looked at: always a ServerHello.
    case assumed
    /// One or more: a ServerHello; duplicates never noticed.
    case atLeastOne
    /// Any group with two shares makes the handshake fail.
    case anyDuplicateRefused
}

/// A group chooser with one rule switched off at a time: the typical wrong solutions of
/// `group-choice`. With its defaults it behaves like the reference solution.
func groupChooser(
    skipsGREASE: Bool = true, sharesAreOffers: Bool = false, ignoresPreference: Bool = false,
    serverTakesItsFirst: Bool = false, prefersShares: Bool = false, lastPlaceCounts: Bool = false,
    shares reading: ShareReading = .counted
) -> @Sendable (ClientGroupOffer, [NamedGroup], GroupPreference) throws(ExerciseError) -> GroupChoice {
    let chooser: @Sendable (ClientGroupOffer, [NamedGroup], GroupPreference) throws(ExerciseError) -> GroupChoice = { offer, server, preference in
        var offered = offer.supportedGroups.filter { !skipsGREASE || !$0.isGREASE }
        if sharesAreOffers {
            let listed = offered
            offered += offer.keyShares.filter { !listed.contains($0) && (!skipsGREASE || !$0.isGREASE) }
        }
        let accepted = server.filter { !skipsGREASE || !$0.isGREASE }
        let byServer = preference == .server && !ignoresPreference
        let (ranked, other) = byServer ? (accepted, offered) : (offered, accepted)

        let chosen: NamedGroup
        if byServer && serverTakesItsFirst {
            guard let first = accepted.first else { return .noCommonGroup }
            chosen = first
        } else {
            var common: [NamedGroup]
            if lastPlaceCounts {
                var place: [NamedGroup: Int] = [:]
                for (index, group) in ranked.enumerated() { place[group] = index }
                common = place.keys.filter { other.contains($0) }.sorted { place[$0]! < place[$1]! }
            } else {
                common = ranked.filter { other.contains($0) }
            }
            if prefersShares, let withShare = common.first(where: { offer.keyShares.contains($0) }) {
                common = [withShare]
            }
            guard let first = common.first else { return .noCommonGroup }
            chosen = first
        }

        let count = offer.keyShares.filter { $0 == chosen }.count
        switch reading {
        case .counted:
            return count == 0 ? .helloRetryRequest(chosen) : count == 1 ? .serverHello(chosen) : .duplicateKeyShare(chosen)
        case .firstOnly:
            return offer.keyShares.first == chosen ? .serverHello(chosen) : .helloRetryRequest(chosen)
        case .assumed:
            return .serverHello(chosen)
        case .atLeastOne:
            return count == 0 ? .helloRetryRequest(chosen) : .serverHello(chosen)
        case .anyDuplicateRefused:
            if Set(offer.keyShares).count != offer.keyShares.count { return .duplicateKeyShare(chosen) }
            return count == 0 ? .helloRetryRequest(chosen) : .serverHello(chosen)
        }
    }
    return chooser
}

/// What a wrong `federation-trust` solution does with two bundles held under one name.
enum DuplicateBundles: Sendable {
    /// Refuses them (right).
    case refused
    /// Takes the first.
    case first
    /// Merges their keys into one bundle.
    case merged
}

/// A federation truster with one rule switched off at a time: the typical wrong solutions of
/// `federation-trust`. With its defaults it behaves like the reference solution.
func federationTruster(
    ignoresFederatesWith: Bool = false, ownNeedsFederatesWith: Bool = false, looksUpBeforeDelivery: Bool = false,
    comparesPrefixes: Bool = false, keysByCertificate: Bool = false, poolsEverything: Bool = false,
    ownIsFirst: Bool = false, emptyIsUsable: Bool = false, jwtKeysCount: Bool = false,
    duplicates: DuplicateBundles = .refused
) -> @Sendable (SpiffeID, TrustDomain, [TrustDomain], [HeldBundle]) throws(ExerciseError) -> PeerBundle {
    let truster: @Sendable (SpiffeID, TrustDomain, [TrustDomain], [HeldBundle]) throws(ExerciseError) -> PeerBundle = { peer, own, federatesWith, held in
        let wanted = peer.trustDomain
        func same(_ a: TrustDomain, _ b: TrustDomain) -> Bool {
            comparesPrefixes ? a.name.hasPrefix(b.name) : a == b
        }
        func claimed(_ certificate: Certificate) -> TrustDomain? {
            guard let names = try? certificate.extensions.subjectAlternativeNames else { return nil }
            for case .uniformResourceIdentifier(let uri) in names { return try? TrustDomain(uri) }
            return nil
        }
        let delivered = ignoresFederatesWith
            || (same(wanted, own) && !ownNeedsFederatesWith)
            || federatesWith.contains { same(wanted, $0) }
        var candidates = held.filter { same(wanted, $0.trustDomain) }
        if keysByCertificate {
            let byClaim = held.filter { $0.x509Authorities.contains { claimed($0) == wanted } }
            if !byClaim.isEmpty { candidates = byClaim }
        }
        if ownIsFirst, wanted == own, let first = held.first { candidates = [first] }
        if looksUpBeforeDelivery, candidates.isEmpty { return .noBundle(wanted) }
        guard delivered else { return .notFederated(wanted) }
        if poolsEverything {
            let pool = held.filter { $0.trustDomain == own || ignoresFederatesWith || federatesWith.contains($0.trustDomain) }
            candidates = [HeldBundle(trustDomain: wanted, x509Authorities: pool.flatMap(\.x509Authorities), jwtKeyIDs: pool.flatMap(\.jwtKeyIDs))]
        }
        guard var bundle = candidates.first else { return .noBundle(wanted) }
        if candidates.count > 1 {
            switch duplicates {
            case .refused: return .ambiguous(wanted)
            case .first: break
            case .merged:
                bundle = HeldBundle(trustDomain: wanted, x509Authorities: candidates.flatMap(\.x509Authorities),
                                    jwtKeyIDs: candidates.flatMap(\.jwtKeyIDs))
            }
        }
        let usable = emptyIsUsable || !bundle.x509Authorities.isEmpty || (jwtKeysCount && !bundle.jwtKeyIDs.isEmpty)
        guard usable else { return .trustsNothing(wanted) }
        return .validateWith(bundle)
    }
    return truster
}
