import Foundation
import SpiffeIdentity
import SpiffeLocalTrustDomain
import SpiffePQC
import SpiffeTLS
import SpiffeX509
import TestSupport
import Testing

/// Day 19's toolkit: the key-exchange group and cipher suite each handshake settled on, read from
/// the ServerHello on the wire and judged by openssl, which reports what it negotiated itself;
/// and the sizes `pqc sizes` measures.
@Suite("Key-exchange groups and PQC sizes", .serialized)
struct KeyExchangeGroupTests {
    let td = try! TrustDomain("example.org")

    /// The openssl s_client line naming the key exchange: `Server Temp Key: X25519, 253 bits`.
    static func tempKey(_ output: String) -> String? {
        output.split(separator: "\n").first { $0.hasPrefix("Server Temp Key:") }.map { String($0.dropFirst("Server Temp Key:".count)).trimmingCharacters(in: .whitespaces) }
    }

    @Test("two toolkit peers settle on X25519MLKEM768; --groups forces X25519, with a ClientHello over 1 KB smaller")
    func toolkitPeersUseTheHybridGroup() async throws {
        let ws = try OpenSSLInteropTests.Workspace(trustDomain: td)
        defer { try? FileManager.default.removeItem(at: ws.root) }
        let server = try BackgroundProcess("tls-server", try TestSupport.product("spiffe-demo").path,
            ["tls-server", "--listen", "127.0.0.1:0", "--state-dir", ws.state.path])
        defer { server.stop() }
        let port = try await listeningPort(server)
        let client = try TestSupport.product("spiffe-demo").path
        let base = ["tls-client", "--connect", "127.0.0.1:\(port)", "--state-dir", ws.state.path]

        let hybrid = try await TestSupport.run(client, base)
        #expect(hybrid.status == 0, "\(hybrid)")
        #expect(hybrid.stdout.contains("handshake: TLS 1.3, TLS_"), "\(hybrid.stdout)")
        #expect(hybrid.stdout.contains(", X25519MLKEM768 (ClientHello "), "\(hybrid.stdout)")

        func record(_ args: [String]) async throws -> [String: Any] {
            let result = try await TestSupport.run(client, base + args + ["--json"])
            #expect(result.status == 0, "\(result)")
            return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        }
        let defaults = try await record([])
        let classic = try await record(["--groups", "X25519"])
        let p256 = try await record(["--groups", "P-256"])
        #expect(defaults["group"] as? String == "X25519MLKEM768" && defaults["tls_version"] as? String == "TLS 1.3")
        #expect(classic["group"] as? String == "X25519" && p256["group"] as? String == "secp256r1")
        let growth = (defaults["client_hello_bytes"] as? Int ?? 0) - (classic["client_hello_bytes"] as? Int ?? 0)
        // The hybrid share is an ML-KEM-768 encapsulation key (1,184 bytes) plus an X25519 key.
        #expect(growth >= 1_184, "ClientHello grew by \(growth) bytes")

        // The server saw the same, per connection.
        let out = try await server.waitFor("secp256r1")
        #expect(out.contains("  handshake: TLS 1.3, ") && out.contains(", X25519MLKEM768 (ClientHello"), "\(out)")

        let bad = try await TestSupport.run(client, base + ["--groups", "X448"])
        #expect(bad.status != 0 && bad.stderr.contains("--groups: unknown or unsupported key-exchange group `X448`"), "\(bad)")
    }

