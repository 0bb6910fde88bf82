import Foundation
import SpiffeIdentity

/// The JWT part of a trust bundle: the keys that sign a trust domain's JWT-SVIDs, by key ID.
///
/// This is what the Workload API's `FetchJWTBundles` hands a workload (one JWK Set per trust
/// domain, JWT-SVID §6) and what a validator picks a token's key from. Like `X509Bundle`, it
/// belongs to exactly one trust domain: a key found in another trust domain's bundle never
/// vouches for this one.
public struct JWTBundle: Sendable, Equatable {
    public let trustDomain: TrustDomain
    /// The JWT authorities by key ID (the `kid` a token's header names).
    public var authorities: [String: JWTPublicKey]

    public init(trustDomain: TrustDomain, authorities: [String: JWTPublicKey] = [:]) {
        self.trustDomain = trustDomain
        self.authorities = authorities
    }

    /// Reads a JWK Set (the Workload API's and an OIDC provider's form) for `trustDomain`.
    public init(jwks data: Data, trustDomain: TrustDomain, source: String = "JWKS") throws(SpiffeBundleError) {
        self = try SpiffeBundle(json: data, trustDomain: trustDomain, format: .jwks, source: source).jwtBundle
    }

    /// The key for `kid`, if this bundle has it.
    public func authority(for kid: String) -> JWTPublicKey? { authorities[kid] }
}

extension SpiffeBundle {
    /// The JWT half, as the JWT code uses it.
    public var jwtBundle: JWTBundle { JWTBundle(trustDomain: trustDomain, authorities: jwtAuthorities) }

    /// A SPIFFE bundle that holds only JWT authorities.
    public init(_ jwtBundle: JWTBundle) {
        self.init(trustDomain: jwtBundle.trustDomain, jwtAuthorities: jwtBundle.authorities)
    }
}
