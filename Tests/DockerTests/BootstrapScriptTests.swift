import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport

/// docker/bootstrap.sh: bash accepts it, shellcheck finds nothing, and — run against a fake
/// `docker` that plays SPIRE's part and records every call — it does its steps in the order
/// SPIRE needs, stops at the first failure, and leaves the token readable by its owner only.
/// (The fake proves the script's logic, not that real containers behave; see docker/README.md.)
@Suite("docker/bootstrap.sh")
struct BootstrapScriptTests {

    @Test("bash -n accepts it")
    func syntax() async throws {
        let result = try await TestSupport.run("/bin/bash", ["-n", DockerFiles.url("bootstrap.sh").path])
        #expect(result.status == 0, "\(result)")
    }

    @Test("shellcheck finds nothing")
    func shellcheck() async throws {
        guard (try? await TestSupport.run("shellcheck", ["--version"])) != nil else {
            Issue.record("shellcheck is not installed; run scripts/setup --tests (it installs Debian's shellcheck)")
            return
        }
        let result = try await TestSupport.run("shellcheck", ["--shell=bash", "--severity=style", DockerFiles.url("bootstrap.sh").path])
        #expect(result.status == 0, "\(result)")
    }

    @Test("it is executable and starts with set -euo pipefail")
    func header() throws {
        let path = DockerFiles.url("bootstrap.sh").path
        #expect(FileManager.default.isExecutableFile(atPath: path))
        let lines = try DockerFiles.text("bootstrap.sh").split(separator: "\n")
        #expect(lines.first == "#!/usr/bin/env bash")
        #expect(lines.first { !$0.hasPrefix("#") && !$0.isEmpty } == "set -euo pipefail")
    }

    // MARK: Running it against a fake docker

    static let token = "5b1ef3d6-3f0e-4c52-9a57-0123456789ab"
    static let agentID = "spiffe://example.org/spire/agent/join_token/\(token)"

