import ArgumentParser
import Foundation
import SpiffeFormats
import SpiffeIdentity
import SpiffePQC

struct PQCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pqc",
        abstract: "Post-quantum cryptography and workload identity (Day 19).",
        subcommands: [PQCSizesCommand.self]
    )
}

struct PQCSizesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sizes",
        abstract: "Measure keys, signatures and SVIDs: P-256 against ML-DSA-65/87, and ML-KEM-768's key shares.",
        discussion: """
            Everything is made here and measured, not quoted: a P-256 X509-SVID as the toolkit \
            issues it, the same certificate with an ML-DSA key and a real ML-DSA signature \
            (encoded with swift-asn1: swift-certificates has no ML-DSA; SPIRE cannot issue such \
            SVIDs yet), and one ML-KEM-768 encapsulation. For the handshake's own bytes with and \
            without the hybrid key share, run tls-server and tls-client with --groups.
            """
    )

    @Option(help: ArgumentHelp("The SPIFFE ID of the SVID to weigh.", valueName: "spiffe-id"))
    var id = "spiffe://example.org/ns/prod/sa/provisioning"

    @Flag(help: "Print JSON for scripts.") var json = false

    func run() async throws {
        try CLISupport.run("pqc sizes") {
            let spiffeID: SpiffeID
            do { spiffeID = try SpiffeID(id) } catch { throw CLIError("--id \(id): \(error)") }
            let sizes = try PQCSizes.measure(id: spiffeID)
            if json {
                FileHandle.standardOutput.write(JSONValue.encode(sizes, pretty: true) + Data("\n".utf8))
            } else {
                for line in sizes.report { print(line) }
            }
        }
    }
}
