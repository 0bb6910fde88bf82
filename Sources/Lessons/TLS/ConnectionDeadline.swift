import NIOCore
import Synchronization

/// A client's deadline for one connection: at `deadline` it closes the channel, and it remembers
/// that it did. A connection closed by our own deadline surfaces as an error of the channel
/// (closed, end of input) or as a short answer; `expired` lets the client report it as the
/// timeout it is, instead of blaming the server for closing.
///
/// The deadline either fires or is cancelled, never both: once the client has its answer it
/// cancels, and from then on `expired` stays false, so a deadline falling just after the last
/// byte arrived cannot turn a complete answer into a timeout.
public final class ConnectionDeadline: Sendable {
    private static let pending: UInt8 = 0, fired: UInt8 = 1, cancelled: UInt8 = 2
    private let state = Atomic<UInt8>(ConnectionDeadline.pending)
    private let scheduled = Mutex<Scheduled<Void>?>(nil)

    /// Closes `channel` at `deadline` unless cancelled first.
    public init(closing channel: any Channel, at deadline: NIODeadline) {
        let task = channel.eventLoop.scheduleTask(deadline: deadline) { [self] in
            guard state.compareExchange(expected: Self.pending, desired: Self.fired, ordering: .acquiringAndReleasing).exchanged else { return }
            channel.close(promise: nil)
        }
        scheduled.withLock { $0 = task }
    }

    /// True when the deadline fired and closed the connection.
    public var expired: Bool { state.load(ordering: .acquiring) == Self.fired }

    /// The client is done with the connection: the deadline will not fire any more.
    public func cancel() {
        _ = state.compareExchange(expected: Self.pending, desired: Self.cancelled, ordering: .acquiringAndReleasing)
        scheduled.withLock { $0?.cancel() }
    }
}
