import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SpiffeBundles
import SpiffeIdentity
import SpiffeX509
import Synchronization
import WorkloadAPIProto

/// A client of the SPIFFE Workload API: gRPC over a Unix domain socket (or TCP), no TLS.
///
/// There is no TLS and no credential to present: the agent identifies the caller from the
/// kernel (the peer's pid/uid/gid on the socket), which is exactly why a workload can ask for its
/// identity before it has one. That is the "secret zero" problem solved by attestation.
///
///     let client = try WorkloadAPIClient(address: try WorkloadAPIAddress.resolve())
///     defer { client.close() }
///     let context = try await client.fetchX509Context()
///
/// One client keeps one connection and multiplexes every call over it.
public final class WorkloadAPIClient: Sendable {
    /// The security header every request carries (SPIFFE Workload Endpoint §3). It proves nothing;
    /// it exists so that a browser or an SSRF-able HTTP client, which cannot set custom gRPC
    /// metadata, is never able to fetch SVIDs from a socket it can reach.
    public static let securityHeader = "workload.spiffe.io"

    public let address: WorkloadAPIAddress
    /// How long one-shot calls (`fetchX509Context`, `fetchJWTSVID`, …) keep retrying.
    public let retry: RetryPolicy

    private let grpc: GRPCClient<HTTP2ClientTransport.Posix>
    private let service: Workload_SpiffeWorkloadAPI.Client<HTTP2ClientTransport.Posix>

    public init(address: WorkloadAPIAddress, retry: RetryPolicy = .upTo(.seconds(5))) throws(WorkloadAPIError) {
        self.address = address
        self.retry = retry
        var config = HTTP2ClientTransport.Posix.Config.defaults
        // Reconnect quickly after an agent restart; grpc's default backoff grows to minutes.
        config.backoff = .init(initial: .milliseconds(100), max: .seconds(5), multiplier: 2, jitter: 0.2)
        let transport: HTTP2ClientTransport.Posix
        do {
            switch address {
            case .unix(let path):
                transport = try .http2NIOPosix(target: .unixDomainSocket(path: path), transportSecurity: .plaintext, config: config)
            case .tcp(let host, let port) where host.contains(":"):
                transport = try .http2NIOPosix(target: .ipv6(address: host, port: port), transportSecurity: .plaintext, config: config)
            case .tcp(let host, let port):
                transport = try .http2NIOPosix(target: .ipv4(address: host, port: port), transportSecurity: .plaintext, config: config)
            }
        } catch {
            throw .unavailable("cannot set up a connection to \(address): \(error)")
        }
        let grpc = GRPCClient(transport: transport)
        self.grpc = grpc
        self.service = Workload_SpiffeWorkloadAPI.Client(wrapping: grpc)
        // Requests made before the connection is up are queued by grpc; this task owns the
        // connection until close().
        Task { try? await grpc.runConnections() }
    }

    /// A client for `SPIFFE_ENDPOINT_SOCKET`, or for `socket` (a `--socket` option) when given.
    public convenience init(socket: String? = nil, retry: RetryPolicy = .upTo(.seconds(5))) throws(WorkloadAPIError) {
        let address: WorkloadAPIAddress
        do { address = try WorkloadAPIAddress.resolve(explicit: socket) } catch { throw .address(error) }
        try self.init(address: address, retry: retry)
    }

    /// Closes the connection once calls in flight have finished.
    public func close() {
        grpc.beginGracefulShutdown()
    }

    deinit {
        grpc.beginGracefulShutdown()
    }

    // MARK: X.509

    /// The caller's X509-SVIDs and bundles, once.
    ///
    /// FetchX509SVID is a stream whose first message is the current state, so "fetch once" means
    /// "open the stream, take the first message, hang up".
    public func fetchX509Context() async throws(WorkloadAPIError) -> X509Context {
        try await retrying {
            try await self.service.fetchX509SVID(Workload_X509SVIDRequest(), metadata: self.metadata, options: self.options) { response in
                try WorkloadAPIResponse.x509Context(from: try await Self.firstMessage(of: response))
            }
        }
    }

    /// Every X.509 state the agent sends: the current one at once, then one per rotation or
    /// bundle change, until the sequence is cancelled. Reconnects (with backoff) when the agent
    /// goes away or has no identity for us yet; ends with an error only for errors the spec says
    /// not to retry. `onRetry` hears about each failure that will be retried.
    public func watchX509Context(retry: RetryPolicy = .forever,
        onRetry: @escaping @Sendable (WorkloadAPIError) -> Void = { _ in }
    ) -> AsyncThrowingStream<X509Context, any Error> {
        watch(retry: retry, onRetry: onRetry, decode: WorkloadAPIResponse.x509Context) { service, metadata, options, handle in
            try await service.fetchX509SVID(Workload_X509SVIDRequest(), metadata: metadata, options: options, onResponse: handle)
        }
    }

