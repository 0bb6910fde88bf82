// Sources/ExerciseKit/GroupChoiceCases.swift
import Foundation

/// The cases for `group-choice` (Day 19): the key-exchange group a TLS 1.3 server picks from a
/// ClientHello (RFC 8446 §4.2.7, §4.2.8), by BoringSSL's rule, and whether it needs a
/// HelloRetryRequest (§4.1.4).
public enum GroupChoiceCases {
    public static let exercise = Exercise(
        id: "group-choice", day: 19, title: "Which key exchange does the server pick, and at what cost?",
        file: "Sources/Exercises/GroupChoice.swift",
        hints: [
            "Settle the group first and look at the key shares only afterwards. Which list ranks the candidates depends on `preference`; the other list only says yes or no.",
            "The key shares are not an offer of their own: a group becomes a candidate only through supported_groups. And some values in either list are there only to be ignored.",
            "Once the group is chosen, count the client's shares of exactly that group: zero, one and more than one have three different answers. A duplicate elsewhere is none of your business.",
        ])

    /// `implementation` returns what the server answers the ClientHello with.
    public static func cases(
        _ implementation: @escaping @Sendable (ClientGroupOffer, [NamedGroup], GroupPreference) throws(ExerciseError) -> GroupChoice
    ) -> [GradingCase] {
        func decide(_ name: String, _ offer: ClientGroupOffer, server: [NamedGroup], preference: GroupPreference = .client,
                    _ expected: GroupChoice) -> GradingCase {
            GradingCase(name: name, expected: "\(expected) (\(offer); server supports [\(ClientGroupOffer.list(server))]; \(preference))") {
                do throws(ExerciseError) {
                    let got = try implementation(offer, server, preference)
                    return got == expected ? .passed : .failed(got: got.description)
                } catch { return .notDone }
            }
        }
        func offer(_ supported: [NamedGroup], shares: [NamedGroup]) -> ClientGroupOffer {
            ClientGroupOffer(supportedGroups: supported, keyShares: shares)
        }
        let hybrid = NamedGroup.x25519MLKEM768, x25519 = NamedGroup.x25519, p256 = NamedGroup.secp256r1
        let p384 = NamedGroup.secp384r1, p521 = NamedGroup.secp521r1
        let p256Hybrid = NamedGroup.secp256r1MLKEM768, p384Hybrid = NamedGroup.secp384r1MLKEM1024
        let grease = NamedGroup(0x2A2A), otherGrease = NamedGroup(0xBABA)
        // swift-nio-ssl's defaults (2.37.1 and later): four groups, and BoringSSL sends two shares,
        // one post-quantum and one classical.
        let toolkitClient = offer([hybrid, x25519, p256, p384], shares: [hybrid, x25519])
        let toolkitServer = [hybrid, x25519, p256, p384]
        // OpenSSL 3.0 (Debian 12): no ML-KEM.
        let openssl30Server = [x25519, p256, NamedGroup.x448, p521, p384]
        return [
            decide("two toolkit peers on swift-nio-ssl's defaults", toolkitClient, server: toolkitServer,
                   .serverHello(hybrid)),
            decide("a server without ML-KEM (OpenSSL 3.0's groups): the client's second share, X25519, saves a round trip",
                   toolkitClient, server: openssl30Server, .serverHello(x25519)),
            decide("a client that offers only X25519", offer([x25519], shares: [x25519]), server: toolkitServer,
                   .serverHello(x25519)),
            decide("the client's favourite has a share but the server lacks it; the second has none (openssl -groups X448:X25519)",
                   offer([.x448, x25519], shares: [.x448]), server: toolkitServer, .helloRetryRequest(x25519)),
            decide("an empty key_share: the client leaves the choice to the server (RFC 8446 §4.2.8)",
                   offer([hybrid, x25519], shares: []), server: toolkitServer, .helloRetryRequest(hybrid)),
            decide("three hybrids before X25519, shares of X25519MLKEM768 and X25519, a server with SecP256r1MLKEM768 and X25519: the client's order wins over the share",
                   offer([hybrid, p256Hybrid, p384Hybrid, x25519, p256, p384, p521], shares: [hybrid, x25519]),
                   server: [p256Hybrid, x25519], .helloRetryRequest(p256Hybrid)),
            decide("server preference: the server's first group wins, and the client sent no share of it",
                   toolkitClient, server: [p256, x25519, hybrid], preference: .server, .helloRetryRequest(p256)),
            decide("the same server with the client's preference: the hybrid",
                   toolkitClient, server: [p256, x25519, hybrid], preference: .client, .serverHello(hybrid)),
            decide("server preference: the server's first group is one the client never listed",
                   toolkitClient, server: [p384Hybrid, x25519, hybrid], preference: .server, .serverHello(x25519)),
            decide("a hybrid-only server (as with SPIRE's require_pq_kem) and a classical client: nothing in common",
                   offer([x25519, p256], shares: [x25519]), server: [hybrid, p256Hybrid, p384Hybrid], .noCommonGroup),
            decide("a key share of secp384r1, which the client left out of supported_groups: not an offer",
                   offer([x25519], shares: [x25519, p384]), server: [p384], .noCommonGroup),
            decide("GREASE first in both of the client's lists, as browsers send it: skipped",
                   offer([grease, hybrid, x25519, p256], shares: [grease, hybrid, x25519]), server: [x25519, p256],
                   .serverHello(x25519)),
            decide("a server list copied from a packet capture, GREASE value included: still never negotiated",
                   offer([grease, hybrid, x25519], shares: [grease, hybrid, x25519]), server: [grease, hybrid, x25519],
                   .serverHello(hybrid)),
            decide("server preference with a GREASE value first in the server's list",
                   offer([otherGrease, x25519], shares: [otherGrease, x25519]), server: [otherGrease, x25519], preference: .server,
                   .serverHello(x25519)),
            decide("the retired X25519Kyber768Draft00 code point, which this server no longer knows",
                   offer([.x25519Kyber768Draft00, x25519], shares: [.x25519Kyber768Draft00, x25519]), server: toolkitServer,
                   .serverHello(x25519)),
            decide("X25519 listed twice in supported_groups: its first place counts",
                   offer([x25519, p256, x25519], shares: [x25519]), server: [p256, x25519], .serverHello(x25519)),
            decide("two shares of the chosen group: the client broke RFC 8446 §4.2.8",
                   offer([x25519, p256], shares: [x25519, x25519]), server: toolkitServer, .duplicateKeyShare(x25519)),
            decide("two shares of a group the server does not choose: only the chosen group's share is looked at",
                   offer([x25519, p256], shares: [x25519, p256, p256]), server: [x25519, p256], .serverHello(x25519)),
        ]
    }
}
