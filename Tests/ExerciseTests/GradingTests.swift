import ExerciseKit
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
        #expect(ExerciseCatalog.all.map(\.id) == ["leaf-key-usage", "peer-authorization"])
    }

    @Test func theReferenceSolutionsPassEveryCase() {
        let keyUsage = grade("leaf-key-usage", LeafKeyUsageCases.cases(Solutions.leafKeyUsageProblem))
        #expect(keyUsage.outcome == .passed, "failed on \(keyUsage.failedCase ?? "?")")
        #expect(keyUsage.count == 8)
        let authorization = grade("peer-authorization", PeerAuthorizationCases.cases(Solutions.isAuthorized))
        #expect(authorization.outcome == .passed, "failed on \(authorization.failedCase ?? "?")")
        #expect(authorization.count == 11)
    }

    @Test func theShippedStubsAreNotDoneYet() {
        let keyUsage = grade("leaf-key-usage", LeafKeyUsageCases.cases(leafKeyUsageProblem))
        #expect(keyUsage.outcome == .notDone)
        #expect(keyUsage.count == 1, "grading stops at the first case")
        let authorization = grade("peer-authorization", PeerAuthorizationCases.cases(isAuthorized))
        #expect(authorization.outcome == .notDone)
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
}