    /// The X.509 bundles the caller may trust, by trust domain, once.
    public func fetchX509Bundles() async throws(WorkloadAPIError) -> [TrustDomain: X509Bundle] {
        try await retrying {
            try await self.service.fetchX509Bundles(Workload_X509BundlesRequest(), metadata: self.metadata, options: self.options) { response in
                try WorkloadAPIResponse.x509Bundles(from: try await Self.firstMessage(of: response))
            }
        }
    }

    /// X.509 bundles as they change.
    public func watchX509Bundles(retry: RetryPolicy = .forever,
        onRetry: @escaping @Sendable (WorkloadAPIError) -> Void = { _ in }
    ) -> AsyncThrowingStream<[TrustDomain: X509Bundle], any Error> {
        watch(retry: retry, onRetry: onRetry, decode: WorkloadAPIResponse.x509Bundles) { service, metadata, options, handle in
            try await service.fetchX509Bundles(Workload_X509BundlesRequest(), metadata: metadata, options: options, onResponse: handle)
        }
    }

    // MARK: JWT

    /// JWT-SVIDs for `audience`: one per identity of the caller, or only `spiffeID`'s.
    public func fetchJWTSVID(audience: [String], spiffeID: SpiffeID? = nil) async throws(WorkloadAPIError) -> [JWTSVIDResponse] {
        var request = Workload_JWTSVIDRequest()
        request.audience = audience
        request.spiffeID = spiffeID?.description ?? ""
        let sent = request
        return try await retrying {
            try await self.service.fetchJWTSVID(sent, metadata: self.metadata, options: self.options) { response in
                try WorkloadAPIResponse.jwtSVIDs(from: try response.message)
            }
        }
    }

    /// The JWT bundles by trust domain, once. A bundle that does not parse fails the call, as in
    /// go-spiffe: a workload should not validate with half of what its agent sent.
    public func fetchJWTBundles() async throws(WorkloadAPIError) -> [TrustDomain: JWTBundle] {
        try await retrying {
            try await self.service.fetchJWTBundles(Workload_JWTBundlesRequest(), metadata: self.metadata, options: self.options) { response in
                try WorkloadAPIResponse.jwtBundles(from: try await Self.firstMessage(of: response))
            }
        }
    }

    /// JWT bundles as they change.
    public func watchJWTBundles(retry: RetryPolicy = .forever,
        onRetry: @escaping @Sendable (WorkloadAPIError) -> Void = { _ in }
    ) -> AsyncThrowingStream<[TrustDomain: JWTBundle], any Error> {
        watch(retry: retry, onRetry: onRetry, decode: WorkloadAPIResponse.jwtBundles) { service, metadata, options, handle in
            try await service.fetchJWTBundles(Workload_JWTBundlesRequest(), metadata: metadata, options: options, onResponse: handle)
        }
    }

    /// Asks the agent to validate a JWT-SVID for `audience`.
    public func validateJWTSVID(token: String, audience: String) async throws(WorkloadAPIError) -> JWTValidationResponse {
        var request = Workload_ValidateJWTSVIDRequest()
        request.svid = token
        request.audience = audience
        let sent = request
        return try await retrying {
            try await self.service.validateJWTSVID(sent, metadata: self.metadata, options: self.options) { response in
                try WorkloadAPIResponse.jwtValidation(from: try response.message)
            }
        }
    }

    // MARK: Plumbing

    /// Every call carries the security header.
    private var metadata: Metadata { [Self.securityHeader: "true"] }

    /// Fail fast when the agent is not there, so our own backoff (not grpc's queue) decides when
    /// to try again and when to give up.
    private var options: CallOptions {
        var options = CallOptions.defaults
        options.waitForReady = false
        return options
    }

    // step: retry
    /// Runs a call, retrying Unavailable and PermissionDenied with exponential backoff until the
    /// policy gives up; any other error (InvalidArgument above all) is reported at once.
    private func retrying<T: Sendable>(_ call: @escaping @Sendable () async throws -> T) async throws(WorkloadAPIError) -> T {
        let clock = ContinuousClock()
        let start = clock.now
        var attempt = 0
        var lastFailure: WorkloadAPIError?
        while true {
            attempt += 1
            let failure: WorkloadAPIError
            do {
                // With an attempt timeout, an endpoint that accepts the connection and never
                // answers cannot hold the caller past the policy's limit.
                let remaining = retry.giveUpAfter.map { $0 - start.duration(to: clock.now) }
                let limit = retry.attemptTimeout.map { attempt in remaining.map { min($0, attempt) } ?? attempt }
                return try await Self.within(limit, call)
            } catch {
                failure = Self.classify(error)
            }
            if case .timedOut = failure {
                // Out of time: the answer the agent did give (PermissionDenied, say) says more
                // than "no answer in time" for the last, shortest attempt.
                if let lastFailure { throw lastFailure }
                let waited = start.duration(to: clock.now)
                throw .timedOut(seconds: Double(waited.components.seconds) + Double(waited.components.attoseconds) / 1e18,
                                lastError: "the endpoint accepted the connection but did not answer")
            }
            lastFailure = failure
            guard failure.isRetryable else { throw failure }
            let wait = retry.backoff(afterAttempt: attempt)
            if let limit = retry.giveUpAfter, start.duration(to: clock.now) + wait > limit {
                throw failure
            }
            do { try await Task.sleep(for: wait) } catch { throw .closed }
        }
    }
    // end-step

