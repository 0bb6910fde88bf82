import Foundation
import SpiffeBundles
import SpiffeIdentity
import SpiffeX509
import WorkloadAPIProto

/// Turns the Workload API's wire messages into the toolkit's types, checking what a client must
/// check: nothing the agent sends is taken on trust without parsing it.
public enum WorkloadAPIResponse {
    // step: x509-response
    /// An `X509SVIDResponse` as an `X509Context`.
    ///
    /// - Every SVID's SPIFFE ID is read from its leaf certificate's URI SAN, not from the
    ///   `spiffe_id` field (py-spiffe and go-spiffe do the same): the certificate is what peers see.
    /// - The private key must belong to the leaf.
    /// - `bundle` is the bundle of the SVID's own trust domain; `federated_bundles` are keyed by
    ///   trust-domain ID ("spiffe://partner.org").
    /// - An empty `svids` list is a broken response: an agent with nothing for the caller must
    ///   answer PermissionDenied instead.
    public static func x509Context(from response: Workload_X509SVIDResponse) throws(WorkloadAPIError) -> X509Context {
        guard !response.svids.isEmpty else { throw .badResponse("X509SVIDResponse has no SVIDs") }
        var svids: [X509SVID] = []
        var bundles: [TrustDomain: X509Bundle] = [:]
        for (index, wire) in response.svids.enumerated() {
            let svid: X509SVID
            do {
                svid = try X509SVID(chainDER: Array(wire.x509Svid), privateKeyDER: Array(wire.x509SvidKey), hint: wire.hint)
            } catch {
                throw .badResponse("svids[\(index)]: \(error)")
            }
            if !wire.spiffeID.isEmpty, wire.spiffeID != svid.spiffeID.description {
                throw .badResponse("svids[\(index)]: spiffe_id \(wire.spiffeID) differs from the certificate's \(svid.spiffeID)")
            }
            svids.append(svid)
            let trustDomain = svid.spiffeID.trustDomain
            if !wire.bundle.isEmpty, bundles[trustDomain] == nil {
                do {
                    bundles[trustDomain] = try X509Bundle(trustDomain: trustDomain, data: wire.bundle, source: "svids[\(index)].bundle")
                } catch {
                    throw .badResponse(error.description)
                }
            }
        }
        for (key, value) in try x509Bundles(from: response.federatedBundles, field: "federated_bundles") {
            bundles[key] = value
        }
        return X509Context(svids: svids, bundles: bundles)
    }
    // end-step

    /// An `X509BundlesResponse` as bundles by trust domain.
    public static func x509Bundles(from response: Workload_X509BundlesResponse) throws(WorkloadAPIError) -> [TrustDomain: X509Bundle] {
        try x509Bundles(from: response.bundles, field: "bundles")
    }

    /// A map from trust-domain ID to concatenated DER certificates.
    static func x509Bundles(from map: [String: Data], field: String) throws(WorkloadAPIError) -> [TrustDomain: X509Bundle] {
        var bundles: [TrustDomain: X509Bundle] = [:]
        for (key, der) in map {
            let trustDomain = try trustDomain(key, field: field)
            do {
                bundles[trustDomain] = try X509Bundle(trustDomain: trustDomain, data: der, source: "\(field)[\(key)]")
            } catch {
                throw .badResponse(error.description)
            }
        }
        return bundles
    }

    /// A `JWTBundlesResponse` as JWT bundles by trust domain: each value is a JWK Set (JWT-SVID §6).
    public static func jwtBundles(from response: Workload_JWTBundlesResponse) throws(WorkloadAPIError) -> [TrustDomain: JWTBundle] {
        var bundles: [TrustDomain: JWTBundle] = [:]
        for (key, jwks) in response.bundles {
            let trustDomain = try trustDomain(key, field: "bundles")
            do {
                bundles[trustDomain] = try JWTBundle(jwks: jwks, trustDomain: trustDomain, source: "bundles[\(key)]")
            } catch {
                throw .badResponse(error.description)
            }
        }
        return bundles
    }

    /// A `JWTSVIDResponse` as a list of tokens with their IDs.
    public static func jwtSVIDs(from response: Workload_JWTSVIDResponse) throws(WorkloadAPIError) -> [JWTSVIDResponse] {
        guard !response.svids.isEmpty else { throw .badResponse("JWTSVIDResponse has no SVIDs") }
        var result: [JWTSVIDResponse] = []
        for (index, wire) in response.svids.enumerated() {
            let id: SpiffeID
            do { id = try SpiffeID(wire.spiffeID) } catch {
                throw .badResponse("svids[\(index)].spiffe_id: \(error)")
            }
            guard !wire.svid.isEmpty else { throw .badResponse("svids[\(index)] has an empty token") }
            result.append(JWTSVIDResponse(spiffeID: id, token: wire.svid, hint: wire.hint))
        }
        return result
    }

    /// A `ValidateJWTSVIDResponse` as the ID and the claims as a JSON object.
    public static func jwtValidation(from response: Workload_ValidateJWTSVIDResponse) throws(WorkloadAPIError) -> JWTValidationResponse {
        let id: SpiffeID
        do { id = try SpiffeID(response.spiffeID) } catch {
            throw .badResponse("spiffe_id: \(error)")
        }
        let claims: Data
        do { claims = try response.claims.jsonUTF8Data() } catch {
            throw .badResponse("claims: \(error)")
        }
        return JWTValidationResponse(spiffeID: id, claimsJSON: claims)
    }

    /// Map keys are trust-domain IDs, `spiffe://example.org`.
    private static func trustDomain(_ key: String, field: String) throws(WorkloadAPIError) -> TrustDomain {
        do { return try TrustDomain(key) } catch {
            throw .badResponse("\(field) key \"\(key)\" is not a trust domain ID: \(error)")
        }
    }
}
