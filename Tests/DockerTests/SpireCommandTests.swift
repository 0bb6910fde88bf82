import Foundation
import Testing

/// Every `spire-server …` / `spire-agent …` command in docker/bootstrap.sh, docker/README.md and
/// the lessons (days/*.md) uses only subcommands and flags SPIRE 1.15.3 has (SpireCLI, read from
/// SPIRE's source), with values of the right shape. First the lint itself, on commands that
/// must pass and commands that must not.
@Suite("SPIRE commands in the scripts and lessons")
struct SpireCommandTests {

    private func problems(_ line: String) -> [String] {
        let found = CommandScan.invocations(inShell: line, file: "test")
        return found.flatMap(CommandScan.problems)
    }

    @Test("correct commands pass", arguments: [
        "spire-server entry create -parentID spiffe://example.org/spire/agent/join_token/abc -spiffeID spiffe://example.org/service-a -selector unix:uid:1000",
        "spire-server entry create -parentID spiffe://example.org/a -spiffeID spiffe://example.org/b -selector unix:uid:1000 -selector unix:gid:1000 -x509SVIDTTL 300 -jwtSVIDTTL 60 -dns b.example.org -federatesWith spiffe://partner.org",
        "spire-server entry create --spiffeID=spiffe://example.org/b --parentID=spiffe://example.org/a --selector=unix:uid:1 --admin",
        "spire-server entry create -node -spiffeID spiffe://example.org/nodes -selector join_token:abc",
        "spire-server entry create -data entries.json",
        "spire-server entry create -parentID \"$agent_id\" -spiffeID spiffe://example.org/x -selector unix:uid:1000 -admin=false",
        "spire-server entry create -parentID <agent-id> -spiffeID … -selector type:value [-selector …] [-x509SVIDTTL …]",
        "spire-server token generate -spiffeID spiffe://example.org/myagent -ttl 3600",
        "spire-server healthcheck", "spire-server healthcheck -shallow -verbose",
        "spire-agent healthcheck -socketPath /tmp/spire-agent/public/api.sock",
        "spire-agent run -config /etc/spire/agent/agent.conf -joinToken 1234",
        "spire-agent api fetch x509 -socketPath /tmp/spire-agent/public/api.sock -write /tmp/svids",
        "spire-agent api fetch jwt -audience sts.amazonaws.com -timeout 5s",
        "spire-server entry show -spiffeID spiffe://example.org/service-a -output json",
        "spire-server bundle show -format spiffe",
        "spire-server x509 mint -spiffeID spiffe://example.org/x -ttl 1h",
        "spire-server agent list",
        "spire-server entry create",
    ])
    func passes(command: String) {
        #expect(CommandScan.invocations(inShell: command, file: "test").count == 1)
        #expect(problems(command) == [])
    }

