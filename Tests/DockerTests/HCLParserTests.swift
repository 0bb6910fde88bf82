import Foundation
import Testing
import TestSupport

/// The HCL subset parser the wiring tests stand on: what it reads, what it refuses, and a
/// cross-check against pyhcl (an HCL1 parser nobody here wrote) on the real configs.
@Suite("HCL subset parser")
struct HCLParserTests {

    @Test("blocks, quoted labels, nested blocks, and every attribute type")
    func readsTheSubset() throws {
        let body = try HCL.parse("""
            # a hash comment
            server {
                trust_domain = "example.org"   // a slash comment
                bind_port = 8081
                ratio = -2.5
                audit_log_enabled = false
                enabled = true
                admin_ids = ["spiffe://example.org/a", "spiffe://example.org/b",]
                empty = []
                /* a block
                   comment */
                quoted = "say \\"hi\\"\\tnow\\\\"
            }
            plugins {
                NodeAttestor "join_token" { plugin_data {} }
                KeyManager "disk" {
                    plugin_data = { keys_path = "/k.json" }
                }
                Deep "a" "b" { x = 1 }
            }
            """)
        let server = try #require(body.block("server")?.body)
        #expect(server[attribute: "trust_domain"] == .string("example.org"))
        #expect(server[attribute: "bind_port"] == .number(8081))
        #expect(server[attribute: "ratio"] == .number(-2.5))
        #expect(server[attribute: "audit_log_enabled"] == .bool(false))
        #expect(server[attribute: "enabled"] == .bool(true))
        #expect(server[attribute: "admin_ids"] == .list([.string("spiffe://example.org/a"), .string("spiffe://example.org/b")]))
        #expect(server[attribute: "empty"] == .list([]))
        #expect(server[attribute: "quoted"] == .string("say \"hi\"\tnow\\"))
        #expect(server.attributes.map(\.name) == ["trust_domain", "bind_port", "ratio", "audit_log_enabled", "enabled", "admin_ids", "empty", "quoted"])

        let plugins = try #require(body.block("plugins")?.body)
        let join = try #require(plugins.block("NodeAttestor", "join_token"))
        #expect(join.body.map("plugin_data") == HCL.Body())
        #expect(join.line == 15)
        // `plugin_data = {…}` (object value) and `plugin_data {…}` (block) read the same way.
        let disk = try #require(plugins.block("KeyManager", "disk")?.body.map("plugin_data"))
        #expect(disk[attribute: "keys_path"] == .string("/k.json"))
        #expect(plugins.block("Deep", "a", "b")?.body[attribute: "x"] == .number(1))
        #expect(plugins.block("Deep", "a") == nil)
    }

    @Test("repeated block types with different labels are kept apart, and merge in JSON form")
    func repeatedBlockTypes() throws {
        let body = try HCL.parse("""
            plugins {
                WorkloadAttestor "unix" { plugin_data {} }
                WorkloadAttestor "docker" { plugin_data { docker_socket_path = "unix:///var/run/docker.sock" } }
            }
            """)
        let plugins = try #require(body.block("plugins")?.body)
        #expect(plugins.blocks("WorkloadAttestor").map(\.labels) == [["unix"], ["docker"]])
        let json = body.jsonObject()
        let attestors = try #require((json["plugins"] as? [String: Any])?["WorkloadAttestor"] as? [String: Any])
        #expect(Set(attestors.keys) == ["unix", "docker"])
    }

