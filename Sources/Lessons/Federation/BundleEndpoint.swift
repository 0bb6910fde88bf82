import Foundation
import SpiffeIdentity

/// Where a foreign trust domain's bundle is fetched from, and how the endpoint is authenticated
/// (SPIFFE_Federation §5.1): the URL, the profile, and the trust domain the fetched bundle is
/// for. The bundle itself names no trust domain, so the third parameter is what keeps one trust
/// domain's keys from ever vouching for another.
public struct BundleEndpoint: Sendable, Equatable {
    public var url: URL
    public var trustDomain: TrustDomain
    public var profile: Profile

    public enum Profile: Sendable, Equatable, CustomStringConvertible {
        /// Web PKI (§5.2.1): a certificate from a CA the client trusts, for the URL's host.
        case httpsWeb
        /// SPIFFE authentication (§5.2.2): the server's X509-SVID, for exactly this SPIFFE ID.
        case httpsSPIFFE(endpointID: SpiffeID)

        public var description: String {
            switch self {
            case .httpsWeb: return "https_web"
            case .httpsSPIFFE(let id): return "https_spiffe (endpoint \(id))"
            }
        }
    }

    /// Checks the URL rules both profiles share (§5.2.1.1, §5.2.2.1): scheme https, a host, no
    /// userinfo.
    public init(url: String, trustDomain: TrustDomain, profile: Profile) throws(BundleEndpointError) {
        guard let parsed = URL(string: url), let components = URLComponents(url: parsed, resolvingAgainstBaseURL: false) else {
            throw .invalidURL(url, "not a URL")
        }
        guard components.scheme?.lowercased() == "https" else { throw .invalidURL(url, "a bundle endpoint URL must be https") }
        guard components.user == nil, components.password == nil else {
            throw .invalidURL(url, "a bundle endpoint URL must not carry userinfo")
        }
        guard let host = components.host, !host.isEmpty else { throw .invalidURL(url, "no host") }
        self.url = parsed
        self.trustDomain = trustDomain
        self.profile = profile
    }

    /// Whether the endpoint serves its own trust domain's bundle (§5.2.2.2): then the bundle it
    /// returns is also what authenticates it next time.
    public var isSelfServing: Bool {
        if case .httpsSPIFFE(let id) = profile { return id.trustDomain == trustDomain }
        return false
    }
}

/// Why a bundle could not be fetched, in one line.
public enum BundleEndpointError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidURL(String, String)
    case connectFailed(String)
    /// The endpoint's certificate did not authenticate it for this profile.
    case serverRejected(String)
    case httpStatus(Int)
    case invalidBundle(String)
    case missingTrust(String)
    /// The client's own deadline closed the connection before the whole answer arrived.
    case timedOut(endpoint: String, seconds: Double)

    public var description: String {
        switch self {
        case .invalidURL(let url, let reason): return "\(url): \(reason)"
        case .connectFailed(let reason): return "cannot fetch the bundle: \(reason)"
        case .serverRejected(let reason): return "refused the bundle endpoint: \(reason)"
        case .httpStatus(let code): return "the bundle endpoint answered HTTP \(code)"
        case .invalidBundle(let reason): return "the endpoint's answer is not a usable SPIFFE bundle: \(reason)"
        case .missingTrust(let reason): return reason
        case .timedOut(let endpoint, let seconds): return "\(endpoint) did not answer within \(String(format: "%g", seconds)) s; gave up"
        }
    }
}
