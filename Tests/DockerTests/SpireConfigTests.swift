import Foundation
import Testing

/// docker/server.conf and docker/agent.conf against what SPIRE 1.15.3 reads. SPIRE refuses to
/// start on an unknown key (its Config structs record unused keys and fail), so a misspelt key
/// here would be a deployment that never comes up; the key lists are the `hcl:"…"` tags of the
/// structs at tag v1.15.3 of github.com/spiffe/spire, files named below.
@Suite("SPIRE server.conf and agent.conf")
struct SpireConfigTests {

    // cmd/spire-server/cli/run/run.go, type Config and type serverConfig.
    static let serverTopLevel: Set<String> = ["server", "plugins", "telemetry", "health_checks"]
    static let serverKeys: Set<String> = [
        "admin_ids", "agent_ttl", "audit_log_enabled", "bind_address", "bind_port", "ca_key_type", "ca_subject",
        "ca_ttl", "data_dir", "default_x509_svid_ttl", "default_jwt_svid_ttl", "experimental", "federation",
        "disable_jwt_svids", "jwt_issuer", "jwt_key_type", "log_file", "log_level", "log_format",
        "log_source_location", "prune_attested_nodes_expired_for", "prune_attested_nodes_batch_size",
        "prune_tofu_nodes", "proxy_protocol_trusted_cidrs", "ratelimit", "socket_path", "trust_domain",
        "max_attested_node_info_staleness", "profiling_enabled", "profiling_port", "profiling_freq", "profiling_names",
    ]
    // cmd/spire-agent/cli/run/run.go, type Config and type agentConfig.
    static let agentTopLevel: Set<String> = ["agent", "plugins", "telemetry", "health_checks"]
    static let agentKeys: Set<String> = [
        "data_dir", "admin_socket_path", "insecure_bootstrap", "rebootstrap_mode", "rebootstrap_delay", "join_token",
        "join_token_file", "log_file", "log_format", "log_level", "log_selectors", "log_source_location", "sds",
        "server_address", "server_port", "socket_path", "disable_workload_api", "disable_sds_api",
        "workload_x509_svid_key_type", "trust_bundle_format", "trust_bundle_path", "trust_bundle_spiffe_workload_api",
        "trust_bundle_unix_socket", "trust_bundle_url", "trust_domain", "allow_unauthenticated_verifiers",
        "allowed_foreign_jwt_claims", "availability_target", "x509_svid_cache_max_size", "jwt_svid_cache_max_size",
        "authorized_delegates", "profiling_enabled", "profiling_port", "profiling_freq", "profiling_names", "experimental",
    ]
    // pkg/server/catalog/catalog.go and pkg/agent/catalog/catalog.go: the plugin types.
    static let serverPluginTypes: Set<String> = [
        "BundlePublisher", "CredentialComposer", "DataStore", "KeyManager", "NodeAttestor", "Notifier", "UpstreamAuthority",
    ]
    static let agentPluginTypes: Set<String> = ["KeyManager", "NodeAttestor", "SVIDStore", "WorkloadAttestor"]
    // pkg/common/catalog/config.go: what a plugin block may hold.
    static let pluginBlockKeys: Set<String> = ["plugin_cmd", "plugin_args", "plugin_checksum", "plugin_data", "plugin_data_file", "enabled"]
    // The plugin_data keys of the built-in plugins used here (doc/plugin_*.md).
    static let pluginDataKeys: [String: Set<String>] = [
        "DataStore sql": ["database_type", "connection_string", "ro_connection_string", "root_ca_path",
                          "client_cert_path", "client_key_path", "max_open_conns", "max_idle_conns",
                          "conn_max_lifetime", "disable_migration"],
        "server KeyManager disk": ["keys_path"],
        "agent KeyManager disk": ["directory"],
        "NodeAttestor join_token": [],
        "WorkloadAttestor unix": ["discover_workload_path", "workload_size_limit"],
    ]

    private func names(_ body: HCL.Body) -> Set<String> {
        Set(body.attributes.map(\.name) + body.blocks.map(\.type))
    }

