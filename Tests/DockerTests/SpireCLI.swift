/// What the command-line tools of SPIRE 1.15.3 accept: every subcommand of `spire-server` and
/// `spire-agent` (their cli.go) with its flags, read from the source at tag v1.15.3 of
/// github.com/spiffe/spire. Each entry names the file its flags come from.
///
/// SPIRE parses flags with Go's `flag` package: `-name value`, `-name=value` and `--name` all
/// work; a bool flag takes no separate value (`-admin true` would end flag parsing at `true`);
/// the first argument that is not a flag ends parsing, and every flag after it is silently
/// ignored. The lint below enforces exactly those rules.
enum SpireCLI {
    enum Kind: Equatable, Sendable {
        case string, int, bool, duration
        /// A flag that may be repeated (flag.Var with a list type): -selector, -dns, …
        case repeated
    }

    struct Command: Sendable {
        var binary: String
        var path: [String]
        var flags: [String: Kind]
        var source: String
        var name: String { ([binary] + path).joined(separator: " ") }
    }

    // Flags every server admin command gets from serverutil.AdaptCommand
    // (cmd/spire-server/util/util_posix.go: -socketPath, -instance) ...
    private static let serverAdmin: [String: Kind] = ["socketPath": .string, "instance": .string]
    // ... and, for the ones that print results, from cliprinter (pkg/common/cliprinter/flag.go).
    private static let output: [String: Kind] = ["output": .string]
    // spire-agent api commands: cmd/spire-agent/cli/api/common.go (-timeout) and
    // cmd/spire-agent/cli/common/config_posix.go (-socketPath, -instance).
    private static let agentAPI: [String: Kind] = ["timeout": .duration, "socketPath": .string, "instance": .string]
    // spire-agent admin-socket commands: cmd/spire-agent/util/util_posix.go.
    private static let agentAdmin: [String: Kind] = ["socketPath": .string]

    private static func server(_ path: String, _ flags: [String: Kind], printer: Bool = true, source: String) -> Command {
        var all = serverAdmin.merging(flags) { $1 }
        if printer { all.merge(output) { $1 } }
        return Command(binary: "spire-server", path: path.split(separator: " ").map(String.init), flags: all,
                       source: "cmd/spire-server/cli/" + source)
    }

    private static func agent(_ path: String, _ flags: [String: Kind], source: String) -> Command {
        Command(binary: "spire-agent", path: path.split(separator: " ").map(String.init), flags: flags,
                source: "cmd/spire-agent/cli/" + source)
    }

    // cmd/spire-server/cli/run/run.go and run_posix.go (`validate` loads the same flags).
    private static let serverRun: [String: Kind] = [
        "bindAddress": .string, "serverPort": .int, "config": .string, "dataDir": .string,
        "logFile": .string, "logFormat": .string, "logSourceLocation": .bool, "logLevel": .string,
        "trustDomain": .string, "expandEnv": .bool, "socketPath": .string,
    ]
    // cmd/spire-agent/cli/run/run.go and run_posix.go.
    private static let agentRun: [String: Kind] = [
        "config": .string, "dataDir": .string, "joinToken": .string, "joinTokenFile": .string,
        "logFile": .string, "logFormat": .string, "logLevel": .string, "logSourceLocation": .bool,
        "serverAddress": .string, "serverPort": .int, "trustDomain": .string,
        "disableWorkloadAPI": .bool, "disableSDSAPI": .bool, "trustBundle": .string,
        "trustBundleUrl": .string, "trustBundleFormat": .string, "allowUnauthenticatedVerifiers": .bool,
        "insecureBootstrap": .bool, "rebootstrapMode": .string, "rebootstrapDelay": .string,
        "expandEnv": .bool, "socketPath": .string,
    ]
    private static let agentSelectorFilters: [String: Kind] = [
        "selector": .repeated, "attestationType": .string, "canReattest": .string, "banned": .string,
        "expiresBefore": .string, "matchSelectorsOn": .string,
    ]
    private static let entryFilters: [String: Kind] = [
        "entryID": .string, "parentID": .string, "spiffeID": .string, "downstream": .bool,
        "selector": .repeated, "federatesWith": .repeated, "matchFederatesWithOn": .string,
        "matchSelectorsOn": .string, "hint": .string,
    ]
    // cmd/spire-server/cli/federation/common.go
    private static let federationConfig: [String: Kind] = [
        "data": .string, "trustDomain": .string, "bundleEndpointURL": .string,
        "bundleEndpointProfile": .string, "endpointSpiffeID": .string,
        "trustDomainBundlePath": .string, "trustDomainBundleFormat": .string,
    ]

