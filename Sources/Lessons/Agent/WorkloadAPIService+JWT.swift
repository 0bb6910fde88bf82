import Foundation
import GRPCCore
import SpiffeFormats
import SpiffeIdentity
import SpiffeJWT
import SwiftProtobuf
import WorkloadAPIProto

/// The JWT half of the Workload API: tokens on request, the JWT bundle as a stream, and
/// validation done for the workload.
///
/// The same gate as the X.509 RPCs guards every call: `caller(_:)` checks the security header
/// and attests the caller from the kernel, and `identities(of:)` answers PermissionDenied "no
/// identity issued" to a workload no entry matches. SPIRE releases bundles (and validates
/// tokens) for such workloads only when `allow_unauthenticated_verifiers` is set; this agent
/// has no such switch, so they get PermissionDenied everywhere.
extension WorkloadAPIService {
    /// The most audiences one FetchJWTSVID may ask for.
    public static let maximumAudiences = 64

    // step: agent-fetch-jwt-svid
    /// Mints a JWT-SVID for each of the caller's identities (or only for `spiffe_id`, when the
    /// request names one), for the audiences it asked for, living as long as the entry says.
    public func fetchJWTSVID(
        request: ServerRequest<Workload_JWTSVIDRequest>,
        context: ServerContext
    ) async throws -> ServerResponse<Workload_JWTSVIDResponse> {
        let caller = try caller(request.metadata)
        // A token without an audience could be replayed to anyone (JWT-SVID §3.2).
        let audience = request.message.audience
        guard !audience.isEmpty, !audience.contains(where: \.isEmpty) else {
            throw RPCError(code: .invalidArgument, message: "audience must be specified")
        }
        // A token is replayable to every audience it names (JWT-SVID §7.2): a handful is
        // normal, thousands is a token nobody should hold, and each one makes the token larger.
        guard audience.count <= Self.maximumAudiences, audience.allSatisfy({ $0.utf8.count <= 1024 }) else {
            throw RPCError(code: .invalidArgument, message: "at most \(Self.maximumAudiences) audiences of at most 1024 bytes each")
        }
        var identities = try identities(of: caller)
        if !request.message.spiffeID.isEmpty {
            let wanted: SpiffeID
            do { wanted = try SpiffeID(request.message.spiffeID) } catch {
                throw RPCError(code: .invalidArgument, message: "spiffe_id \"\(request.message.spiffeID)\" is not a SPIFFE ID: \(error)")
            }
            identities = identities.filter { $0.entry.spiffeID == wanted }
            guard !identities.isEmpty else {
                // Asking for someone else's ID looks to the caller exactly like having none.
                logger.info("\(caller.credentials) asked for a JWT-SVID for \(wanted), which it is not entitled to")
                throw RPCError(code: .permissionDenied, message: "no identity issued")
            }
        }

        var response = Workload_JWTSVIDResponse()
        let now = now()
        for issued in identities {
            var svid = Workload_JWTSVID()
            svid.spiffeID = issued.entry.spiffeID.description
            svid.svid = try requireJWTAuthority().issue(
                for: issued.entry.spiffeID, audience: audience,
                ttl: TimeInterval(issued.entry.jwtSVIDTTL), now: now)
            svid.hint = issued.entry.hint
            response.svids.append(svid)
        }
        logger.info("FetchJWTSVID: \(identities.map(\.entry.spiffeID.description).joined(separator: ", ")) for audience \(audience.joined(separator: ",")) to \(caller.credentials)")
        return ServerResponse(message: response)
    }
    // end-step

    /// The trust domain's JWT bundle (a JWKS of its signing keys), now and after every change,
    /// keyed by the trust domain's ID as the spec requires.
    public func fetchJWTBundles(
        request: ServerRequest<Workload_JWTBundlesRequest>,
        context: ServerContext
    ) async throws -> StreamingServerResponse<Workload_JWTBundlesResponse> {
        let caller = try caller(request.metadata)
        _ = try identities(of: caller)
        let jwtAuthority = try requireJWTAuthority()
        return StreamingServerResponse { writer in
            try await self.stream(context: context) { () throws -> Workload_JWTBundlesResponse in
                // Re-checked on every change: a workload whose entry was deleted loses the
                // stream with PermissionDenied, as with the X.509 streams.
                let identities = try self.identities(of: caller)
                var response = Workload_JWTBundlesResponse()
                response.bundles = [jwtAuthority.trustDomain.idString: jwtAuthority.bundle.jwksJSON()]
                for (trustDomain, foreign) in self.federatedBundles(for: identities) where !foreign.jwtAuthorities.isEmpty {
                    response.bundles[trustDomain.idString] = foreign.jwksJSON()
                }
                return response
            } send: { response in
                try await writer.write(response)
            }
            return [:]
        }
    }

    // step: agent-validate-jwt-svid
    /// Validates a token for a workload that would rather not do it itself: the same checks as
    /// `JWTSVIDValidator`, against the bundles this agent holds. A token that fails is the
    /// request's fault, so the answer is InvalidArgument naming the rule it broke.
    public func validateJWTSVID(
        request: ServerRequest<Workload_ValidateJWTSVIDRequest>,
        context: ServerContext
    ) async throws -> ServerResponse<Workload_ValidateJWTSVIDResponse> {
        let caller = try caller(request.metadata)
        guard !request.message.audience.isEmpty else {
            throw RPCError(code: .invalidArgument, message: "audience must be specified")
        }
        guard !request.message.svid.isEmpty else {
            throw RPCError(code: .invalidArgument, message: "svid must be specified")
        }
        _ = try identities(of: caller)

        let bundle = try requireJWTAuthority().bundle
        let svid: JWTSVID
        do {
            svid = try JWTSVIDValidator(audience: request.message.audience)
                .validate(request.message.svid, bundles: [bundle.trustDomain: bundle], now: now())
        } catch {
            logger.info("ValidateJWTSVID for \(caller.credentials): rejected: \(error)")
            throw RPCError(code: .invalidArgument, message: "token is not valid: \(error)")
        }
        var response = Workload_ValidateJWTSVIDResponse()
        response.spiffeID = svid.spiffeID.description
        response.claims = Google_Protobuf_Struct(fields: svid.claims.mapValues(Self.protobufValue))
        return ServerResponse(message: response)
    }
    // end-step

    /// The JWT signer, or Unimplemented when this agent has none (the SPIRE model's agent).
    func requireJWTAuthority() throws -> JWTAuthority {
        guard let jwtAuthority else {
            throw RPCError(code: .unimplemented, message: "this agent serves X509-SVIDs only: the SPIRE model's server does not sign JWT-SVIDs")
        }
        return jwtAuthority
    }

    /// A JSON value as a `google.protobuf.Value`. The Struct's number is a double, so integer
    /// claims such as `exp` arrive as 1.7e9 and read back as whole numbers.
    static func protobufValue(_ value: JSONValue) -> Google_Protobuf_Value {
        switch value {
        case .null: return Google_Protobuf_Value(nilLiteral: ())
        case .bool(let flag): return Google_Protobuf_Value(boolValue: flag)
        case .integer(let number): return Google_Protobuf_Value(numberValue: Double(number))
        case .number(let number): return Google_Protobuf_Value(numberValue: number)
        case .string(let text): return Google_Protobuf_Value(stringValue: text)
        case .array(let items): return Google_Protobuf_Value(listValue: Google_Protobuf_ListValue(values: items.map(protobufValue)))
        case .object(let members): return Google_Protobuf_Value(structValue: Google_Protobuf_Struct(fields: members.mapValues(protobufValue)))
        }
    }
}
