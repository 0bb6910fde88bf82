import Foundation
import Testing
import Yams

/// docker/compose.yaml, read with a YAML library (Yams), against the SPIRE configs it mounts and
/// the facts of the SPIRE images. Docker cannot run on the project's machines, so these tests are
/// what stands between a typo and a learner's broken deployment.
@Suite("docker/compose.yaml wiring")
struct ComposeWiringTests {
    static let socketPath = "/tmp/spire-agent/public/api.sock"
    static let trustDomain = "example.org"

    struct Compose {
        let root: [String: Any]

        init() throws {
            let text = try DockerFiles.text("compose.yaml")
            root = try #require(try Yams.load(yaml: text) as? [String: Any], "compose.yaml is not a YAML mapping")
        }

        var services: [String: Any] { root["services"] as? [String: Any] ?? [:] }
        var namedVolumes: Set<String> { Set((root["volumes"] as? [String: Any] ?? [:]).keys) }

        func service(_ name: String) throws -> [String: Any] {
            try #require(services[name] as? [String: Any], "compose.yaml has no service '\(name)'")
        }

        /// Short-syntax volumes of a service as (source, target, read-only).
        func mounts(_ name: String) throws -> [(source: String, target: String, readOnly: Bool)] {
            let list = try service(name)["volumes"] as? [String] ?? []
            return try list.map { spec in
                let parts = spec.split(separator: ":").map(String.init)
                try #require(parts.count == 2 || parts.count == 3, "volume '\(spec)' is not source:target[:mode]")
                return (parts[0], parts[1], parts.count == 3 && parts[2].split(separator: ",").contains("ro"))
            }
        }

        func environment(_ name: String) throws -> [String: String] {
            let env = try service(name)["environment"]
            if let map = env as? [String: Any] { return map.mapValues { "\($0)" } }
            if let list = env as? [String] {
                return Dictionary(uniqueKeysWithValues: list.map {
                    let kv = $0.split(separator: "=", maxSplits: 1).map(String.init)
                    return (kv[0], kv.count > 1 ? kv[1] : "")
                })
            }
            return [:]
        }
    }

    static let workloads = [("service-a", 1000), ("service-b", 1001)]

    @Test("SPIRE images are pinned to 1.15.3 from ghcr.io/spiffe")
    func images() throws {
        let compose = try Compose()
        #expect(try compose.service("spire-server")["image"] as? String == "ghcr.io/spiffe/spire-server:1.15.3")
        #expect(try compose.service("spire-agent")["image"] as? String == "ghcr.io/spiffe/spire-agent:1.15.3")
        // No other service runs a SPIRE image of another version.
        for (name, value) in compose.services {
            if let image = (value as? [String: Any])?["image"] as? String, image.contains("spiffe/spire") {
                #expect(image.hasSuffix(":1.15.3"), "\(name) uses \(image)")
            }
        }
    }

    @Test("server and agent get only `-config <mounted file>`: the images have no shell and their entrypoint is `spire-x run`")
    func commands() throws {
        let compose = try Compose()
        for (service, file) in [("spire-server", "server.conf"), ("spire-agent", "agent.conf")] {
            let spec = try compose.service(service)
            #expect(spec["entrypoint"] == nil, "\(service) must keep the image's entrypoint")
            let command = try #require(spec["command"] as? [String], "\(service): command must be a list (exec form)")
            #expect(command.count == 2 && command.first == "-config", "\(service): command is \(command)")
            // The config path is where the repository's file is mounted, read-only.
            let mount = try compose.mounts(service).first { $0.target == command.last }
            #expect(mount?.source == "./\(file)", "\(service): \(command.last ?? "") is not ./\(file) mounted")
            #expect(mount?.readOnly == true)
            #expect(FileManager.default.fileExists(atPath: DockerFiles.url(file).path))
            // As SPIRE itself would read the arguments after `spire-x run`.
            let binary = service
            let run = CommandScan.Invocation(file: "compose.yaml", line: 0, binary: binary, binaryWord: binary,
                                             args: (["run"] + command).map { .init(text: $0, quoted: false) })
            #expect(CommandScan.problems(run).isEmpty, "\(CommandScan.problems(run))")
        }
    }