    private func checkPlugins(_ plugins: HCL.Body, side: String, types: Set<String>) {
        #expect(plugins.attributes.isEmpty, "\(side): plugins {} holds only plugin blocks")
        for block in plugins.blocks {
            #expect(types.contains(block.type), "\(side): \(block.type) is not a SPIRE \(side) plugin type")
            #expect(block.labels.count == 1, "\(side): \(block.type) needs exactly one name label")
            #expect(names(block.body).isSubset(of: Self.pluginBlockKeys), "\(side): \(block.type) has \(names(block.body))")
            let name = block.labels.first ?? ""
            let known = Self.pluginDataKeys["\(block.type) \(name)"] ?? Self.pluginDataKeys["\(side) \(block.type) \(name)"]
            if let known, let data = block.body.map("plugin_data") {
                #expect(names(data).isSubset(of: known), "\(side): \(block.type) \"\(name)\" plugin_data has \(names(data).subtracting(known))")
            } else {
                Issue.record("\(side): \(block.type) \"\(name)\" has no plugin_data or is a plugin these tests do not know")
            }
        }
    }

    @Test("server.conf: known keys only; sqlite datastore, disk key manager, join_token node attestor")
    func server() throws {
        let file = try DockerFiles.hcl("server.conf")
        #expect(names(file).isSubset(of: Self.serverTopLevel))
        let server = try #require(file.block("server")?.body)
        #expect(names(server).subtracting(Self.serverKeys).isEmpty, "unknown server keys: \(names(server).subtracting(Self.serverKeys))")
        let plugins = try #require(file.block("plugins")?.body)
        checkPlugins(plugins, side: "server", types: Self.serverPluginTypes)

        #expect(plugins.blocks("DataStore").count == 1)
        #expect(plugins.block("DataStore", "sql")?.body.map("plugin_data")?[attribute: "database_type"] == .string("sqlite3"))
        #expect(plugins.blocks("KeyManager").map(\.labels) == [["disk"]])
        #expect(plugins.blocks("NodeAttestor").map(\.labels) == [["join_token"]])
        // The server's API socket is where the CLI looks by default, so `docker compose exec …
        // spire-server entry create` needs no -socketPath (cmd/spire-server/util/util.go).
        #expect(server[attribute: "socket_path"] == .string("/tmp/spire-server/private/api.sock"))
    }

    @Test("agent.conf: known keys only; join_token node attestor, unix workload attestor, disk key manager, a bootstrap bundle")
    func agent() throws {
        let file = try DockerFiles.hcl("agent.conf")
        #expect(names(file).isSubset(of: Self.agentTopLevel))
        let agent = try #require(file.block("agent")?.body)
        #expect(names(agent).subtracting(Self.agentKeys).isEmpty, "unknown agent keys: \(names(agent).subtracting(Self.agentKeys))")
        let plugins = try #require(file.block("plugins")?.body)
        checkPlugins(plugins, side: "agent", types: Self.agentPluginTypes)

        #expect(plugins.blocks("NodeAttestor").map(\.labels) == [["join_token"]])
        #expect(plugins.blocks("WorkloadAttestor").map(\.labels) == [["unix"]])
        #expect(plugins.blocks("KeyManager").map(\.labels) == [["disk"]])
        // What the agent's validate() requires (cmd/spire-agent/cli/run/run.go).
        for key in ["server_address", "server_port", "trust_domain"] {
            #expect(agent[attribute: key] != nil, "agent.conf needs \(key)")
        }
        let bootstrapOptions = ["trust_bundle_path", "trust_bundle_url", "trust_bundle_spiffe_workload_api", "insecure_bootstrap"]
        #expect(bootstrapOptions.filter { agent[attribute: $0] != nil } == ["trust_bundle_path"])
    }

    @Test("every setting and plugin has a comment saying why it is there", arguments: ["server.conf", "agent.conf"])
    func commented(file: String) throws {
        let lines = try DockerFiles.text(file).components(separatedBy: "\n")
        let body = try DockerFiles.hcl(file)
        var items: [(String, Int)] = []
        for block in body.blocks {
            items += block.body.attributes.map { ($0.name, $0.line) }
            items += block.body.blocks.map { ("\($0.type) \($0.labels.joined(separator: " "))", $0.line) }
        }
        #expect(items.count >= 8)
        // The paragraph (lines up to the previous blank line) that holds each item has a comment.
        for (name, line) in items {
            var i = line - 2
            var commented = false
            while i >= 0, !lines[i].trimmingCharacters(in: .whitespaces).isEmpty {
                if lines[i].trimmingCharacters(in: .whitespaces).hasPrefix("#") { commented = true; break }
                i -= 1
            }
            #expect(commented, "\(file):\(line): \(name) has no comment above it")
        }
    }
}
