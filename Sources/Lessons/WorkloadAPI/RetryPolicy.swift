/// How a Workload API client waits before trying again.
///
/// The spec asks clients to retry Unavailable and PermissionDenied "with backoff": an agent that is
/// restarting, or a workload whose registration entry has not reached the agent yet, will usually
/// answer a little later. Exponential backoff keeps a crowd of waiting workloads from hammering
/// the agent. py-spiffe starts at 0.1 s and doubles up to 5 s; so do we.
public struct RetryPolicy: Sendable, Hashable {
    /// The first wait.
    public var initialBackoff: Duration
    /// Waits double up to this.
    public var maximumBackoff: Duration
    /// Give up after this much time (nil: never, as a long-lived X509Source does).
    public var giveUpAfter: Duration?
    /// How long one attempt of a one-shot call may wait for its answer (nil: as long as it
    /// takes). An endpoint that accepts the connection and never answers is not an error gRPC
    /// reports by itself; without this the caller would wait for ever. An attempt that runs out
    /// of this time ends the call: an endpoint that does not answer once is not retried.
    public var attemptTimeout: Duration?

    public init(initialBackoff: Duration = .milliseconds(100), maximumBackoff: Duration = .seconds(5),
                giveUpAfter: Duration? = nil, attemptTimeout: Duration? = nil) {
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
        self.giveUpAfter = giveUpAfter
        self.attemptTimeout = attemptTimeout
    }

    /// Retry for ever: for watches and sources that live as long as the workload.
    public static let forever = RetryPolicy()

    /// Retry for a while, then report the last error: for one-shot commands such as `fetch`.
    public static func upTo(_ limit: Duration) -> RetryPolicy { RetryPolicy(giveUpAfter: limit) }

    /// Everything within `limit`, waiting for answers included: for a command's `--timeout`.
    public static func deadline(_ limit: Duration) -> RetryPolicy { RetryPolicy(giveUpAfter: limit, attemptTimeout: limit) }

    /// The wait after `attempt` failed attempts (1-based): initial × 2^(attempt-1), capped.
    public func backoff(afterAttempt attempt: Int) -> Duration {
        var wait = initialBackoff
        for _ in 1..<max(attempt, 1) {
            wait = wait * 2
            if wait >= maximumBackoff { return maximumBackoff }
        }
        return min(wait, maximumBackoff)
    }
}