    @Test("health checks run the SPIRE binaries directly (exec form, no shell), with flags SPIRE has")
    func healthChecks() throws {
        let compose = try Compose()
        for service in ["spire-server", "spire-agent"] {
            let check = try #require(try compose.service(service)["healthcheck"] as? [String: Any])
            let test = try #require(check["test"] as? [String], "\(service): healthcheck.test must be a list")
            #expect(test.first == "CMD", "\(service): CMD-SHELL needs a shell the image does not have")
            #expect(test.dropFirst().first == SpireCLI.imagePath(service))
            #expect(test.dropFirst(2).first == "healthcheck")
            let invocation = CommandScan.Invocation(file: "compose.yaml", line: 0, binary: service, binaryWord: test[1],
                                                    args: test.dropFirst(2).map { .init(text: $0, quoted: false) })
            #expect(CommandScan.problems(invocation).isEmpty, "\(CommandScan.problems(invocation))")
        }
        // The agent's health check looks at the socket agent.conf binds.
        let agentTest = try compose.service("spire-agent")["healthcheck"] as? [String: Any]
        let args = agentTest?["test"] as? [String] ?? []
        if let i = args.firstIndex(of: "-socketPath") {
            #expect(args.dropFirst(i + 1).first == Self.socketPath)
        }
    }

    @Test("one Workload API socket: agent.conf binds it, a shared volume carries it, both workloads point at it")
    func socket() throws {
        let compose = try Compose()
        let agent = try #require(try DockerFiles.hcl("agent.conf").block("agent")?.body)
        #expect(agent[attribute: "socket_path"] == .string(Self.socketPath))
        let socketDirectory = (Self.socketPath as NSString).deletingLastPathComponent

        let agentMount = try #require(try compose.mounts("spire-agent").first { $0.target == socketDirectory },
                                      "spire-agent does not mount a volume at \(socketDirectory)")
        #expect(compose.namedVolumes.contains(agentMount.source), "\(agentMount.source) is not a named volume")
        #expect(!agentMount.readOnly, "the agent must be able to create its socket")

