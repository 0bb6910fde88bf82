import ArgumentParser
import CommandLineMain
import Foundation
import SpiffeFormats
import SpiffeIdentity
import SpiffeX509

/// `spiffe-demo make-svid <spiffe-id>`: mint an X509-SVID the way the spec shapes it.
struct MakeSVIDCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "make-svid",
        abstract: "Mint an X509-SVID (and, unless given one, a CA for its trust domain).",
        discussion: """
            The leaf has an empty subject, the SPIFFE ID as its only URI SAN (critical), critical key \
            usage digitalSignature+keyEncipherment+keyAgreement, EKU serverAuth+clientAuth, cA=false, \
            a random serial and notBefore 10 s in the past, as SPIRE issues them.

            Several SVIDs of one trust domain:
              spiffe-demo make-svid spiffe://example.org/a --out a --save-ca ca
              spiffe-demo make-svid spiffe://example.org/b --out b --ca-cert ca/ca.pem --ca-key ca/ca.key
            """
    )

    @Argument(help: ArgumentHelp("The SPIFFE ID, e.g. spiffe://example.org/ns/prod/sa/web.", valueName: "spiffe-id"))
    var spiffeID: String

    @Option(help: ArgumentHelp("Key type of the SVID (and of a new CA): ec-p256, ec-p384 or rsa-2048.", valueName: "type"))
    var keyType: String = "ec-p256"

    @Option(parsing: .unconditional, help: ArgumentHelp("SVID lifetime, e.g. 1h, 30m, 90s (SPIRE's default is 1h).", valueName: "duration"))
    var ttl: String = "1h"

    @Option(help: ArgumentHelp("Write svid.0.pem, svid.0.key (0600) and bundle.0.pem into this directory.", valueName: "dir"))
    var out: String?

    @Option(help: ArgumentHelp("Sign with this existing CA certificate (PEM; intermediates and root may follow it).", valueName: "file"))
    var caCert: String?

    @Option(help: ArgumentHelp("The private key of --ca-cert (PEM or DER).", valueName: "file"))
    var caKey: String?

    @Option(help: ArgumentHelp("Keep the new CA: write ca.pem and ca.key (0600) into this directory, for --ca-cert/--ca-key later.", valueName: "dir"))
    var saveCA: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Lifetime of a new CA (SPIRE's default is 24h).", valueName: "duration"))
    var caTTL: String = "24h"

    @Flag(help: "Print the certificate info as one JSON object.")
    var json = false

    func run() async throws {
        let id: SpiffeID
        do { id = try SpiffeID(spiffeID) } catch { throw CLIError("\"\(spiffeID)\" is not a valid SPIFFE ID: \(error)") }
        if id.isTrustDomainRoot {
            throw CLIError("\(id) names the trust domain itself; an SVID's ID needs a path, e.g. \(id)/web (X509-SVID §3.1)")
        }
        let keyType = try CLISupport.keyType(keyType)
        let ttl = try CLISupport.duration(ttl, option: "--ttl")
        let caTTL = try CLISupport.duration(caTTL, option: "--ca-ttl")
        if (caCert == nil) != (caKey == nil) { throw CLIError("--ca-cert and --ca-key go together: the CA's certificate and its private key") }
        if caCert != nil, saveCA != nil { throw CLIError("--save-ca keeps a NEW CA; with --ca-cert/--ca-key the CA is already on disk") }
        if let out {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory), !isDirectory.boolValue {
                throw CLIError("--out \(out) is a file; give a directory for svid.0.pem, svid.0.key and bundle.0.pem")
            }
        }
        let now = Date()

        let ca: CertificateAuthority
        if let caCert, let caKey {
            ca = try CertificateAuthority.load(
                certificateFile: URL(fileURLWithPath: caCert), keyFile: URL(fileURLWithPath: caKey), trustDomain: id.trustDomain)
            if ca.certificate.notValidAfter <= now {
                throw CLIError("the CA in \(caCert) expired at \(TimeText.iso(ca.certificate.notValidAfter)); make a new one with --save-ca")
            }
        } else {
            ca = try CertificateAuthority(trustDomain: id.trustDomain, keyType: keyType, ttl: caTTL, now: now)
        }
        let svid: X509SVID
        do { svid = try ca.issueSVID(for: id, keyType: keyType, ttl: ttl, now: now) } catch let error as X509Error {
            throw CLIError("cannot issue an SVID: \(error)")
        }

        let info = try SvidInfo(chain: svid.chain, bundle: ca.bundle, now: now)
        print(json ? try info.json() : info.tableLines.joined(separator: "\n"))

        // Certificate times are whole seconds: compare in whole seconds, or every SVID would
        // look a fraction of a second short.
        if ca.certificate.notValidAfter.timeIntervalSince1970 < (now + ttl).timeIntervalSince1970.rounded(.down) {
            CommandLineMain.printError("note: the CA expires at \(TimeText.iso(ca.certificate.notValidAfter)), so the SVID's lifetime was cut to end then")
        }
        if let out {
            let context = X509Context(svids: [svid], bundles: [id.trustDomain: ca.bundle])
            let written = try SVIDFiles.write(context, to: URL(fileURLWithPath: out))
            CommandLineMain.printError("wrote " + written.map(\.path).joined(separator: ", "))
        }
        if let saveCA {
            let paths = try ca.save(to: URL(fileURLWithPath: saveCA))
            CommandLineMain.printError("wrote \(paths.certificate.path) and \(paths.key.path) (the CA key: keep it private)")
        } else if caCert == nil {
            CommandLineMain.printError("note: the CA lived only in memory; add --save-ca DIR to sign more SVIDs of \(id.trustDomain) with it")
        }
    }
}
