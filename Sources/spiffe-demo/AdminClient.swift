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

    @OptionGroup var deadline: AdminTimeoutOption

    static let defaultPath = "/tmp/spire-server/private/api.sock"

    /// Runs `body` with a client of the admin API and the options of each call; a missing socket
    /// or a server that does not answer is a one-line error, not a hang.
    func withClient<T: Sendable>(_ body: (GRPCClient<HTTP2ClientTransport.Posix>, CallOptions) async throws -> T) async throws -> T {
        try await AdminClient.with(socketPath: socketPath ?? Self.defaultPath, timeout: deadline, body)
    }
}

/// `--timeout`: how long each call to the server's admin socket may take.
struct AdminTimeoutOption: ParsableArguments {
    @Option(help: ArgumentHelp("With the server's admin socket: seconds each call may take before it is given up.", valueName: "seconds"))
    var timeout: Double = 5

    var duration: Duration {
        get throws(CLIError) { try CLISupport.timeout(timeout) }
    }
}

enum AdminClient {
    /// ServerAdminClient.with, with its failures as one-line CLI errors; `body` gets the client
    /// and the options (the deadline) to give each call.
    static func with<T: Sendable>(socketPath path: String, timeout: AdminTimeoutOption,
                                  _ body: (GRPCClient<HTTP2ClientTransport.Posix>, CallOptions) async throws -> T) async throws -> T {
        try await call(socketPath: path, timeout: timeout) { admin in try await admin.with { try await body($0, admin.options) } }
    }

    /// A call of ServerAdminClient's, with its failures (and the server's refusals) as one-line
    /// CLI errors.
    static func call<T: Sendable>(socketPath path: String, timeout: AdminTimeoutOption,
                                  _ body: (ServerAdminClient) async throws -> T) async throws -> T {
        let admin = ServerAdminClient(socketPath: path, timeout: try timeout.duration)
        do {
            return try await body(admin)
        } catch AgentError.badEntry(let reason) {
            // The server's own words: it says what it refused.
            throw CLIError(reason)
        } catch let error as AgentError {
            throw CLIError(error.description)
        } catch let error as ServerError {
            throw CLIError(error.description)
        } catch let error as RPCError {
            switch error.code {
            case .deadlineExceeded:
                throw CLIError("the server at \(path) did not answer within \(String(format: "%g", timeout.timeout)) s (--timeout); is it running?")
            case .unavailable:
                throw CLIError("the server at \(path) does not answer (\(error.message)); is it running?")
            default:
                throw CLIError(error.message)
            }
        }
    }
}