    @Test("wrong commands are caught, each with a reason", arguments: [
        ("spire-server entry create -spiffeId spiffe://example.org/b -parentID spiffe://example.org/a -selector unix:uid:1", "has no flag -spiffeId"),
        ("spire-server entry create -spiffeID spiffe://example.org/b -parentID spiffe://example.org/a -selector unix:uid:1 -ttl 60", "has no flag -ttl"),
        ("spire-server entry create -spiffeID spiffe://example.org/b -parentID spiffe://example.org/a -selector unix:uid:1 -x509SVIDTTL 1h", "whole number of seconds"),
        ("spire-server entry create -spiffeID spiffe://example.org/b -parentID spiffe://example.org/a -admin true -selector unix:uid:1", "is a boolean flag"),
        ("spire-server entry create -spiffeID spiffe://example.org/b -parentID spiffe://example.org/a stray -selector unix:uid:1", "stops there"),
        ("spire-server entry create -spiffeID spiffe://example.org/b -parentID spiffe://example.org/a", "needs at least one -selector"),
        ("spire-server entry create -spiffeID spiffe://example.org/b -selector unix:uid:1", "needs -parentID"),
        ("spire-server entry create -parentID spiffe://example.org/a -selector unix:uid:1", "needs -spiffeID"),
        ("spire-server entry create -spiffeID example.org/b -parentID spiffe://example.org/a -selector unix:uid:1", "is not a SPIFFE ID"),
        ("spire-server entry create -spiffeID spiffe://example.org/b -parentID spiffe://example.org/a -selector uid1000", "is not type:value"),
        ("spire-server entry create -spiffeID spiffe://example.org/b -parentID spiffe://example.org/a -selector", "needs a value"),
        ("spire-server entry register -spiffeID spiffe://example.org/b", "no such subcommand"),
        ("spire-server token generate -ttl 10m", "whole number of seconds"),
        ("spire-server token generate -spiffeId spiffe://example.org/a", "has no flag -spiffeId"),
        ("spire-server healthcheck -socket /tmp/x", "has no flag -socket"),
        ("spire-agent healthcheck -joinToken x", "has no flag -joinToken"),
        ("spire-agent run -config a.conf -join-token abc", "has no flag -join-token"),
        ("spire-server x509 mint -spiffeID spiffe://example.org/x -ttl 3600", "Go duration"),
    ] as [(String, String)])
    func catches(command: String, expected: String) {
        let found = problems(command)
        #expect(found.contains { $0.contains(expected) }, "\(command) -> \(found)")
    }

