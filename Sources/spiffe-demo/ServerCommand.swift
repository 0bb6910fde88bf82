import ArgumentParser
import CommandLineMain
import Foundation
import Logging
import SpiffeFormats
import SpiffeIdentity
import SpiffeServer
import SpiffeAgent
import SpireAPIProto
import X509

/// `spiffe-demo server`: the SPIRE model's server tier.
struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Run the SPIRE model's server: CA, datastore, node attestation, and the agent and admin APIs.",
        discussion: """
            A teaching model of spire-server (docker/ runs the real one). It signs every SVID: \
            agents attest to it (join_token, aws_iid), sync the entries it authorizes for them, and \
            send a CSR per entry. The datastore (<data-dir>/datastore.json: entries, agents, join \
            tokens, bundle) always survives a restart; --key-manager decides whether the CA key \
            does (disk: <data-dir>/keys/ca.key, 0600; memory: a new CA at every start, whose root \
            joins the bundle beside the old ones until they expire).

            Listeners: --bind (mTLS; agents authenticate with their agent SVID), --attestation-bind \
            (TLS, server authenticated only; AttestAgent and GetBundle; default: --bind's port + 1), \
            --socket (admin API for `entry`, `token generate`, `bundle show -socketPath`, `agent \
            list`, `federation`). SPIRE serves both TCP roles on one port; grpc-swift cannot make \
            a client certificate optional, so the model listens twice.

            Federation: with --bundle-endpoint the server publishes its bundle for other trust \
            domains; `federation create -socketPath` makes it fetch theirs (at once, then at each \
            refresh hint) into the datastore, and agents receive them by sync for the entries \
            created with -federatesWith.

              spiffe-demo server --data-dir /tmp/spire-server/data --key-manager disk
              spiffe-demo token generate -spiffeID spiffe://example.org/host
              spiffe-demo bundle show -socketPath /tmp/spire-server/private/api.sock > bundle.pem
              spiffe-demo agent --server 127.0.0.1:8081 --join-token <t> --trust-bundle bundle.pem
            """
    )

    @Option(help: ArgumentHelp("Agent API address (mTLS); port 0 picks a free one.", valueName: "host:port"))
    var bind = "127.0.0.1:8081"

    @Option(help: ArgumentHelp("Attestation address (TLS); default: --bind's host and port + 1.", valueName: "host:port"))
    var attestationBind: String?

    @Option(help: ArgumentHelp("Datastore and (with disk) CA key.", valueName: "dir"))
    var dataDir = SpireServer.defaultDataDirectory

    @Option(help: ArgumentHelp("The trust domain.", valueName: "name"))
    var trustDomain = "example.org"

    @Option(help: ArgumentHelp("Admin API socket (spire-server's -socketPath).", valueName: "path"))
    var socket = SpireServer.defaultAdminSocket

    @Option(parsing: .unconditional, help: ArgumentHelp("CA lifetime (SPIRE's ca_ttl, default 24h).", valueName: "duration"))
    var caTtl = "24h"

    @Option(name: .customLong("default-x509-svid-ttl"), parsing: .unconditional,
            help: ArgumentHelp("X509-SVID lifetime for entries without one (default 1h).", valueName: "duration"))
    var defaultX509SVIDTTL = "1h"

    @Option(help: ArgumentHelp("Where the CA key lives: memory or disk.", valueName: "kind"))
    var keyManager = "memory"

    @Option(help: ArgumentHelp("Enable aws_iid: the certificate that verifies instance identity documents (`iid make` writes a stand-in).", valueName: "file"))
    var awsIidCert: String?

    @Option(help: ArgumentHelp("With aws_iid: an account whose instances may attest (repeatable; default any).", valueName: "id"))
    var awsIidAccount: [String] = []

    @Option(name: .customLong("bundle-endpoint"), help: ArgumentHelp(
        "Also serve the trust domain's bundle over https_spiffe here, presenting spiffe://<td>/spire/server (SPIRE's federation.bundle_endpoint), for other trust domains to federate with; port 0 picks a free one.",
        valueName: "host:port"))
    var bundleEndpoint: String?

    @Option(help: ArgumentHelp("Log level: trace, debug, info, warning, error.", valueName: "level"))
    var logLevel = "info"

    func run() async throws {
        LoggingSystem.bootstrap(try LogSetup.handler(level: logLevel))
        var config = SpireServer.Configuration()
        (config.host, config.port) = try TLSCLI.parseHostPort(bind, option: "--bind")
        if let attestationBind {
            let (host, port) = try TLSCLI.parseHostPort(attestationBind, option: "--attestation-bind")
            config.attestationHost = host
            config.attestationPort = port
        } else {
            config.attestationHost = config.host
        }
        do { config.trustDomain = try TrustDomain(trustDomain) } catch { throw CLIError("--trust-domain \"\(trustDomain)\": \(error)") }
        if let bundleEndpoint {
            let (host, port) = try TLSCLI.parseHostPort(bundleEndpoint, option: "--bundle-endpoint")
            config.bundleEndpoint = (host, port)
        }
        config.dataDirectory = URL(fileURLWithPath: dataDir)
        config.adminSocket = socket
        guard socket.hasPrefix("/") else { throw CLIError("--socket needs an absolute path, e.g. \(SpireServer.defaultAdminSocket)") }
        config.caTTL = try CLISupport.duration(caTtl, option: "--ca-ttl")
        config.defaultX509SVIDTTL = try CLISupport.duration(defaultX509SVIDTTL, option: "--default-x509-svid-ttl")
        guard config.caTTL > 0, config.defaultX509SVIDTTL > 0 else { throw CLIError("--ca-ttl and --default-x509-svid-ttl must be positive") }
        guard let manager = KeyManager(rawValue: keyManager) else { throw CLIError("--key-manager \"\(keyManager)\" is not memory or disk") }
        config.keyManager = manager
        if let awsIidCert {
            let certificates = try PEM.certificates(from: try InputFile.read(URL(fileURLWithPath: awsIidCert)), source: awsIidCert)
            config.attestor = NodeAttestor(awsCertificate: certificates[0], awsAccounts: Set(awsIidAccount))
        } else if !awsIidAccount.isEmpty {
            throw CLIError("--aws-iid-account needs --aws-iid-cert")
        }

        let server = SpireServer(configuration: config, logger: Logger(label: "spiffe-demo.server"))
        let socketPath = socket
        try await LogSetup.runUntilSignal(cleanup: { unlink(socketPath) }) {
            try await server.run { addresses, _ in
                // One line on stdout once every listener accepts, for scripts and tests.
                print("ready: agent=\(addresses.agent) attestation=\(addresses.attestation) admin=unix://\(addresses.admin)"
                      + (addresses.bundleEndpoint.map { " bundle-endpoint=https://\($0)/" } ?? ""))
                fflush(nil)
            }
        }
    }
}