        for (name, _) in Self.workloads {
            let mount = try compose.mounts(name).first { $0.target == socketDirectory }
            #expect(mount?.source == agentMount.source, "\(name) does not share \(agentMount.source) at \(socketDirectory)")
            #expect(mount?.readOnly == true, "\(name) only needs to connect, not to write")
            #expect(try compose.environment(name)["SPIFFE_ENDPOINT_SOCKET"] == "unix://" + Self.socketPath)
        }
    }

    @Test("the trust domain is example.org in both configs and in every SPIFFE ID under docker/")
    func trustDomain() throws {
        let server = try #require(try DockerFiles.hcl("server.conf").block("server")?.body)
        let agent = try #require(try DockerFiles.hcl("agent.conf").block("agent")?.body)
        #expect(server[attribute: "trust_domain"] == .string(Self.trustDomain))
        #expect(agent[attribute: "trust_domain"] == .string(Self.trustDomain))
        var seen = 0
        for file in ["compose.yaml", "bootstrap.sh", "README.md", "server.conf", "agent.conf"] {
            let text = try DockerFiles.text(file)
            for match in text.matches(of: /spiffe:\/\/([A-Za-z0-9._-]*)/) {
                seen += 1
                #expect(match.1 == Self.trustDomain, "\(file) names a SPIFFE ID in trust domain '\(match.1)'")
            }
        }
        #expect(seen >= 6, "expected the SPIFFE IDs of the agent and both workloads in bootstrap.sh and README.md")
    }

    @Test("the agent finds the server by its service name and port")
    func serverAddress() throws {
        let compose = try Compose()
        let server = try #require(try DockerFiles.hcl("server.conf").block("server")?.body)
        let agent = try #require(try DockerFiles.hcl("agent.conf").block("agent")?.body)
        guard case .string(let address)? = agent[attribute: "server_address"] else {
            Issue.record("agent.conf has no server_address"); return
        }
        #expect(compose.services[address] != nil, "server_address '\(address)' is not a Compose service")
        #expect(address == "spire-server")
        #expect(agent[attribute: "server_port"] != nil && agent[attribute: "server_port"] == server[attribute: "bind_port"])
        #expect(server[attribute: "bind_address"] == .string("0.0.0.0"), "the server must listen beyond its own loopback")
    }

    @Test("workloads share the agent's PID namespace and run as uids 1000 and 1001")
    func workloads() throws {
        let compose = try Compose()
        let agentContainer = try compose.service("spire-agent")["container_name"] as? String
        for (name, uid) in Self.workloads {
            let spec = try compose.service(name)
            let pid = spec["pid"] as? String
            let shares = pid == "service:spire-agent" || (agentContainer.map { pid == "container:\($0)" } ?? false)
            #expect(shares, "\(name): pid is \(pid ?? "unset"); the unix attestor needs the caller's PID in the agent's namespace")
            let user = try #require(spec["user"] as? String, "\(name) must set user (quoted: YAML reads 1000:1000 as a number)")
            #expect(user.split(separator: ":").first.map(String.init) == String(uid), "\(name) runs as \(user)")
            // Started only once the agent serves the Workload API.
            let dependsOn = spec["depends_on"] as? [String: Any]
            #expect((dependsOn?["spire-agent"] as? [String: Any])?["condition"] as? String == "service_healthy")
        }
        let agentDepends = try compose.service("spire-agent")["depends_on"] as? [String: Any]
        #expect((agentDepends?["spire-server"] as? [String: Any])?["condition"] as? String == "service_healthy")
    }

    @Test("server and agent keep their data on named volumes at their data_dir")
    func persistence() throws {
        let compose = try Compose()
        for (service, file, block) in [("spire-server", "server.conf", "server"), ("spire-agent", "agent.conf", "agent")] {
            let body = try #require(try DockerFiles.hcl(file).block(block)?.body)
            guard case .string(let dataDir)? = body[attribute: "data_dir"] else {
                Issue.record("\(file) has no data_dir"); continue
            }
            let mount = try compose.mounts(service).first { $0.target == dataDir }
            #expect(mount.map { compose.namedVolumes.contains($0.source) } == true, "\(service): \(dataDir) is not on a named volume")
        }
        // Everything the server persists lives under that directory.
        let plugins = try #require(try DockerFiles.hcl("server.conf").block("plugins")?.body)
        for (type, name, key) in [("DataStore", "sql", "connection_string"), ("KeyManager", "disk", "keys_path")] {
            let data = plugins.block(type, name)?.body.map("plugin_data")
            guard case .string(let path)? = data?[attribute: key] else { Issue.record("\(type) \(name) has no \(key)"); continue }
            #expect(path.hasPrefix("/var/lib/spire/server/"), "\(type) \(name): \(path) is not on the data volume")
        }
        let agentPlugins = try #require(try DockerFiles.hcl("agent.conf").block("plugins")?.body)
        #expect(agentPlugins.block("KeyManager", "disk")?.body.map("plugin_data")?[attribute: "directory"] == .string("/var/lib/spire/agent"))
    }

    @Test("the agent's join token file and bootstrap bundle come from docker/bootstrap/, which bootstrap.sh writes and git ignores")
    func bootstrapFiles() throws {
        let compose = try Compose()
        let agent = try #require(try DockerFiles.hcl("agent.conf").block("agent")?.body)
        let mount = try #require(try compose.mounts("spire-agent").first { $0.source == "./bootstrap" })
        #expect(mount.readOnly)
        let script = try DockerFiles.text("bootstrap.sh")
        for (key, file) in [("join_token_file", "join_token"), ("trust_bundle_path", "bundle.pem")] {
            #expect(agent[attribute: key] == .string(mount.target + "/" + file), "agent.conf \(key)")
            #expect(script.contains("bootstrap/\(file)"), "bootstrap.sh never writes bootstrap/\(file)")
        }
        #expect(agent[attribute: "insecure_bootstrap"] == nil)
        #expect(agent[attribute: "join_token"] == nil, "join_token and join_token_file together are refused by SPIRE")
        #expect(try DockerFiles.text(".gitignore").split(separator: "\n").contains("/bootstrap/"))
    }

    @Test("the workload image is built from this repository's spiffe-demo, multi-stage, not as root")
    func workloadImage() throws {
        let compose = try Compose()
        var dockerfiles = Set<String>()
        for (name, _) in Self.workloads {
            let build = try #require(try compose.service(name)["build"] as? [String: Any], "\(name) has no build")
            let context = try #require(build["context"] as? String)
            let dockerfile = try #require(build["dockerfile"] as? String)
            let contextURL = DockerFiles.directory.appendingPathComponent(context).standardizedFileURL
            #expect(FileManager.default.fileExists(atPath: contextURL.appendingPathComponent("Package.swift").path),
                    "\(name): the build context \(context) is not the package root")
            dockerfiles.insert(contextURL.appendingPathComponent(dockerfile).path)
        }
        #expect(dockerfiles.count == 1, "both workloads should build one image")
        let path = try #require(dockerfiles.first)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let stages = text.split(separator: "\n").filter { $0.hasPrefix("FROM ") }
        #expect(stages.count == 2)
        #expect(stages.first?.hasPrefix("FROM swift:6.3") == true && stages.first?.hasSuffix(" AS build") == true)
        #expect(text.contains("--product spiffe-demo"))
        #expect(text.contains("COPY --from=build"))
        let user = text.split(separator: "\n").last { $0.hasPrefix("USER ") }
        #expect(user != nil && user != "USER root" && user != "USER 0", "the image must not run as root")
        // BuildKit reads <Dockerfile>.dockerignore next to it: .build must stay out of the context.
        let ignore = try String(contentsOfFile: path + ".dockerignore", encoding: .utf8)
        #expect(ignore.split(separator: "\n").contains(".build"))
    }
}
