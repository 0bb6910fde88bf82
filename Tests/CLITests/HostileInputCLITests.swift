import Foundation
import Testing
import TestSupport

/// Inputs that used to crash a command (exit 132, SIGILL from a trapping conversion) or make it
/// lie (exit 0 for a forged token), run through the real binaries. Every case must end with a
/// deliberate exit status: never 128 or more.
@Suite("Hostile input: no crashes, no false successes")
struct HostileInputCLITests {
    let state: URL

    init() throws { state = try TestSupport.makeTempDirectory(prefix: "hostile-cli") }

    func demo(_ args: [String], stdin: String? = nil) async throws -> TestSupport.ProcessResult {
        try await TestSupport.run("spiffe-demo", args, env: ["SPIFFE_DEMO_STATE": state.path], stdin: stdin,
                            currentDirectory: state, deadline: 120)
    }

    static let farFuture = HostileTokens.unsigned(claims: #"{"sub":"spiffe://example.org/a","aud":"bob","exp":1e300,"iat":18446744073709551617,"nbf":1e300}"#)

    @Test("tokens and --at values past any real time: a deliberate exit, one line on stderr")
    func farFutureTimes() async throws {
        let bundleDir = state.appendingPathComponent("b")
        let minted = try await demo(["jwt-svid", "--audience", "bob", "--write", bundleDir.path])
        #expect(minted.status == 0, "\(minted)")
        let bundle = bundleDir.appendingPathComponent("jwt_bundle.json").path

        // Shown without a bundle: it parses; the times are said honestly.
        let shown = try await demo(["jwt-parse", Self.farFuture])
        #expect(shown.status == 0, "\(shown)")
        #expect(shown.stdout.contains("after 9999-12-31T23:59:59Z"), "\(shown.stdout)")
        let json = try await demo(["jwt-parse", Self.farFuture, "--json"])
        #expect(json.status == 0, "\(json)")

        let cases: [([String], String)] = [
            (["jwt-parse", Self.farFuture, "--bundle", bundle, "--trust-domain", "example.org", "--audience", "bob"], "jwt-parse: rejected:"),
            (["jwt-parse", Self.farFuture, "--at", "1e300"], "jwt-parse: --at \"1e300\" is not a time between 1970 and 9999"),
            (["jwt-svid", "--audience", "bob", "--at", "1e300"], "jwt-svid: --at \"1e300\" is not a time"),
            (["jwt-svid", "--audience", "bob", "--at", "+99999999999999999h"], "jwt-svid: --at"),
            (["oidc-discovery", "--issuer", "https://oidc.example.org", "--check-token", Self.farFuture], "oidc-discovery: "),
            (["validate", "nothing.pem", "--bundle", "b.pem", "--at", "+99999999999999999h"], "spiffe-demo: --at \"+99999999999999999h\" is not a time"),
            (["make-svid", "spiffe://example.org/a", "--ttl", "99999999999999999h"], "spiffe-demo: --ttl \"99999999999999999h\" is not a duration from 1s to 100 years"),
            (["make-svid", "spiffe://example.org/a", "--ttl", "-5m"], "spiffe-demo: --ttl \"-5m\": a duration must be positive"),
            (["jwt-svid", "--audience", "bob", "--at", "-30m", "--ttl", "-1m"], "jwt-svid: --ttl '-1m' is not a duration"),
        ]
        for (args, prefix) in cases {
            let result = try await demo(args)
            #expect(result.status == 1, "\(args): \(result)")
            #expect(result.stderr.hasPrefix(prefix), "\(args): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(args): \(result.stderr)")
        }
    }

    @Test("a certificate whose notBefore says second 61 is refused in one line, not a trap in swift-certificates (found by fuzz-certificates)")
    func secondSixtyOne() async throws {
        let out = state.appendingPathComponent("leap")
        await #expect(try demo(["make-svid", "spiffe://example.org/a", "--out", out.path]).status == 0)
        // The leaf's notBefore is the first UTCTime (tag 0x17, 13 bytes: YYMMDDHHMMSSZ); make
        // its seconds 61, which swift-asn1 accepts and swift-certificates asserts against.
        let pem = try String(contentsOf: out.appendingPathComponent("svid.0.pem"), encoding: .utf8)
        let body = pem.components(separatedBy: "-----").filter { !$0.isEmpty }[1].filter { !$0.isWhitespace }
        var der = try #require(Data(base64Encoded: body)).map { $0 }
        let at = try #require((0..<der.count - 2).first { der[$0] == 0x17 && der[$0 + 1] == 0x0D })
        der[at + 12] = UInt8(ascii: "6")
        der[at + 13] = UInt8(ascii: "1")
        let patched = state.appendingPathComponent("leap.pem")
        let lines = stride(from: 0, to: Data(der).base64EncodedString().count, by: 64).map { start -> String in
            let text = Data(der).base64EncodedString()
            let from = text.index(text.startIndex, offsetBy: start)
            return String(text[from..<(text.index(from, offsetBy: 64, limitedBy: text.endIndex) ?? text.endIndex)])
        }
        try ("-----BEGIN CERTIFICATE-----\n" + lines.joined(separator: "\n") + "\n-----END CERTIFICATE-----\n").write(to: patched, atomically: true, encoding: .utf8)
        for args in [["inspect", patched.path], ["validate", patched.path, "--bundle", out.appendingPathComponent("bundle.0.pem").path]] {
            let result = try await demo(args)
            #expect(result.status == 1, "\(args): \(result)")
            // inspect says it on stderr; validate reports check 1 failing on stdout.
            #expect((result.stderr + result.stdout).contains("notBefore says second 61"), "\(args): \(result)")
        }
    }

    @Test("an argument that starts with '-' is never a request for help, so it never exits 0")
    func dashArguments() async throws {
        let forged = try await demo(["jwt-parse", "-h.x.y", "--bundle", "b.json", "--audience", "a"])
        #expect(forged.status == 64, "\(forged)")
        #expect(forged.stdout.isEmpty, "no help page: \(forged.stdout)")
        #expect(forged.stderr == "spiffe-demo: '-h.x.y' is not an option; put an argument that starts with '-' after '--' (spiffe-demo <command> -- '-value')\n")

        // After `--` it is the token, and it is refused as one.
        let quoted = try await demo(["jwt-parse", "--bundle", "b.json", "--trust-domain", "example.org", "--audience", "a", "--", "-h.x.y"])
        #expect(quoted.status == 1, "\(quoted)")
        #expect(quoted.stderr.hasPrefix("jwt-parse: not a JWT-SVID"), "\(quoted.stderr)")

        // A help flag next to real arguments shows the help, but the status says nothing ran.
        let mixed = try await demo(["jwt-parse", "x.y.z", "--bundle", "b.json", "--audience", "a", "-h"])
        #expect(mixed.status == 64, "\(mixed)")
        #expect(mixed.stdout.contains("USAGE: spiffe-demo jwt-parse"))
        #expect(mixed.stderr.contains("help was asked for together with other arguments"))

        // Values after `--` are more than help: the status says nothing ran.
        let afterDashes = try await demo(["jwt-parse", "-h", "--", "x.y.z"])
        #expect(afterDashes.status == 64, "\(afterDashes)")
        // ArgumentParser's other built-ins still answer.
        let completion = try await demo(["--generate-completion-script", "bash"])
        #expect(completion.status == 0, "\(completion)")
        #expect(completion.stdout.contains("spiffe-demo"))
        // An infinite leeway would accept every expired token.
        let leeway = try await demo(["jwt-parse", "x.y.z", "--bundle", "b.json", "--trust-domain", "example.org", "--audience", "a", "--leeway", "inf"])
        #expect(leeway.status == 1, "\(leeway)")
        #expect(leeway.stderr == "jwt-parse: --leeway must be from 0 to 3600 seconds\n")

        // Help alone is help.
        for args in [["--help"], ["jwt-parse", "--help"], ["jwt-parse", "-h"], ["help", "jwt-parse"], ["help"]] {
            let help = try await demo(args)
            #expect(help.status == 0, "\(args): \(help)")
            #expect(help.stdout.contains("USAGE: spiffe-demo"), "\(args)")
        }
    }

    @Test("inputs past the size limits are refused at once, naming the limit")
    func sizeLimits() async throws {
        let made = try await demo(["make-svid", "spiffe://example.org/web", "--out", "out"])
        #expect(made.status == 0, "\(made)")
        let leaf = try String(contentsOf: state.appendingPathComponent("out/svid.0.pem"), encoding: .utf8)
        let ca = try String(contentsOf: state.appendingPathComponent("out/bundle.0.pem"), encoding: .utf8)
        try (leaf + String(repeating: ca, count: 32)).write(to: state.appendingPathComponent("long.pem"), atomically: true, encoding: .utf8)
        try String(repeating: ca, count: 257).write(to: state.appendingPathComponent("wide.pem"), atomically: true, encoding: .utf8)
        try Data(count: 1_100_000).write(to: state.appendingPathComponent("huge.pem"))

        let long = try await demo(["validate", "long.pem", "--bundle", "out/bundle.0.pem"])
        #expect(long.status == 1 && long.stdout.contains("the chain holds 33 certificates; more than 32 are refused"), "\(long)")
        let wide = try await demo(["validate", "out/svid.0.pem", "--bundle", "wide.pem"])
        #expect(wide.status == 1 && wide.stdout.contains("holds 257 CA certificates; more than 256 are refused"), "\(wide)")
        let huge = try await demo(["inspect", "huge.pem"])
        #expect(huge.status == 1 && huge.stderr.contains("huge.pem: is over 1 MiB, the limit for inputs"), "\(huge)")
        // A device has no size to check first: the read itself stops at the limit.
        let device = try await demo(["inspect", "/dev/zero"])
        #expect(device.status == 1 && device.stderr.contains("/dev/zero: is not a regular file"), "\(device)")
        // At the limits themselves, validation still works.
        try (leaf + String(repeating: ca, count: 31)).write(to: state.appendingPathComponent("ok.pem"), atomically: true, encoding: .utf8)
        let ok = try await demo(["validate", "ok.pem", "--bundle", "out/bundle.0.pem"])
        #expect(ok.status == 0, "\(ok)")
    }

    @Test("the workbook keeps the same rule")
    func workbookDashArguments() async throws {
        let env = ["WORKBOOK_HOME": state.appendingPathComponent("ws").path, "NO_COLOR": "1"]
        let forged = try await TestSupport.run(TestSupport.product("workbook").path, ["show", "-hx"], env: env, deadline: 60)
        #expect(forged.status == 64, "\(forged)")
        let help = try await TestSupport.run(TestSupport.product("workbook").path, ["show", "--help"], env: env, deadline: 60)
        #expect(help.status == 0, "\(help)")
    }

    @Test("error messages never carry raw terminal control characters")
    func controlCharacters() async throws {
        let result = try await demo(["bundle", "show", "--trust-domain", "\u{1B}[2J\u{1B}]0;owned\u{07}"])
        #expect(result.status == 1, "\(result)")
        #expect(!result.stderr.contains("\u{1B}") && !result.stderr.contains("\u{07}"), "\(result.stderr.debugDescription)")
    }

    @Test("an error never echoes a huge input: the message is cut at 1,000 characters and says how much was left out")
    func longInputsAreCut() async throws {
        // 100,000 characters (the probe found inputs up to 130 kB echoed whole).
        let id = "spiffe://example.org/" + String(repeating: "A", count: 100_000)
        let result = try await demo(["id", "check", id])
        #expect(result.status == 1, "\(result.status) \(result.stderr.prefix(300))")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].count < 1_200, "\(lines.map(\.count))")
        #expect(result.stderr.contains(" more characters)"), "\(result.stderr.prefix(1_200))")
    }
}