    static let commands: [Command] = [
        Command(binary: "spire-server", path: ["run"], flags: serverRun, source: "cmd/spire-server/cli/run/run.go"),
        Command(binary: "spire-server", path: ["validate"], flags: serverRun, source: "cmd/spire-server/cli/validate/validate.go"),
        server("healthcheck", ["shallow": .bool, "verbose": .bool], printer: false, source: "healthcheck/healthcheck.go"),
        // The flags the workbook leans on most: cmd/spire-server/cli/entry/create.go, AppendFlags.
        server("entry create", [
            "entryID": .string, "parentID": .string, "spiffeID": .string, "x509SVIDTTL": .int,
            "jwtSVIDTTL": .int, "data": .string, "selector": .repeated, "federatesWith": .repeated,
            "node": .bool, "admin": .bool, "storeSVID": .bool, "downstream": .bool, "entryExpiry": .int,
            "dns": .repeated, "hint": .string, "disableX509SVIDPrefetch": .bool, "jwtSVIDIncludeJTI": .bool,
        ], source: "entry/create.go"),
        server("entry update", [
            "entryID": .string, "parentID": .string, "spiffeID": .string, "x509SVIDTTL": .int,
            "jwtSVIDTTL": .int, "data": .string, "selector": .repeated, "federatesWith": .repeated,
            "admin": .bool, "storeSVID": .bool, "downstream": .bool, "entryExpiry": .int,
            "dns": .repeated, "hint": .string,
        ], source: "entry/update.go"),
        server("entry show", entryFilters, source: "entry/show.go"),
        server("entry count", entryFilters.filter { $0.key != "entryID" }, source: "entry/count.go"),
        server("entry delete", ["entryID": .string, "file": .string], source: "entry/delete.go"),
        server("token generate", ["ttl": .int, "spiffeID": .string], source: "token/generate.go"),
        server("bundle show", ["format": .string], source: "bundle/show.go"),
        server("bundle list", ["format": .string, "id": .string], source: "bundle/list.go"),
        server("bundle set", ["format": .string, "id": .string, "path": .string], source: "bundle/set.go"),
        server("bundle delete", ["id": .string, "mode": .string], source: "bundle/delete.go"),
        server("bundle count", [:], source: "bundle/count.go"),
        server("agent list", agentSelectorFilters, source: "agent/list.go"),
        server("agent count", agentSelectorFilters, source: "agent/count.go"),
        server("agent show", ["spiffeID": .string], source: "agent/show.go"),
        server("agent evict", ["spiffeID": .string], source: "agent/evict.go"),
        server("agent ban", ["spiffeID": .string], source: "agent/ban.go"),
        server("agent purge", ["dryRun": .bool, "expiredFor": .duration], source: "agent/purge.go"),
        server("federation create", federationConfig, source: "federation/create.go"),
        server("federation update", federationConfig, source: "federation/update.go"),
        server("federation delete", ["id": .string], source: "federation/delete.go"),
        server("federation refresh", ["id": .string], source: "federation/refresh.go"),
        server("federation show", ["trustDomain": .string], source: "federation/show.go"),
        server("federation list", [:], source: "federation/list.go"),
        server("x509 mint", ["spiffeID": .string, "ttl": .duration, "dns": .repeated, "write": .string], source: "x509/mint.go"),
        server("jwt mint", ["spiffeID": .string, "ttl": .duration, "audience": .repeated, "write": .string], source: "jwt/mint.go"),
        server("logger get", [:], source: "logger/get.go"),
        server("logger set", ["level": .string], source: "logger/set.go"),
        server("logger reset", [:], source: "logger/reset.go"),
        server("debug getinfo", [:], source: "debug/debug.go"),
        server("localauthority x509 show", [:], source: "localauthority/x509/x509_show.go"),
        server("localauthority x509 prepare", [:], source: "localauthority/x509/x509_prepare.go"),
        server("localauthority x509 activate", ["authorityID": .string], source: "localauthority/x509/x509_activate.go"),
        server("localauthority x509 taint", ["authorityID": .string], source: "localauthority/x509/x509_taint.go"),
        server("localauthority x509 revoke", ["authorityID": .string], source: "localauthority/x509/x509_revoke.go"),
        server("localauthority jwt show", [:], source: "localauthority/jwt/jwt_show.go"),
        server("localauthority jwt prepare", [:], source: "localauthority/jwt/jwt_prepare.go"),
        server("localauthority jwt activate", ["authorityID": .string], source: "localauthority/jwt/jwt_activate.go"),
        server("localauthority jwt taint", ["authorityID": .string], source: "localauthority/jwt/jwt_taint.go"),
        server("localauthority jwt revoke", ["authorityID": .string], source: "localauthority/jwt/jwt_revoke.go"),
        server("upstreamauthority taint", ["subjectKeyID": .string], source: "upstreamauthority/taint.go"),
        server("upstreamauthority revoke", ["subjectKeyID": .string], source: "upstreamauthority/revoke.go"),

        agent("run", agentRun, source: "run/run.go"),
        agent("validate", agentRun, source: "validate/validate.go"),
        // cmd/spire-agent/cli/healthcheck/healthcheck.go and healthcheck_posix.go.
        agent("healthcheck", ["shallow": .bool, "verbose": .bool, "socketPath": .string, "instance": .string],
              source: "healthcheck/healthcheck.go"),
        // `api fetch` is an alias of `api fetch x509` (cmd/spire-agent/cli/cli.go).
        agent("api fetch", agentAPI.merging(["silent": .bool, "write": .string]) { $1 }.merging(output) { $1 },
              source: "api/fetch_x509.go"),
        agent("api fetch x509", agentAPI.merging(["silent": .bool, "write": .string]) { $1 }.merging(output) { $1 },
              source: "api/fetch_x509.go"),
        agent("api fetch jwt", agentAPI.merging(["audience": .string, "spiffeID": .string, "format": .string]) { $1 }
              .merging(output) { $1 }, source: "api/fetch_jwt.go"),
        agent("api validate jwt", agentAPI.merging(["audience": .string, "svid": .string]) { $1 }.merging(output) { $1 },
              source: "api/validate_jwt.go"),
        agent("api watch", ["socketPath": .string, "instance": .string], source: "api/watch.go"),
        agent("debug getinfo", agentAdmin.merging(output) { $1 }, source: "debug/debug.go"),
        agent("logger get", agentAdmin.merging(output) { $1 }, source: "logger/get.go"),
        agent("logger set", agentAdmin.merging(output) { $1 }.merging(["level": .string]) { $1 }, source: "logger/set.go"),
        agent("logger reset", agentAdmin.merging(output) { $1 }, source: "logger/reset.go"),
    ]

    static let binaries = ["spire-server", "spire-agent"]

    /// Where the binaries live in the official images: SPIRE's Dockerfile copies them to
    /// /opt/spire/bin/ and sets ENTRYPOINT ["/opt/spire/bin/spire-server", "run"] (and the same
    /// for spire-agent). /opt/spire/bin is not on the default PATH of `docker exec`.
    static func imagePath(_ binary: String) -> String { "/opt/spire/bin/" + binary }
}
