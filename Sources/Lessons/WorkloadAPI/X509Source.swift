import Foundation
import SpiffeBundles
import SpiffeIdentity
import SpiffeX509
import Synchronization

/// The workload's live X.509 identity: the newest SVIDs and bundles the agent has sent.
///
/// An X509Source watches the FetchX509SVID stream for as long as it lives. Every rotation the
/// agent pushes replaces the state at once, so code that asks the source at each use (each TLS
/// handshake, say) always presents a valid certificate, with no restart and no polling. When the
/// agent goes away, the source keeps the last state and reconnects with backoff; when the agent is
/// back, the stream resumes.
///
///     let source = X509Source(client: client)
///     try await source.waitUntilReady()
///     let svid = try source.x509SVID()          // ask again at every use
///
/// It is the live counterpart of `StaticX509Source` and serves the same two protocols.
public final class X509Source: X509SVIDSource, X509BundleSource, Sendable {
    private struct State {
        var context: X509Context?
        var updates = 0
        var lastError: WorkloadAPIError?
        var failed: WorkloadAPIError?
        var waiters: [UUID: CheckedContinuation<Void, any Error>] = [:]
        var observers: [UUID: AsyncStream<X509Context>.Continuation] = [:]
    }

    private let state = Mutex(State())
    private let client: WorkloadAPIClient
    private let task = Mutex<Task<Void, Never>?>(nil)

    /// Starts watching at once.
    public init(client: WorkloadAPIClient, retry: RetryPolicy = .forever) {
        self.client = client
        // The source needs the retryable errors too, to say why it is not ready yet.
        let task = Task { [weak self] in
            let stream = client.watchX509Context(retry: retry) { [weak self] error in
                self?.state.withLock { $0.lastError = error }
            }
            do {
                for try await context in stream {
                    self?.received(context)
                }
            } catch {
                self?.failed(WorkloadAPIClient.classify(error))
            }
        }
        self.task.withLock { $0 = task }
    }

    /// The newest X.509 context, or nil before the first one arrived.
    public var context: X509Context? { state.withLock { $0.context } }

    /// How many states the agent has sent so far (1 after the first fetch, +1 per rotation).
    public var updateCount: Int { state.withLock { $0.updates } }

    /// The default SVID (the first one), as of now.
    public func x509SVID() throws -> X509SVID {
        guard let svid = state.withLock({ $0.context?.defaultSVID }) else { throw X509SourceError.noSVID }
        return svid
    }

    /// The bundle for `trustDomain`, as of now.
    public func x509Bundle(for trustDomain: TrustDomain) throws -> X509Bundle {
        guard let bundle = state.withLock({ $0.context?.bundle(for: trustDomain) }) else {
            throw X509SourceError.noBundle(trustDomain)
        }
        return bundle
    }

    /// Waits until the first SVID has arrived. Gives up after `timeout`, reporting the last error
    /// the agent gave (PermissionDenied when no entry matches this process, for example).
    public func waitUntilReady(timeout: Duration = .seconds(30)) async throws(WorkloadAPIError) {
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    let id = UUID()
                    try await withTaskCancellationHandler {
                        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                            let resumeNow: Result<Void, any Error>? = self.state.withLock { state in
                                if state.context != nil { return .success(()) }
                                if let failed = state.failed { return .failure(failed) }
                                if Task.isCancelled { return .failure(CancellationError()) }
                                state.waiters[id] = continuation
                                return nil
                            }
                            if let resumeNow { continuation.resume(with: resumeNow) }
                        }
                    } onCancel: {
                        let waiter = self.state.withLock { $0.waiters.removeValue(forKey: id) }
                        waiter?.resume(throwing: CancellationError())
                    }
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
                    throw WorkloadAPIError.timedOut(seconds: seconds, lastError: self.state.withLock { $0.lastError?.description })
                }
                try await group.next()
                group.cancelAll()
            }
        } catch {
            throw WorkloadAPIClient.classify(error)
        }
    }

    /// Every new state from now on (the current one first, if any), for code that wants to react
    /// to a rotation rather than ask at each use.
    public func updates() -> AsyncStream<X509Context> {
        let (stream, continuation) = AsyncStream<X509Context>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = UUID()
        let current: X509Context? = state.withLock { state in
            state.observers[id] = continuation
            return state.context
        }
        if let current { continuation.yield(current) }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.observers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Stops watching and closes the client.
    public func close() {
        task.withLock { $0?.cancel() }
        client.close()
        let observers = state.withLock { state in
            defer { state.observers = [:] }
            return Array(state.observers.values)
        }
        observers.forEach { $0.finish() }
    }

    deinit {
        task.withLock { $0?.cancel() }
    }

    private func received(_ context: X509Context) {
        let (waiters, observers) = state.withLock { state in
            state.context = context
            state.updates += 1
            state.lastError = nil
            defer { state.waiters = [:] }
            return (Array(state.waiters.values), Array(state.observers.values))
        }
        waiters.forEach { $0.resume() }
        observers.forEach { $0.yield(context) }
    }

    private func failed(_ error: WorkloadAPIError) {
        let (waiters, observers) = state.withLock { state in
            state.failed = error
            state.lastError = error
            defer { state.waiters = [:]; state.observers = [:] }
            return (Array(state.waiters.values), Array(state.observers.values))
        }
        waiters.forEach { $0.resume(throwing: error) }
        observers.forEach { $0.finish() }
    }
}
