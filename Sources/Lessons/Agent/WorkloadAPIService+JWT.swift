import GRPCCore
import WorkloadAPIProto

/// The JWT half of the Workload API. Not served yet: the local agent issues X509-SVIDs only,
/// and answers these calls with Unimplemented, as a SPIRE agent would for a call it lacks.
///
/// To serve them, implement the three methods here: `try caller(request.metadata)` gives the
/// attested caller (it checks the security header), `try identities(of: caller)` its entries
/// (PermissionDenied when there are none), and `stream(context:make:send:)` runs a bundle stream
/// that resends on every cache change.
extension WorkloadAPIService {
    public func fetchJWTSVID(
        request: ServerRequest<Workload_JWTSVIDRequest>,
        context: ServerContext
    ) async throws -> ServerResponse<Workload_JWTSVIDResponse> {
        _ = try caller(request.metadata)
        throw RPCError(code: .unimplemented, message: "this agent does not issue JWT-SVIDs yet")
    }

    public func fetchJWTBundles(
        request: ServerRequest<Workload_JWTBundlesRequest>,
        context: ServerContext
    ) async throws -> StreamingServerResponse<Workload_JWTBundlesResponse> {
        _ = try caller(request.metadata)
        throw RPCError(code: .unimplemented, message: "this agent does not serve JWT bundles yet")
    }

    public func validateJWTSVID(
        request: ServerRequest<Workload_ValidateJWTSVIDRequest>,
        context: ServerContext
    ) async throws -> ServerResponse<Workload_ValidateJWTSVIDResponse> {
        _ = try caller(request.metadata)
        throw RPCError(code: .unimplemented, message: "this agent does not validate JWT-SVIDs yet")
    }
}
