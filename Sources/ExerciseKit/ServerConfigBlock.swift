// Sources/ExerciseKit/ServerConfigBlock.swift
//
// The input and answer types of the Day 12 exercise `server-config-check`: the `server { … }`
// block of a SPIRE server.conf, already parsed, and the first problem SPIRE 1.15 would have with
// it. They live in ExerciseKit (like AllowedPeers.swift) because the stub, the cases and the
// reference solution all name them. Foundation only.

import Foundation

/// The `server { … }` block of a SPIRE server.conf, already parsed from HCL: each setting's name
/// and the text of its value, quotes removed. `ca_ttl = "24h"` is `"ca_ttl": "24h"`,
/// `bind_port = 8081` is `"bind_port": "8081"`, `trust_domain = ""` is `"trust_domain": ""`. A
/// nested block (`ca_subject { … }`, `ratelimit { … }`, `federation { … }`, `experimental { … }`)
/// is its name with the value `ServerConfigBlock.nestedBlock`.
public struct ServerConfigBlock: Sendable, Equatable, CustomStringConvertible {
    public var settings: [String: String]

    /// The value a nested block stands for.
    public static let nestedBlock = "{…}"

    public init(_ settings: [String: String]) {
        self.settings = settings
    }

    /// The value written for `key`, nil when the block does not have it.
    public subscript(_ key: String) -> String? { settings[key] }

    public var description: String {
        guard !settings.isEmpty else { return "server { }" }
        let lines = settings.keys.sorted().map { key -> String in
            let value = settings[key]!
            return value == Self.nestedBlock ? "\(key) { … }" : "\(key) = \"\(value)\""
        }
        return "server { " + lines.joined(separator: "; ") + " }"
    }
}

/// The first thing SPIRE 1.15's server would object to in a `server { … }` block
/// (cmd/spire-server/cli/run/run.go at v1.15.3). The first three stop the server; the last one
/// is only a warning at start-up.
public enum ServerConfigProblem: Sendable, Equatable, CustomStringConvertible {
    /// A setting the server cannot start without is not written, or written as "" (validateConfig:
    /// "trust_domain must be configured", "data_dir must be configured").
    case missing(String)
    /// A lifetime whose value is not a Go duration, such as "1d", "86400" or "1 h"
    /// ("could not parse default CA ttl …" and the like).
    case notADuration(String)
    /// A key the server block does not have ("Unknown configuration detected", section server).
    case unknownKey(String)
    /// A TTL longer than the longest one a CA rotation can never cut short: ca_ttl / 6, and never
    /// more than 7 days ("… is too high for the configured ca_ttl value. SVIDs with shorter
    /// lifetimes may be issued."). The server starts anyway.
    case tooLongForCATTL(String)

    /// False only for the warning: SPIRE exits on the other three.
    public var stopsTheServer: Bool {
        if case .tooLongForCATTL = self { return false }
        return true
    }

    public var description: String {
        switch self {
        case .missing(let key):
            return ".missing(\"\(key)\"): \(key) must be configured (SPIRE exits)"
        case .notADuration(let key):
            return ".notADuration(\"\(key)\"): could not parse \(key), it is not a Go duration (SPIRE exits)"
        case .unknownKey(let key):
            return ".unknownKey(\"\(key)\"): Unknown configuration detected, section server, key \(key) (SPIRE exits)"
        case .tooLongForCATTL(let key):
            return ".tooLongForCATTL(\"\(key)\"): \(key) is too high for the configured ca_ttl value (SPIRE starts, and warns)"
        }
    }
}

/// What SPIRE 1.15.3's server reads in its `server { … }` block.
public enum SpireServerSettings {
    /// Every key of the block: the `hcl:"…"` tags of `serverConfig` in
    /// cmd/spire-server/cli/run/run.go at v1.15.3 (the same list as Tests/DockerTests).
    public static let knownKeys: Set<String> = [
        "admin_ids", "agent_ttl", "audit_log_enabled", "bind_address", "bind_port", "ca_key_type", "ca_subject",
        "ca_ttl", "data_dir", "default_x509_svid_ttl", "default_jwt_svid_ttl", "experimental", "federation",
        "disable_jwt_svids", "jwt_issuer", "jwt_key_type", "log_file", "log_level", "log_format",
        "log_source_location", "prune_attested_nodes_expired_for", "prune_attested_nodes_batch_size",
        "prune_tofu_nodes", "proxy_protocol_trusted_cidrs", "ratelimit", "socket_path", "trust_domain",
        "max_attested_node_info_staleness", "profiling_enabled", "profiling_port", "profiling_freq", "profiling_names",
    ]

    /// A duration as Go's `time.ParseDuration` reads it, in seconds; nil when Go would refuse it.
    /// An optional sign, then one or more decimal numbers each followed by a unit (ns, us, µs, ms,
    /// s, m, h): "24h", "1h30m", "90s", "1.5h", ".5h". "0" alone needs no unit. Refused: "",
    /// "1d" (no day unit), "86400" (no unit), "1 h" (a space), "1H" (units are lowercase).
    public static func durationSeconds(_ text: String) -> Double? {
        var rest = Substring(text)
        var negative = false
        if let sign = rest.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            rest = rest.dropFirst()
        }
        if rest == "0" { return 0 }
        if rest.isEmpty { return nil }
        let units: [String: Double] = [
            "ns": 1e-9, "us": 1e-6, "\u{00B5}s": 1e-6, "\u{03BC}s": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600,
        ]
        func isDigit(_ c: Character) -> Bool { c.isASCII && c.isNumber }
        var total = 0.0
        while !rest.isEmpty {
            let whole = rest.prefix(while: isDigit)
            rest = rest.dropFirst(whole.count)
            var fraction = Substring("")
            if rest.first == "." {
                rest = rest.dropFirst()
                fraction = rest.prefix(while: isDigit)
                rest = rest.dropFirst(fraction.count)
            }
            // Go: a number needs digits before or after its point.
            if whole.isEmpty && fraction.isEmpty { return nil }
            let unit = rest.prefix { $0 != "." && !isDigit($0) }
            rest = rest.dropFirst(unit.count)
            guard !unit.isEmpty, let scale = units[String(unit)],
                  let number = Double("\(whole.isEmpty ? "0" : whole).\(fraction.isEmpty ? "0" : fraction)")
            else { return nil }
            total += number * scale
        }
        return negative ? -total : total
    }
}