    @Test("openssl 3.0 has no ML-KEM: with tls-server it settles on X25519 (TLS 1.3 and 1.2), as both sides report")
    func opensslSettlesOnX25519() async throws {
        let ws = try OpenSSLInteropTests.Workspace(trustDomain: td)
        defer { try? FileManager.default.removeItem(at: ws.root) }
        let files = try ws.svidFiles("client", id: "spiffe://example.org/openssl-client")
        let server = try BackgroundProcess("tls-server", try TestSupport.product("spiffe-demo").path,
            ["tls-server", "--listen", "127.0.0.1:0", "--state-dir", ws.state.path, "--json"])
        defer { server.stop() }
        let out = try await server.waitFor("\"event\":\"listening\"")
        let listening = try #require(out.split(separator: "\n").first { $0.contains("listening") })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(listening.utf8)) as? [String: Any])
        let port = try #require((object["address"] as? String)?.split(separator: ":").last.flatMap { Int($0) })

        let cases: [(args: [String], group: String, openssl: String, version: String)] = [
            (["-tls1_3"], "X25519", "X25519", "TLS 1.3"),
            (["-tls1_2"], "X25519", "X25519", "TLS 1.2"),
            (["-tls1_3", "-groups", "P-256"], "secp256r1", "ECDH, prime256v1", "TLS 1.3"),
            (["-tls1_2", "-groups", "P-256"], "secp256r1", "ECDH, prime256v1", "TLS 1.2"),
        ]
        for (index, item) in cases.enumerated() {
            let result = try await TestSupport.run("openssl", ["s_client", "-connect", "127.0.0.1:\(port)", "-ign_eof",
                                                                    "-cert", files.cert, "-key", files.key] + item.args,
                                                        stdin: "hello\n", deadline: 60)
            #expect(Self.tempKey(result.stdout)?.hasPrefix(item.openssl) == true, "openssl \(item.args): \(result.stdout)")
            let lines = try await server.waitFor("\"event\":\"accepted\"").split(separator: "\n").filter { $0.contains("\"accepted\"") }
            try #require(lines.count > index, "\(lines)")
            let accepted = try #require(try JSONSerialization.jsonObject(with: Data(lines[index].utf8)) as? [String: Any])
            #expect(accepted["group"] as? String == item.group, "\(item.args): \(accepted)")
            #expect(accepted["tls_version"] as? String == item.version, "\(item.args): \(accepted)")
            #expect(accepted["peer_id"] as? String == "spiffe://example.org/openssl-client")
            // openssl names the suite its way (ECDHE-ECDSA-AES256-GCM-SHA384); the IANA name it maps to must agree.
            let suite = try #require(accepted["cipher_suite"] as? String)
            #expect(result.stdout.contains(item.version == "TLS 1.3" ? suite : "ECDHE-ECDSA"), "\(suite) vs \(result.stdout)")
        }
    }

    @Test("a server accepting only secp256r1 sends a HelloRetryRequest to a client whose first share is X25519")
    func helloRetryIsRecognised() async throws {
        let ws = try OpenSSLInteropTests.Workspace(trustDomain: td)
        defer { try? FileManager.default.removeItem(at: ws.root) }
        let files = try ws.svidFiles("client", id: "spiffe://example.org/openssl-client")
        let server = try BackgroundProcess("tls-server", try TestSupport.product("spiffe-demo").path,
            ["tls-server", "--listen", "127.0.0.1:0", "--state-dir", ws.state.path, "--groups", "secp256r1"])
        defer { server.stop() }
        let port = try await listeningPort(server)
        // openssl 3.0 offers X25519 first and sends only its share.
        let result = try await TestSupport.run("openssl", ["s_client", "-connect", "127.0.0.1:\(port)", "-ign_eof", "-tls1_3",
                                                                "-groups", "X25519:P-256", "-cert", files.cert, "-key", files.key],
                                                    stdin: "hello\n", deadline: 60)
        #expect(Self.tempKey(result.stdout)?.hasPrefix("ECDH, prime256v1") == true, "\(result.stdout)")
        let out = try await server.waitFor("HelloRetryRequest")
        #expect(out.contains("secp256r1 (ClientHello ") && out.contains("after a HelloRetryRequest)"), "\(out)")
    }

