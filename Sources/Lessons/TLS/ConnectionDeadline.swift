import NIOCore
import Synchronization

/// A client's deadline for one connection: at `deadline` it closes the channel, and it remembers
/// that it did. A connection closed by our own deadline surfaces as an error of the channel
/// (closed, end of input) or as a short answer; `expired` lets the client report it as the
/// timeout it is, instead of blaming the server for closing.
public final class ConnectionDeadline: Sendable {
    private let fired = Atomic<Bool>(false)
    private let scheduled = Mutex<Scheduled<Void>?>(nil)

    /// Closes `channel` at `deadline` unless cancelled first.
    public init(closing channel: any Channel, at deadline: NIODeadline) {
        let task = channel.eventLoop.scheduleTask(deadline: deadline) { [self] in
            fired.store(true, ordering: .releasing)
            channel.close(promise: nil)
        }
        scheduled.withLock { $0 = task }
    }

    /// True once the deadline has closed the connection.
    public var expired: Bool { fired.load(ordering: .acquiring) }

    public func cancel() { scheduled.withLock { $0?.cancel() } }
}