    @Test("input outside the subset, or malformed, is an error with its position", arguments: [
        ("a = \"open", 1, 5, "unterminated string"),
        ("a = \"x\"\nb = <<EOF\nhi\nEOF\n", 2, 5, "heredoc"),
        ("a = \"${var.x}\"", 1, 7, "interpolation"),
        ("server {\n  a = 1\n", 3, 1, "never closed"),
        ("a = 1\n}", 2, 1, "without its '{'"),
        ("a = 1\na = 2", 2, 1, "set twice"),
        ("block \"label\" x {}", 1, 15, "expected '=' or '{'"),
        ("ttl = 1h", 1, 7, "units such as 1h must be quoted"),
        ("l = [1 2]", 1, 8, "expected ',' or ']'"),
        ("x = ", 1, 5, "expected a value"),
        ("/* never closed", 1, 1, "unterminated /* comment"),
        ("a = \"bad \\q escape\"", 1, 11, "unsupported escape"),
        ("a = 1.2.3", 1, 5, "malformed number"),
        ("a = @", 1, 5, "unexpected character"),
    ] as [(String, Int, Int, String)])
    func rejects(input: String, line: Int, column: Int, message: String) {
        #expect {
            _ = try HCL.parse(input)
        } throws: { error in
            guard let error = error as? HCL.ParseError else { return false }
            return error.line == line && error.column == column && error.message.contains(message)
        }
    }

    @Test("an empty file and a file of comments are empty bodies")
    func emptyInputs() throws {
        #expect(try HCL.parse("") == HCL.Body())
        #expect(try HCL.parse("# only\n// comments\n/* here */\n") == HCL.Body())
    }

    /// SPIRE's own sample configurations (conf/server/server.conf and conf/agent/agent.conf at
    /// tag v1.15.3 of github.com/spiffe/spire, Apache-2.0), quoted as the parser's real-world
    /// input: `plugin_data {}`, `plugin_data = {}`, quoted numbers, odd spacing.
    static let spireSampleServerConf = """
        server {
            bind_address = "127.0.0.1"
            bind_port = "8081"
            socket_path = "/tmp/spire-server/private/api.sock"
            trust_domain = "example.org"
            data_dir = "./.data"
            log_level = "DEBUG"
        }

        plugins {
            DataStore "sql" {
                plugin_data {
                    database_type = "sqlite3"
                    connection_string = "./.data/datastore.sqlite3"
                }
            }

            NodeAttestor "join_token" {
                plugin_data {
                }
            }

            KeyManager "memory" {
                plugin_data = {}
            }

            UpstreamAuthority "disk" {
                plugin_data {
                    key_file_path = "./conf/server/dummy_upstream_ca.key"
                    cert_file_path = "./conf/server/dummy_upstream_ca.crt"
                }
            }
        }
        """
    static let spireSampleAgentConf = """
        agent {
            data_dir = "./.data"
            log_level = "DEBUG"
            server_address = "127.0.0.1"
            server_port = "8081"
            socket_path ="/tmp/spire-agent/public/api.sock"
            trust_bundle_path = "./conf/agent/dummy_root_ca.crt"
            trust_domain = "example.org"
        }

        plugins {
            NodeAttestor "join_token" {
                plugin_data {
                }
            }
            KeyManager "disk" {
                plugin_data {
                    directory = "./.data"
                }
            }
            WorkloadAttestor "unix" {
                plugin_data {
                }
            }
        }
        """

    @Test("SPIRE's own sample configs parse")
    func spireSamples() throws {
        let server = try HCL.parse(Self.spireSampleServerConf)
        #expect(server.block("server")?.body[attribute: "bind_port"] == .string("8081"))
        #expect(server.block("plugins")?.body.block("KeyManager", "memory")?.body.map("plugin_data") == HCL.Body())
        #expect(server.block("plugins")?.body.blocks.count == 4)
        let agent = try HCL.parse(Self.spireSampleAgentConf)
        #expect(agent.block("agent")?.body[attribute: "socket_path"] == .string("/tmp/spire-agent/public/api.sock"))
        #expect(agent.block("plugins")?.body.block("WorkloadAttestor", "unix") != nil)
    }

    /// pyhcl (PyPI, an HCL1 parser) reads the same files; both readings must be identical, so
    /// the assertions the wiring tests make about server.conf and agent.conf are about what an
    /// HCL1 decoder like SPIRE's sees, not about what this small parser happens to think.
    @Test("pyhcl reads docker/server.conf, docker/agent.conf and SPIRE's samples exactly as this parser does")
    func agreesWithPyhcl() async throws {
        let python = try TestSupport.python()
        let dir = try TestSupport.makeTempDirectory(prefix: "hcl-pyhcl")
        defer { try? FileManager.default.removeItem(at: dir) }
        var inputs: [(String, String)] = [
            ("spire-sample-server.conf", Self.spireSampleServerConf),
            ("spire-sample-agent.conf", Self.spireSampleAgentConf),
        ]
        for name in ["server.conf", "agent.conf"] {
            inputs.append((name, try String(contentsOf: DockerFiles.url(name), encoding: .utf8)))
        }
        for (name, text) in inputs {
            let file = dir.appendingPathComponent(name)
            try text.write(to: file, atomically: true, encoding: .utf8)
            let script = "import hcl, json, sys; print(json.dumps(hcl.load(open(sys.argv[1])), sort_keys=True))"
            let result = try await TestSupport.run(python.path, ["-c", script, file.path], deadline: 60)
            try #require(result.status == 0, "pyhcl could not read \(name) (is pyhcl in the interop venv? run scripts/setup --tests):\n\(result)")
            let theirs = try canonicalJSON(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)))
            let ours = try canonicalJSON(HCL.parse(text).jsonObject())
            #expect(theirs == ours, "\(name): pyhcl read\n\(theirs)\nbut this parser read\n\(ours)")
        }
    }
}
