import Foundation
import SpiffeIdentity
import SpiffeJWT
import Testing
import TestSupport

/// Tokens built to crash the validator before their signature is checked. Each used to trap in
/// a Double-to-Int conversion while the report line was written; the agent's ValidateJWTSVID
/// runs the same code, so one such token ended the agent for every workload.
@Suite("JWT-SVID validation survives hostile NumericDates")
struct HostileTokenTests {
    @Test("every check runs and the token is refused, with times in words", arguments: HostileTokens.all)
    func refusedNotCrashed(token: String) throws {
        let fixture = try Fixture()
        let verdict = fixture.validator.check(token, bundles: fixture.bundles, now: Fixture.now)
        #expect(!verdict.isValid)
        // Either every check ran, or the JSON itself was refused (1e400 is not a finite number).
        #expect(verdict.checks.count == JWTCheck.Name.allCases.count || verdict.checks.first.map { "\($0.outcome)".contains("failed") } == true)
        let text = verdict.checks.map { "\($0.outcome)" }.joined(separator: "\n")
        #expect(!text.contains("5828963"), "a made-up year: \(text)")
        #expect(throws: JWTSVIDError.self) {
            try fixture.validator.validate(token, bundles: fixture.bundles, now: Fixture.now)
        }
    }

    @Test("a far-future exp that is signed is valid, and said so honestly")
    func signedFarFuture() throws {
        let fixture = try Fixture()
        var claims = fixture.claims
        claims["exp"] = .number(1e300)
        let verdict = fixture.validator.check(try fixture.token(claims: claims), bundles: fixture.bundles, now: Fixture.now)
        #expect(verdict.isValid)
        let expiry = try #require(verdict.checks.first { $0.name == .expiry })
        #expect("\(expiry.outcome)".contains("after 9999-12-31T23:59:59Z, in over 10000 years"), "\(expiry.outcome)")
    }
}