    @Test("the scanner finds commands through docker compose exec, $(…), pipes, continuations and redirects")
    func scanner() throws {
        let script = #"""
            docker compose up -d spire-server spire-agent
            token=$(docker compose exec -T spire-server /opt/spire/bin/spire-server token generate -ttl 600 | sed -n 's/^Token: //p')
            docker compose exec -T spire-server /opt/spire/bin/spire-server entry create \
                -parentID "$agent_id" \
                -spiffeID spiffe://example.org/service-a \
                -selector unix:uid:1000 >/dev/null 2>&1 || die "no"
            wait_until "healthy" spire-agent \
                docker compose exec -T spire-agent /opt/spire/bin/spire-agent healthcheck -socketPath /tmp/x.sock
            # spire-server entry create -bogus (a comment is not a command)
            docker compose logs spire-server
            """#
        let found = CommandScan.invocations(inShell: script, file: "s")
        #expect(found.map { $0.args.first?.text ?? "" } == ["token", "entry", "healthcheck"])
        #expect(found.map(\.line) == [2, 3, 7])
        #expect(found.map(\.dockerService) == ["spire-server", "spire-server", "spire-agent"])
        #expect(found.allSatisfy { $0.dockerOptions == ["-T"] })
        #expect(found[0].args.map(\.text) == ["token", "generate", "-ttl", "600"])
        #expect(found[1].args.map(\.text) == ["entry", "create", "-parentID", "$agent_id", "-spiffeID",
                                               "spiffe://example.org/service-a", "-selector", "unix:uid:1000"])
        #expect(found.flatMap(CommandScan.problems) == [])
    }

    @Test("in Markdown, shell blocks and inline code are read; check blocks and prose are not")
    func markdown() throws {
        let lesson = #"""
            Register it with `spire-server entry create -spiffeID spiffe://example.org/a -parentID spiffe://example.org/p -selector unix:uid:1`.

            ```sh
            $ spire-server entry create -spiffeID spiffe://example.org/b \
                -parentID spiffe://example.org/p -selector unix:uid:2
            ```

            ```check
            Which is right? (b) spire-server entry create -spiffeId wrong
            ```

            In prose, spire-server entry create -nonsense is not read.
            ````console
            spire-agent healthcheck -shallow
            ````
            """#
        let found = CommandScan.invocations(inMarkdown: lesson, file: "day.md")
        #expect(found.map(\.line) == [1, 4, 14])
        #expect(found.map(\.binary) == ["spire-server", "spire-server", "spire-agent"])
        #expect(found.flatMap(CommandScan.problems) == [])
    }

    // MARK: The real files

    @Test("docker/bootstrap.sh: every SPIRE command is valid and runs the image's binary in its own container")
    func bootstrapCommands() throws {
        let found = CommandScan.invocations(inShell: try DockerFiles.text("bootstrap.sh"), file: "docker/bootstrap.sh")
        let names = found.map { ([$0.binary] + $0.args.prefix(2).map(\.text)).joined(separator: " ") }
        for required in ["spire-server healthcheck", "spire-server token generate", "spire-server bundle show",
                         "spire-agent healthcheck -socketPath", "spire-server agent show", "spire-server entry create"] {
            #expect(names.contains(required), "bootstrap.sh never runs \(required)")
        }
        for invocation in found {
            #expect(CommandScan.problems(invocation) == [], "\(invocation)")
            // The images have no shell and /opt/spire/bin is not on exec's PATH.
            #expect(invocation.dockerService == invocation.binary, "\(invocation): runs in \(invocation.dockerService ?? "no container")")
            #expect(invocation.binaryWord == SpireCLI.imagePath(invocation.binary), "\(invocation)")
            // -T: no pseudo-terminal, so captured output has no carriage returns and the script
            // works without a terminal.
            #expect(invocation.dockerOptions.contains("-T"), "\(invocation)")
        }
    }

    /// (SPIFFE ID, selectors, parent) of each `entry create` in a list of invocations.
    static func entries(_ found: [CommandScan.Invocation]) -> [(id: String, selectors: [String], parent: String?)] {
        found.filter { $0.args.prefix(2).map(\.text) == ["entry", "create"] }.map { invocation in
            let words = invocation.args.map(\.text)
            func values(_ flag: String) -> [String] {
                words.indices.filter { words[$0] == "-" + flag && $0 + 1 < words.count }.map { words[$0 + 1] }
            }
            return (values("spiffeID").first ?? "", values("selector"), values("parentID").first)
        }
    }

    @Test("bootstrap.sh registers service-a as unix:uid:1000 and service-b as unix:uid:1001, under the join-token agent")
    func bootstrapEntries() throws {
        let text = try DockerFiles.text("bootstrap.sh")
        let entries = Self.entries(CommandScan.invocations(inShell: text, file: "bootstrap.sh"))
        #expect(entries.map(\.id) == ["spiffe://example.org/service-a", "spiffe://example.org/service-b"])
        #expect(entries.map(\.selectors) == [["unix:uid:1000"], ["unix:uid:1001"]])
        #expect(entries.allSatisfy { $0.parent == "$agent_id" })
        // The join_token node attestor names the agent spiffe://<td>/spire/agent/join_token/<token>
        // (doc/plugin_server_nodeattestor_jointoken.md).
        #expect(text.contains(#"agent_id="spiffe://example.org/spire/agent/join_token/$token""#))
    }

    @Test("docker/README.md: every SPIRE command is valid, and it shows bootstrap.sh's entries for SPIRE and for spiffe-demo")
    func readmeCommands() throws {
        let text = try DockerFiles.text("README.md")
        let found = CommandScan.invocations(inMarkdown: text, file: "docker/README.md")
        #expect(!found.isEmpty)
        for invocation in found {
            #expect(CommandScan.problems(invocation) == [], "\(invocation)")
            if let service = invocation.dockerService {
                #expect(service == invocation.binary, "\(invocation)")
                #expect(invocation.binaryWord == SpireCLI.imagePath(invocation.binary), "\(invocation)")
            }
        }
        let script = Self.entries(CommandScan.invocations(inShell: try DockerFiles.text("bootstrap.sh"), file: "bootstrap.sh"))
        let wanted = script.map { "\($0.id) \($0.selectors)" }
        let shown = Self.entries(found).map { "\($0.id) \($0.selectors)" }
        #expect(wanted.allSatisfy(shown.contains), "README shows \(shown), bootstrap.sh registers \(wanted)")

        // The same entries for the local agent: `spiffe-demo entry create` with SPIRE's flags.
        let demo = CommandScan.codeOf(markdown: text).flatMap { line, code in
            CommandScan.logicalLines(code).flatMap { CommandScan.simpleCommands($0.text) }
        }.compactMap { words -> CommandScan.Invocation? in
            guard let i = words.firstIndex(where: { $0.text.hasSuffix("spiffe-demo") }),
                  words.dropFirst(i + 1).prefix(2).map(\.text) == ["entry", "create"] else { return nil }
            return CommandScan.Invocation(file: "README.md", line: 0, binary: "spire-server", binaryWord: "spiffe-demo",
                                          args: Array(words[(i + 1)...]))
        }
        let demoShown = Self.entries(demo).map { "\($0.id) \($0.selectors)" }
        #expect(wanted.allSatisfy(demoShown.contains), "README's spiffe-demo entries \(demoShown) differ from \(wanted)")
    }

    @Test("days/*.md: every SPIRE command a lesson shows is one SPIRE 1.15 accepts")
    func lessons() throws {
        var checked = 0
        for url in try DockerFiles.lessons() {
            let text = try String(contentsOf: url, encoding: .utf8)
            for invocation in CommandScan.invocations(inMarkdown: text, file: "days/" + url.lastPathComponent) {
                checked += 1
                #expect(CommandScan.problems(invocation) == [], "\(invocation)")
            }
        }
        // Lessons are written in parallel with this test; whatever exists is checked.
        print("checked \(checked) SPIRE commands in \(try DockerFiles.lessons().count) lessons")
        #expect(checked >= 1, "no SPIRE command found in days/*.md: the scanner or the lessons changed")
    }

    /// Entries a lesson registers itself (its steps or its challenge make them, on the model or
    /// on docker/'s SPIRE by hand), not bootstrap.sh: each is named here with its day, so a typo in
    /// a quoted entry still fails below.
    static let lessonOnlyEntries: [String: Set<String>] = [
        "day08.md": ["spiffe://example.org/ns/prod/sa/provisioning [\"unix:uid:1000\"]"],
        "day13.md": ["spiffe://example.org/rotation-demo [\"unix:uid:1003\"]"],
        // Day 20's example of an entry that federates, shown as SPIRE writes it, not registered.
        "day20.md": ["spiffe://example.org/provisioning/api [\"unix:uid:1000\"]"],
    ]

    @Test("every `entry create` a lesson quotes registers an entry bootstrap.sh registers (same ID, same selectors), or one the day lists as its own")
    func lessonEntriesMatchBootstrap() throws {
        let script = Self.entries(CommandScan.invocations(inShell: try DockerFiles.text("bootstrap.sh"), file: "bootstrap.sh"))
        let bootstrapped = Set(script.map { "\($0.id) \($0.selectors)" })
        var quoted: [String] = []
        for url in try DockerFiles.lessons() {
            let text = try String(contentsOf: url, encoding: .utf8)
            let registered = bootstrapped.union(Self.lessonOnlyEntries[url.lastPathComponent] ?? [])
            // A bare mention (`spire-server entry create` in prose) registers nothing.
            for entry in Self.entries(CommandScan.invocations(inMarkdown: text, file: "days/" + url.lastPathComponent))
            where !entry.id.isEmpty || !entry.selectors.isEmpty {
                quoted.append("\(entry.id) \(entry.selectors)")
                #expect(registered.contains("\(entry.id) \(entry.selectors)"),
                        "\(url.lastPathComponent) quotes \(entry.id) \(entry.selectors); bootstrap.sh registers \(registered.sorted())")
            }
        }
        // Day 14 quotes service-a's entry; the test must have seen at least that one.
        #expect(quoted.contains("spiffe://example.org/service-a [\"unix:uid:1000\"]"), "\(quoted)")
    }
}