/// `spiffe-demo token generate`: a join token, as `spire-server token generate` makes one.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Join tokens for node attestation (spire-server token's flags).",
        subcommands: [TokenGenerateCommand.self]
    )
}

struct TokenGenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Make a single-use join token; the agent that presents it becomes spiffe://<td>/spire/agent/join_token/<token>.",
        discussion: """
              spiffe-demo token generate -ttl 600
              spiffe-demo token generate -spiffeID spiffe://example.org/host-1

            With -spiffeID the server also registers that ID as an alias of the agent the token \
            will make (an entry parented by the token's agent ID, selector spiffe_id:<agent ID>), \
            so workload entries can be parented by a name chosen before the agent exists.
            """
    )

    @Option(name: .customLong("spiffeID", withSingleDash: true), help: "An alias ID for the agent this token will make.")
    var spiffeID: String?

    @Option(name: .customLong("ttl", withSingleDash: true), help: "Seconds the token stays usable (default 600).")
    var ttl: Int = 600

    @OptionGroup var admin: ServerAdminOption

    func run() async throws {
        guard (1...Int(Int32.max)).contains(ttl) else { throw CLIError("-ttl must be a positive number of seconds") }
        var request = Spire_Api_Server_Agent_V1_CreateJoinTokenRequest()
        request.ttl = Int32(ttl)
        if let spiffeID {
            do { request.agentID = .init(try SpiffeID(spiffeID)) } catch { throw CLIError("-spiffeID \"\(spiffeID)\": \(error)") }
        }
        let token = try await admin.withClient { client, options in
            try await Spire_Api_Server_Agent_V1_Agent.Client(wrapping: client).createJoinToken(request, options: options)
        }
        print("Token: \(token.value)")
    }
}

/// `spiffe-demo iid make`: a simulated AWS instance identity document.
struct IIDCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "iid",
        abstract: "Simulated AWS instance identity documents, for aws_iid node attestation.",
        subcommands: [IIDMakeCommand.self]
    )
}

struct IIDMakeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "make",
        abstract: "Write an instance identity document and its signature, signed by a local stand-in for AWS's key.",
        discussion: """
            On EC2 the document comes from the instance metadata service, signed by AWS. Here a \
            local RSA-2048 key (aws-stand-in.key, 0600) stands in for AWS's, and aws-stand-in.pem \
            for the certificate AWS publishes: give it to `spiffe-demo server --aws-iid-cert`. \
            Several documents made into one directory share the stand-in key.

              spiffe-demo iid make --account 123456789012 --region us-east-1 --instance i-0abc --out iid
              spiffe-demo agent --server 127.0.0.1:8081 --iid iid --trust-bundle bundle.pem
            """
    )

    @Option(help: ArgumentHelp("The AWS account ID.", valueName: "id")) var account: String
    @Option(help: ArgumentHelp("The region.", valueName: "region")) var region: String
    @Option(help: ArgumentHelp("The instance ID.", valueName: "id")) var instance: String
    @Option(help: ArgumentHelp("Directory to write into.", valueName: "dir")) var out: String
    @Flag(help: "Print the document as JSON.") var json = false

    func run() async throws {
        for (name, value) in [("--account", account), ("--region", region), ("--instance", instance)] {
            // ASCII only: the value becomes a path segment of the agent ID, and a SPIFFE ID path
            // allows only ASCII letters, digits, ".", "-" and "_" (SPIFFE-ID §2.2).
            guard !value.isEmpty, value.utf8.allSatisfy({ $0.isASCIILetterOrDigit || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }) else {
                throw CLIError("\(name) \"\(value)\": ASCII letters, digits, - and _ only (it becomes a path segment of the agent ID)")
            }
        }
        let now = Date()
        let document = InstanceIdentityDocument(accountId: account, region: region, instanceId: instance, now: now)
        let written = try document.write(to: URL(fileURLWithPath: out), now: now)
        if json {
            print(String(decoding: try InputFile.read(written[0]), as: UTF8.self))
        } else {
            for url in written { print("wrote \(url.path)") }
            print("agent ID on attestation: spiffe://<td>/spire/agent/aws_iid/\(account)/\(region)/\(instance)")
        }
    }
}

extension UInt8 {
    fileprivate var isASCIILetterOrDigit: Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self)
    }
}
