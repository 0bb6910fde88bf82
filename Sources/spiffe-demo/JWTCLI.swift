import ArgumentParser
import CommandLineMain
import Foundation
import SpiffeBundles
import SpiffeFormats
import SpiffeIdentity
import SpiffeJWT
import SpiffeX509

/// What the JWT and bundle subcommands share: reading tokens and bundles, writing output.
enum JWTCLI {
    static func write(_ data: Data) {
        FileHandle.standardOutput.write(data)
    }

    static func print(_ line: String = "") {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func trustDomain(_ text: String, option: String) throws -> TrustDomain {
        do { return try TrustDomain(text) } catch {
            throw CLIError("\(option) '\(text)': \(error)")
        }
    }

    static func spiffeID(_ text: String, option: String) throws -> SpiffeID {
        do { return try SpiffeID(text) } catch {
            throw CLIError("\(option) '\(text)': \(error)")
        }
    }

    /// `--at` (CLISupport.time); default now.
    static func time(_ text: String?) throws -> Date {
        try CLISupport.time(text ?? "now", now: Date())
    }

    /// Reads a bundle file: a SPIFFE bundle or JWKS (JSON), or PEM certificates.
    static func readBundle(_ path: String, trustDomain: TrustDomain) throws -> SpiffeBundle {
        let data = try InputFile.read(path: path)
        if let text = String(data: data, encoding: .utf8), text.contains("-----BEGIN") {
            let certificates = try PEM.certificates(from: data, source: path)
            return SpiffeBundle(trustDomain: trustDomain, x509Authorities: certificates)
        }
        return try SpiffeBundle(json: data, trustDomain: trustDomain, source: path)
    }

    /// Writes a file atomically; `secret` files (keys, bearer tokens) get mode 0600.
    static func save(_ data: Data, to url: URL, secret: Bool = false) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AtomicFile.write(data, to: url, mode: secret ? 0o600 : 0o644)
    }

    /// "1 JWT authority", "2 JWT authorities".
    static func count(_ n: Int, _ one: String, _ many: String) -> String {
        "\(n) \(n == 1 ? one : many)"
    }

    static func json(_ value: some Encodable) -> Data {
        JSONValue.encode(value, pretty: true) + Data("\n".utf8)
    }
}

extension JWTAlgorithm: ExpressibleByArgument {}
