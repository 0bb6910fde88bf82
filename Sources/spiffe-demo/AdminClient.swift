import ArgumentParser
import CommandLineMain
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SpireAPIProto

/// `-socketPath`: the SPIRE model server's admin socket, as `spire-server`'s commands take it.
struct ServerAdminOption: ParsableArguments {
    @Option(name: .customLong("socketPath", withSingleDash: true),
            help: ArgumentHelp("The server's admin socket (spiffe-demo server --socket; default \(defaultPath)).", valueName: "path"))
    var socketPath: String?

    static let defaultPath = "/tmp/spire-server/private/api.sock"

    /// Runs `body` with a client of the admin API; a missing socket or a server that does not
    /// answer is a one-line error, not a hang.
    func withClient<T: Sendable>(_ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> T) async throws -> T {
        try await AdminClient.with(socketPath: socketPath ?? Self.defaultPath, body)
    }
}

enum AdminClient {
    static func with<T: Sendable>(socketPath path: String, _ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> T) async throws -> T {
        guard FileManager.default.fileExists(atPath: path) else {
            throw CLIError("no server admin socket at \(path): start `spiffe-demo server --socket \(path)` first, or pass -socketPath")
        }
        let transport = try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: path), transportSecurity: .plaintext)
        do {
            return try await withGRPCClient(transport: transport) { try await body($0) }
        } catch let error as RPCError {
            switch error.code {
            case .unavailable, .deadlineExceeded:
                throw CLIError("the server at \(path) does not answer (\(error.message)); is it running?")
            default:
                throw CLIError(error.message)
            }
        }
    }

    /// Every admin call gives up after 5 s.
    static var options: CallOptions {
        var options = CallOptions.defaults
        options.timeout = .seconds(5)
        return options
    }
}