    /// "Fetch once" on a stream whose first message is the current state: that message, or a
    /// bad response when the agent ends the stream without sending one.
    static func firstMessage<Message: Sendable>(of response: StreamingClientResponse<Message>) async throws -> Message {
        for try await message in response.messages { return message }
        throw WorkloadAPIError.badResponse("the stream ended before its first message")
    }

    /// Runs `call`, or throws `timedOut` when `limit` passes first (nil: no limit).
    static func within<T: Sendable>(_ limit: Duration?, _ call: @escaping @Sendable () async throws -> T) async throws -> T {
        guard let limit else { return try await call() }
        guard limit > .zero else { throw WorkloadAPIError.timedOut(seconds: 0, lastError: "no time left to ask the agent") }
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await call() }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                let seconds = Double(limit.components.seconds) + Double(limit.components.attoseconds) / 1e18
                throw WorkloadAPIError.timedOut(seconds: seconds, lastError: "the endpoint accepted the connection but did not answer")
            }
            return value
        }
    }

    /// A server stream, reopened with backoff after retryable failures, as an AsyncSequence.
    ///
    /// Every message of a Workload API stream is the complete current state, so a slow reader
    /// needs only the newest one: the buffer keeps one value.
    private func watch<Message: Sendable, Value: Sendable>(
        retry: RetryPolicy,
        onRetry: @escaping @Sendable (WorkloadAPIError) -> Void,
        decode: @escaping @Sendable (Message) throws(WorkloadAPIError) -> Value,
        open: @escaping @Sendable (
            Workload_SpiffeWorkloadAPI.Client<HTTP2ClientTransport.Posix>,
            Metadata,
            CallOptions,
            @escaping @Sendable (StreamingClientResponse<Message>) async throws -> Void
        ) async throws -> Void
    ) -> AsyncThrowingStream<Value, any Error> {
        let (stream, continuation) = AsyncThrowingStream<Value, any Error>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let service = self.service, metadata = self.metadata, options = self.options
        let task = Task {
            let clock = ContinuousClock()
            var attempt = 0
            var failingSince = clock.now
            while !Task.isCancelled {
                let received = Mutex(false)
                let failure: WorkloadAPIError
                do {
                    try await open(service, metadata, options) { response in
                        for try await message in response.messages {
                            let value = try decode(message)
                            received.withLock { $0 = true }
                            continuation.yield(value)
                        }
                    }
                    // The agent ended the stream (it is shutting down): reconnect.
                    failure = .unavailable("the agent closed the stream")
                } catch {
                    failure = Self.classify(error)
                }
                if Task.isCancelled { break }
                guard failure.isRetryable else {
                    continuation.finish(throwing: failure)
                    return
                }
                onRetry(failure)
                if received.withLock({ $0 }) {
                    // The stream worked for a while: start the backoff afresh.
                    attempt = 0
                    failingSince = clock.now
                }
                attempt += 1
                let wait = retry.backoff(afterAttempt: attempt)
                if let limit = retry.giveUpAfter, failingSince.duration(to: clock.now) + wait > limit {
                    continuation.finish(throwing: failure)
                    return
                }
                do { try await Task.sleep(for: wait) } catch { break }
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    static func classify(_ error: any Error) -> WorkloadAPIError {
        switch error {
        case let error as WorkloadAPIError: return error
        case let error as RPCError: return WorkloadAPIError(error)
        case is CancellationError: return .closed
        default: return .rpcFailed(code: "unknown", message: String(describing: error))
        }
    }
}

extension WorkloadAPIClient {
    /// One-shot convenience for commands such as `inspect --live`: connects to `socket` (or
    /// `SPIFFE_ENDPOINT_SOCKET`), fetches the X.509 context, and closes the connection.
    public static func fetchX509Context(
        socket: String? = nil,
        retry: RetryPolicy = .upTo(.seconds(5))
    ) async throws(WorkloadAPIError) -> X509Context {
        let client = try WorkloadAPIClient(socket: socket, retry: retry)
        defer { client.close() }
        return try await client.fetchX509Context()
    }
}
