import ArgumentParser
import CommandLineMain
import Foundation
import SpiffeBundles
import SpiffeFormats
import SpiffeIdentity
import SpiffeWorkloadAPI
import SpiffeX509
import X509

/// `spiffe-demo inspect [--live] [FILE] [--bundle FILE]`: every field of an SVID and its bundle.
struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show every field of an X509-SVID and its bundle (table, or --json).",
        discussion: """
            FILE is a PEM (or DER) chain, leaf first, such as svid.0.pem. Without --bundle, a \
            bundle.N.pem next to svid.N.pem is used.
            """
    )

    @Flag(help: "Inspect the SVID the Workload API hands this process (SPIFFE_ENDPOINT_SOCKET or --socket).")
    var live = false

    @Option(help: ArgumentHelp("Workload API endpoint for --live, e.g. unix:///tmp/spire-agent/public/api.sock.", valueName: "address"))
    var socket: String?

    @Option(help: ArgumentHelp("With --live: how long to keep trying, and to wait for an answer.", valueName: "seconds"))
    var timeout: Double = 5

    @Argument(help: ArgumentHelp("The certificate file (leaf first).", valueName: "file"))
    var file: String?

    @Option(help: ArgumentHelp("The trust bundle (PEM CA certificates), e.g. bundle.0.pem.", valueName: "file"))
    var bundle: String?

    @Flag(help: "Print one JSON object with the same data as the table.")
    var json = false

    func run() async throws {
        let now = Date()
        let chain: [Certificate]
        var authorities: [Certificate]?
        if live {
            if file != nil { throw CLIError("give either a FILE or --live, not both") }
            let fetched = try await Self.fetchLive(endpoint: socket ?? ProcessInfo.processInfo.environment["SPIFFE_ENDPOINT_SOCKET"],
                                                   timeout: try CLISupport.timeout(timeout))
            chain = fetched.chain
            authorities = fetched.bundle
        } else {
            guard let file else {
                throw CLIError("inspect needs a certificate FILE (e.g. svid.0.pem), or --live to ask the Workload API")
            }
            chain = try PEM.certificates(from: try InputFile.read(path: file), source: file)
        }
        if let bundlePath = bundle ?? file.flatMap(Self.siblingBundle) {
            if bundle == nil { CommandLineMain.printError("note: using \(bundlePath), the bundle next to \(file ?? "the SVID")") }
            authorities = try PEM.certificates(from: try InputFile.read(path: bundlePath), source: bundlePath)
        }
        let leafTrustDomain = (try? CertificateNames.spiffeID(of: chain[0]))?.trustDomain
        let bundleTrustDomain = try authorities.flatMap { try X509Bundle.trustDomain(namedBy: $0, source: bundle ?? "bundle") } ?? leafTrustDomain
        let info = try SvidInfo(chain: chain, bundleAuthorities: authorities, bundleTrustDomain: bundleTrustDomain, now: now)
        print(json ? try info.json() : info.tableLines.joined(separator: "\n"))
    }

    /// `bundle.N.pem` next to `svid.N.pem`, the pair SPIRE's `api fetch x509 -write` leaves.
    static func siblingBundle(of file: String) -> String? {
        let url = URL(fileURLWithPath: file)
        let name = url.lastPathComponent
        guard name.hasPrefix("svid."), name.hasSuffix(".pem") else { return nil }
        let n = name.dropFirst("svid.".count).dropLast(".pem".count)
        guard !n.isEmpty, n.allSatisfy(\.isNumber) else { return nil }
        let sibling = url.deletingLastPathComponent().appendingPathComponent("bundle.\(n).pem").path
        return FileManager.default.fileExists(atPath: sibling) ? sibling : nil
    }

    /// The live path: the default SVID and its bundle from the Workload API.
    static func fetchLive(endpoint: String?, timeout: Duration) async throws -> (chain: [Certificate], bundle: [Certificate]?) {
        let context: X509Context
        do { context = try await WorkloadAPIClient.fetchX509Context(socket: endpoint, retry: .deadline(timeout)) } catch { throw CLIError(error.description) }
        guard let svid = context.defaultSVID else { throw CLIError("the Workload API returned no SVID") }
        return (svid.chain, context.bundle(for: svid.spiffeID.trustDomain)?.authorities)
    }
}