    @Test("pqc sizes: ML-DSA and ML-KEM sizes as FIPS 203/204 give them, and an ML-DSA SVID openssl parses as DER")
    func pqcSizes() async throws {
        let id = try SpiffeID("spiffe://example.org/ns/prod/sa/provisioning")
        let sizes = try PQCSizes.measure(id: id)
        #expect(sizes.p256.publicKeyBytes == 65 && (68...72).contains(sizes.p256.signatureBytes))
        #expect(sizes.mldsa65.publicKeyBytes == 1_952 && sizes.mldsa65.signatureBytes == 3_309)
        #expect(sizes.mldsa87.publicKeyBytes == 2_592 && sizes.mldsa87.signatureBytes == 4_627)
        #expect(sizes.mlkem768EncapsulationKeyBytes == 1_184 && sizes.mlkem768CiphertextBytes == 1_088)
        #expect(sizes.hybridClientShareBytes == 1_216 && sizes.hybridServerShareBytes == 1_120)
        // The twin is the P-256 leaf with a key and a signature some 5 KB larger.
        let growth = sizes.mldsa65.svidBytes - sizes.p256.svidBytes
        #expect(growth > 1_952 + 3_309 - 65 - 72 - 16 && growth < 1_952 + 3_309, "\(growth)")
        #expect(sizes.handshakeExtraBytes(sizes.mldsa65) == 2 * growth + 2 * (3_309 - sizes.p256.signatureBytes))

        // openssl 3.0 knows no ML-DSA, but it parses the DER and shows the RFC 9881 OID and the
        // SPIFFE ID of the original leaf.
        let ca = try CertificateAuthority(trustDomain: td)
        let der = try MLDSACertificate.twin(of: try ca.issueSVID(for: id).leaf, level: .mldsa65)
        let scratch = try TestSupport.makeTempDirectory(prefix: "mldsa")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let file = scratch.appendingPathComponent("mldsa65.der")
        try Data(der).write(to: file)
        let parsed = try await TestSupport.run("openssl", ["asn1parse", "-inform", "DER", "-in", file.path])
        #expect(parsed.status == 0, "\(parsed)")
        #expect(parsed.stdout.components(separatedBy: "2.16.840.1.101.3.4.3.18").count == 4,
                "the OID as the TBS signature, the key's algorithm and the certificate's signature algorithm: \(parsed.stdout)")
        #expect(parsed.stdout.contains("spiffe://example.org/ns/prod/sa/provisioning") || parsed.stdout.contains("X509v3 Subject Alternative Name"),
                "\(parsed.stdout)")
        let x509 = try await TestSupport.run("openssl", ["x509", "-inform", "DER", "-in", file.path, "-noout", "-text"])
        #expect(x509.stdout.contains("URI:spiffe://example.org/ns/prod/sa/provisioning"), "openssl reads the extensions: \(x509)")
    }

    @Test("spiffe-demo pqc sizes prints the table and, with --json, the same figures for scripts, derived ones included")
    func pqcSizesCommand() async throws {
        let demo = try TestSupport.product("spiffe-demo").path
        let table = try await TestSupport.run(demo, ["pqc", "sizes"], deadline: 120)
        #expect(table.status == 0, "\(table)")
        #expect(table.stdout.contains("ML-DSA-65          1,952 B     3,309 B") && table.stdout.contains("ML-DSA-87          2,592 B     4,627 B"), "\(table.stdout)")
        #expect(table.stdout.contains("1,216 B from the client, 1,120 B from the server"), "\(table.stdout)")
        let json = try await TestSupport.run(demo, ["pqc", "sizes", "--json"], deadline: 120)
        #expect(json.status == 0, "\(json)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let mldsa65 = try #require(object["mldsa65"] as? [String: Any])
        #expect(mldsa65["public_key_bytes"] as? Int == 1_952 && mldsa65["signature_bytes"] as? Int == 3_309)
        #expect(object["mlkem768_encapsulation_key_bytes"] as? Int == 1_184 && object["mlkem768_ciphertext_bytes"] as? Int == 1_088)
        #expect(object["x25519mlkem768_client_share_bytes"] as? Int == 1_216 && object["x25519mlkem768_server_share_bytes"] as? Int == 1_120)
        // The handshake's extra bytes are in the JSON too; each run makes its SVIDs afresh, so
        // the figure may differ from the table's run by a byte or two: a range, not a value.
        let extra = try #require(object["mtls_handshake_extra_bytes_mldsa65"] as? Int)
        #expect((16_000...17_500).contains(extra), "\(extra)")
        let bad = try await TestSupport.run(demo, ["pqc", "sizes", "--id", "not-an-id"], deadline: 60)
        #expect(bad.status == 1 && bad.stderr.hasPrefix("pqc sizes: --id not-an-id:") && !bad.stderr.dropLast().contains("\n"), "\(bad)")
    }
}
