import ArgumentParser
import CommandLineMain
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SpiffeAgent
import SpiffeServer
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
    /// ServerAdminClient.with, with its failures as one-line CLI errors.
    static func with<T: Sendable>(socketPath path: String, _ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> T) async throws -> T {
        try await call(socketPath: path) { try await $0.with(body) }
    }

    /// A call of ServerAdminClient's, with its failures (and the server's refusals) as one-line
    /// CLI errors.
    static func call<T: Sendable>(socketPath path: String, _ body: (ServerAdminClient) async throws -> T) async throws -> T {
        do {
            return try await body(ServerAdminClient(socketPath: path))
        } catch AgentError.badEntry(let reason) {
            // The server's own words: it says what it refused.
            throw CLIError(reason)
        } catch let error as AgentError {
            throw CLIError(error.description)
        } catch let error as ServerError {
            throw CLIError(error.description)
        } catch let error as RPCError {
            switch error.code {
            case .unavailable, .deadlineExceeded:
                throw CLIError("the server at \(path) does not answer (\(error.message)); is it running?")
            default:
                throw CLIError(error.message)
            }
        }
    }

    static var options: CallOptions { ServerAdminClient.options }
}
