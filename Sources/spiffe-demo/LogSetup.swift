import CommandLineMain
import Dispatch
import Foundation
import Logging
import Synchronization

/// Logging and signal handling shared by the long-running commands (server, agent).
enum LogSetup {
    static func handler(level text: String) throws -> @Sendable (String) -> any LogHandler {
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            throw CLIError("--log-level \"\(text)\" is not one of trace, debug, info, warning, error")
        }
        return { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }

    /// Runs `body` until it ends or SIGINT/SIGTERM arrives, then runs `cleanup`; errors of the
    /// server and agent types become one-line CLI errors.
    static func runUntilSignal(cleanup: @escaping () -> Void, _ body: @escaping @Sendable () async throws -> Void) async throws {
        let task = Task { try await body() }
        let stopped = Mutex(false)
        let signals = [SIGINT, SIGTERM].map { number -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .main)
            source.setEventHandler {
                stopped.withLock { $0 = true }
                task.cancel()
            }
            source.resume()
            return source
        }
        defer {
            signals.forEach { $0.cancel() }
            cleanup()
        }
        do {
            try await task.value
        } catch is CancellationError {
        } catch where stopped.withLock({ $0 }) {
            // Asked to stop: whatever the listeners threw while closing (grpc reports the
            // cancellation as a transport error) is the stop itself, not a failure.
        } catch let error as CustomStringConvertible where !(error is CLIError) {
            throw CLIError(error.description)
        }
    }
}