    /// A `docker` that answers like Compose and SPIRE would, logs each call (one per line, the
    /// arguments joined by spaces) to $FAKE_LOG, and fails on anything it does not expect.
    /// FAKE_SERVER_HEALTH sets the exit status of the server's health check; FAKE_TOKEN_OUTPUT
    /// replaces what `token generate` prints.
    static let fakeDocker = #"""
        #!/bin/bash
        echo "$*" >>"$FAKE_LOG"
        server="compose exec -T spire-server /opt/spire/bin/spire-server"
        agent="compose exec -T spire-agent /opt/spire/bin/spire-agent"
        case "$*" in
            "compose version" | "compose down --volumes --remove-orphans" | "compose up -d spire-server" \
            | "compose up -d --build service-a service-b")
                exit 0 ;;
            "$server healthcheck")
                exit "${FAKE_SERVER_HEALTH:-0}" ;;
            "$server token generate -ttl 600")
                printf '%s\n' "${FAKE_TOKEN_OUTPUT:-Token: 5b1ef3d6-3f0e-4c52-9a57-0123456789ab}"
                printf 'Warning: Missing SPIFFE ID.\n'
                exit 0 ;;
            "$server bundle show -format pem")
                printf -- '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'
                exit 0 ;;
            "compose up -d spire-agent")
                # What the agent would find in its bind mount when it starts.
                if [ -f bootstrap/join_token ]; then
                    echo "agent starts with token=$(cat bootstrap/join_token) mode=$(stat -c %a bootstrap/join_token) bundle=$(head -1 bootstrap/bundle.pem)" >>"$FAKE_LOG"
                else
                    echo "agent starts without a token" >>"$FAKE_LOG"
                fi
                exit 0 ;;
            "$agent healthcheck -socketPath /tmp/spire-agent/public/api.sock")
                exit 0 ;;
            "$server agent show -spiffeID spiffe://example.org/spire/agent/join_token/"*)
                exit 0 ;;
            "$server entry create "*)
                echo "Entry ID : 1" ; exit 0 ;;
            "compose exec -T service-a spiffe-demo fetch --live")
                echo "SPIFFE ID: spiffe://example.org/service-a" ; exit 0 ;;
            "compose exec -T service-b spiffe-demo fetch --live")
                echo "SPIFFE ID: spiffe://example.org/service-b" ; exit 0 ;;
        esac
        echo "fake docker: unexpected call: docker $*" >&2
        exit 99
        """#

    struct Run {
        var result: TestSupport.ProcessResult
        var log: [String]
        var directory: URL
    }

    /// Writes an executable with a close-on-exec descriptor. Tests run in parallel and spawn
    /// processes; a child forked while a plain descriptor is open for writing would inherit it,
    /// and exec'ing the file would then fail with "Text file busy".
    private static func writeExecutable(_ text: String, to url: URL) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path]) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
    }

    /// Two directories of fake tools, made once: one with `docker` and a `sleep` that returns at
    /// once, one with only that `sleep`.
    private static let fakeBins: Result<(withDocker: URL, withoutDocker: URL), any Error> = Result {
        let root = try TestSupport.makeTempDirectory(prefix: "bootstrap-fakebin")
        let with = root.appendingPathComponent("with-docker"), without = root.appendingPathComponent("without-docker")
        for dir in [with, without] {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try writeExecutable("#!/bin/sh\nexit 0\n", to: dir.appendingPathComponent("sleep"))
        }
        try writeExecutable(fakeDocker, to: with.appendingPathComponent("docker"))
        return (with, without)
    }

    /// Copies bootstrap.sh into a scratch directory (it works in its own directory) and runs it
    /// with the fake docker, and a `sleep` that returns at once, first on PATH.
    static func run(_ args: [String] = [], env: [String: String] = [:], in existing: URL? = nil,
                    withDocker: Bool = true) async throws -> Run {
        let dir = try existing ?? TestSupport.makeTempDirectory(prefix: "bootstrap")
        let bins = try fakeBins.get()
        let bin = withDocker ? bins.withDocker : bins.withoutDocker
        let script = dir.appendingPathComponent("bootstrap.sh")
        if !FileManager.default.fileExists(atPath: script.path) {
            try FileManager.default.copyItem(at: DockerFiles.url("bootstrap.sh"), to: script)
        }
        let log = dir.appendingPathComponent("docker.log")
        try? FileManager.default.removeItem(at: log)
        var environment = env
        environment["PATH"] = bin.path + ":/usr/bin:/bin"
        environment["FAKE_LOG"] = log.path
        let result = try await TestSupport.run("/bin/bash", [script.path] + args, env: environment, deadline: 120)
        let lines = ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        return Run(result: result, log: lines, directory: dir)
    }

    private func index(_ log: [String], _ prefix: String) -> Int? {
        log.firstIndex { $0.hasPrefix(prefix) }
    }

    @Test("a fresh bootstrap runs server, token, bundle, agent, entries, workloads, in that order")
    func happyPath() async throws {
        let run = try await Self.run()
        defer { try? FileManager.default.removeItem(at: run.directory) }
        #expect(run.result.status == 0, "\(run.result)")
        let log = run.log
        let s = "compose exec -T spire-server /opt/spire/bin/spire-server"
        let steps = [
            "compose version", "compose up -d spire-server", "\(s) healthcheck", "\(s) token generate",
            "\(s) bundle show", "compose up -d spire-agent", "agent starts with",
            "compose exec -T spire-agent /opt/spire/bin/spire-agent healthcheck",
            "\(s) agent show -spiffeID \(Self.agentID)",
            "\(s) entry create -parentID \(Self.agentID) -spiffeID spiffe://example.org/service-a -selector unix:uid:1000",
            "\(s) entry create -parentID \(Self.agentID) -spiffeID spiffe://example.org/service-b -selector unix:uid:1001",
            "compose up -d --build service-a service-b",
            "compose exec -T service-a spiffe-demo fetch --live",
            "compose exec -T service-b spiffe-demo fetch --live",
        ]
        let positions = steps.map { index(log, $0) }
        #expect(positions.allSatisfy { $0 != nil }, "missing steps in:\n\(log.joined(separator: "\n"))")
        let found = positions.compactMap { $0 }
        #expect(found == found.sorted(), "steps out of order:\n\(log.joined(separator: "\n"))")
        #expect(!log.contains { $0.hasPrefix("compose down") }, "a fresh bootstrap removes nothing")

        // The agent started with the token, readable by its owner only, and the bundle.
        #expect(log.contains("agent starts with token=\(Self.token) mode=600 bundle=-----BEGIN CERTIFICATE-----"))
        let dir = run.directory.appendingPathComponent("bootstrap")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(files == ["bundle.pem", "join_token"], "no temporary files left behind")
    }

    @Test("run again without --reset, it refuses and touches nothing; with --reset, it starts over")
    func rerun() async throws {
        let first = try await Self.run()
        defer { try? FileManager.default.removeItem(at: first.directory) }
        try #require(first.result.status == 0, "\(first.result)")

        let again = try await Self.run(in: first.directory)
        #expect(again.result.status != 0)
        #expect(again.result.stderr.contains("already bootstrapped"))
        #expect(again.result.stderr.contains("--reset"))
        #expect(again.log == ["compose version"])

        let reset = try await Self.run(["--reset"], in: first.directory)
        #expect(reset.result.status == 0, "\(reset.result)")
        #expect(reset.log.dropFirst().first == "compose down --volumes --remove-orphans")
        #expect(reset.log.contains { $0.hasPrefix("compose up -d spire-server") })
    }

    @Test("a server that never becomes healthy stops the script before any token is made")
    func unhealthyServer() async throws {
        let run = try await Self.run(env: ["FAKE_SERVER_HEALTH": "1"])
        defer { try? FileManager.default.removeItem(at: run.directory) }
        #expect(run.result.status != 0)
        #expect(run.result.stderr.contains("spire-server is healthy: still no after a minute"))
        #expect(run.result.stderr.contains("docker compose logs spire-server"))
        #expect(run.log.filter { $0.hasSuffix("spire-server healthcheck") }.count == 30)
        #expect(!run.log.contains { $0.contains("token generate") || $0.contains("spire-agent") })
    }

    @Test("output without a token stops the script before the agent starts, and writes no token file")
    func noToken() async throws {
        let run = try await Self.run(env: ["FAKE_TOKEN_OUTPUT": "Error: rpc error: code = Unavailable"])
        defer { try? FileManager.default.removeItem(at: run.directory) }
        #expect(run.result.status != 0)
        #expect(run.result.stderr.contains("could not read a join token"))
        #expect(!run.log.contains { $0.contains("up -d spire-agent") })
        #expect(!FileManager.default.fileExists(atPath: run.directory.appendingPathComponent("bootstrap/join_token").path))
    }

    @Test("a token that could not be part of a SPIFFE ID is refused", arguments: ["Token: ../../evil", "Token: a b", "Token: "])
    func badToken(output: String) async throws {
        let run = try await Self.run(env: ["FAKE_TOKEN_OUTPUT": output])
        defer { try? FileManager.default.removeItem(at: run.directory) }
        #expect(run.result.status != 0)
        #expect(run.result.stderr.contains("could not read a join token"))
    }

    @Test("without docker, or with an unknown option, it explains in one line and exits non-zero")
    func preconditions() async throws {
        let noDocker = try await Self.run(withDocker: false)
        defer { try? FileManager.default.removeItem(at: noDocker.directory) }
        #expect(noDocker.result.status != 0)
        #expect(noDocker.result.stderr.contains("docker is not installed"))
        #expect(noDocker.result.stderr.split(separator: "\n").count == 1)

        let bogus = try await Self.run(["--bogus"])
        defer { try? FileManager.default.removeItem(at: bogus.directory) }
        #expect(bogus.result.status != 0)
        #expect(bogus.result.stderr.contains("unknown option '--bogus'"))
        #expect(bogus.log.isEmpty)

        let help = try await Self.run(["--help"])
        defer { try? FileManager.default.removeItem(at: help.directory) }
        #expect(help.result.status == 0)
        #expect(help.result.stdout.contains("--reset"))
        #expect(help.log.isEmpty)
    }
}
