import SpiffeIdentity

/// The second of the two steps a TLS peer goes through: authorization.
///
/// By the time an authorizer runs, the peer's certificate has been *authenticated*: it chains to
/// the bundle of its own trust domain and obeys the X509-SVID leaf rules, so the SPIFFE ID in it
/// can be believed. The authorizer then answers a different question: is *this* workload one we
/// talk to? SPIFFE replaces hostname verification with exactly this check: the ID, not a DNS
/// name, says who the peer is.
///
/// The four authorizers the lesson names are the cases of `SpiffeIDMatcher`:
///
///     .any                                  // every authenticated peer (exercises only)
///     .id(serverID)                         // exactly one workload
///     .oneOf([frontendID, batchID])         // a fixed set of workloads
///     .memberOf(TrustDomain("example.org")) // every workload of one trust domain
public typealias Authorizer = SpiffeIDMatcher

extension SpiffeIDMatcher {
    // step: tls-authorize
    /// Accepts an already-authenticated peer ID, or says why not.
    public func authorize(_ peer: SpiffeID) throws(PeerRejection) {
        guard matches(peer) else {
            throw .notAuthorized(peer, allowed: self)
        }
    }
    // end-step
}
