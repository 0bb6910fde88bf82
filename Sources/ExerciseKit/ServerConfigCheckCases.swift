import Foundation

/// The cases for `server-config-check` (Day 12): the first problem SPIRE 1.15's server has with a
/// `server { … }` block, in SPIRE's order (cmd/spire-server/cli/run/run.go at v1.15.3): required
/// settings (validateConfig), then the lifetimes parsed as Go durations, then unknown keys
/// (checkForUnknownConfig), and last the start-up warning for a TTL a CA rotation could cut short
/// (hasCompatibleTTL, MaxSVIDTTLForCATTL: min(ca_ttl / 6, 7 days)).
///
/// Every case states the whole block and its expected answer. No case depends on the form of the
/// trust domain name, on the plugins block or on the command line.
///
/// Goes to Sources/ExerciseKit/ServerConfigCheckCases.swift.
public enum ServerConfigCheckCases {
    public static let exercise = Exercise(
        id: "server-config-check", day: 12, title: "A server.conf check: what stops SPIRE, and what only warns",
        file: "Sources/Exercises/ServerConfigCheck.swift",
        hints: [
            "Is `trust_domain = \"\"` written or not? Decide what \"missing\" means before you look up any key.",
            "The lifetime rule needs the CA's TTL and the SVIDs' even when the block writes none of them. Where do those numbers come from then?",
            "A Dictionary hands out its keys in no fixed order. When two keys are unknown, does your function name the same one on every run?",
        ])

    /// `implementation` returns the first problem SPIRE would have with the block, or nil.
    public static func cases(
        _ implementation: @escaping @Sendable (ServerConfigBlock) throws(ExerciseError) -> ServerConfigProblem?
    ) -> [GradingCase] {
        func check(_ name: String, _ settings: [String: String], _ expected: ServerConfigProblem?) -> GradingCase {
            let block = ServerConfigBlock(settings)
            return GradingCase(name: name, expected: "\(block) → \(say(expected))") {
                do throws(ExerciseError) {
                    let got = try implementation(block)
                    return got == expected ? .passed : .failed(got: say(got))
                } catch { return .notDone }
            }
        }
        /// The two settings every block needs, plus `more`.
        func minimal(_ more: [String: String] = [:]) -> [String: String] {
            ["trust_domain": "example.org", "data_dir": "/var/lib/spire/server"].merging(more) { _, new in new }
        }
        let nested = ServerConfigBlock.nestedBlock

        return [
            check("docker/server.conf as it is", Self.dockerServerConf, nil),
            check("the smallest block SPIRE starts with: trust_domain and data_dir", minimal(), nil),
            check("nested blocks ca_subject, ratelimit, federation and experimental are keys SPIRE knows",
                  minimal(["ca_subject": nested, "ratelimit": nested, "federation": nested, "experimental": nested]), nil),
            check("default_svid_ttl, the course slides' key: not a SPIRE 1.15 key",
                  minimal(["default_svid_ttl": "1h"]), .unknownKey("default_svid_ttl")),
            check("agent.conf's server_address and server_port pasted into the server block",
                  minimal(["server_address": "spire-server", "server_port": "8081"]), .unknownKey("server_address")),
            check("no data_dir",
                  ["trust_domain": "example.org", "bind_port": "8081"], .missing("data_dir")),
            check("trust_domain written, but as the empty string",
                  ["trust_domain": "", "data_dir": "/var/lib/spire/server"], .missing("trust_domain")),
            check("neither trust_domain nor data_dir: SPIRE names trust_domain first",
                  ["bind_address": "0.0.0.0", "log_level": "DEBUG"], .missing("trust_domain")),
            check("no data_dir and an unknown key too: the missing setting is met first",
                  ["trust_domain": "example.org", "default_svid_ttl": "1h"], .missing("data_dir")),
            check("ca_ttl = \"1d\": Go durations have no day unit",
                  minimal(["ca_ttl": "1d"]), .notADuration("ca_ttl")),
            check("ca_ttl = \"86400\": seconds without a unit, the way -x509SVIDTTL takes them",
                  minimal(["ca_ttl": "86400"]), .notADuration("ca_ttl")),
            check("default_x509_svid_ttl = \"1 h\" (a space) and an unknown key: the duration is met first",
                  minimal(["default_x509_svid_ttl": "1 h", "jwt_svid_ttl": "5m"]), .notADuration("default_x509_svid_ttl")),
            check("two lifetimes that do not parse: SPIRE parses default_jwt_svid_ttl before ca_ttl",
                  minimal(["ca_ttl": "1d", "default_jwt_svid_ttl": "300"]), .notADuration("default_jwt_svid_ttl")),
            check("ca_ttl = \"1h30m\" with a 10 minute X509-SVID TTL: a compound duration, and within a sixth",
                  minimal(["ca_ttl": "1h30m", "default_x509_svid_ttl": "10m"]), nil),
            check("an unknown key and a TTL too long for the CA: the unknown key stops the server first",
                  minimal(["default_x509_svid_ttl": "5h", "svid_ttl": "1h"]), .unknownKey("svid_ttl")),
            check("two unknown keys: SPIRE lists them sorted, name the first",
                  minimal(["svid_ttl": "1h", "ca_ttl_hours": "24"]), .unknownKey("ca_ttl_hours")),
            check("default_x509_svid_ttl = \"5h\" under the default 24h CA: more than a sixth of it",
                  minimal(["default_x509_svid_ttl": "5h"]), .tooLongForCATTL("default_x509_svid_ttl")),
            check("default_x509_svid_ttl = \"4h\" under the default 24h CA: exactly a sixth is fine",
                  minimal(["default_x509_svid_ttl": "4h"]), nil),
            check("ca_ttl = \"5h\" and no SVID TTL written: SPIRE's default 1h is more than a sixth of 5h",
                  minimal(["ca_ttl": "5h"]), .tooLongForCATTL("default_x509_svid_ttl")),
            check("default_jwt_svid_ttl = \"5h\" under the default CA",
                  minimal(["default_jwt_svid_ttl": "5h"]), .tooLongForCATTL("default_jwt_svid_ttl")),
            check("agent_ttl = \"12h\" under the default CA",
                  minimal(["agent_ttl": "12h"]), .tooLongForCATTL("agent_ttl")),
            check("a 50-day CA (1200h) and an 8-day X509-SVID TTL (192h): never more than 7 days",
                  minimal(["ca_ttl": "1200h", "default_x509_svid_ttl": "192h"]), .tooLongForCATTL("default_x509_svid_ttl")),
            check("a 50-day CA (1200h) and a 7-day X509-SVID TTL (168h): exactly the cap is fine",
                  minimal(["ca_ttl": "1200h", "default_x509_svid_ttl": "168h"]), nil),
        ]
    }

    static func say(_ problem: ServerConfigProblem?) -> String {
        problem.map(\.description) ?? "nil: SPIRE starts without a warning"
    }

    /// docker/server.conf's server block, value for value.
    static let dockerServerConf: [String: String] = [
        "bind_address": "0.0.0.0", "bind_port": "8081", "trust_domain": "example.org",
        "data_dir": "/var/lib/spire/server", "socket_path": "/tmp/spire-server/private/api.sock",
        "ca_ttl": "24h", "ca_key_type": "ec-p256", "default_x509_svid_ttl": "1h", "default_jwt_svid_ttl": "5m",
        "log_level": "INFO",
    ]
}
