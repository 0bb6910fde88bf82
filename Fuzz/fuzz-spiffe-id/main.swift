import FuzzSupport
import SpiffeIdentity

// SPIFFE IDs and trust domain names (SPIFFE-ID §2): anything parsed must print as a string that
// parses back to the same value; nothing may crash.
runFuzzer { bytes in
    let input = text(bytes)
    if let id = try? SpiffeID(input) {
        let again = try? SpiffeID(id.description)
        require(again == id, "SpiffeID \(id) does not survive its own description")
        require(id.description.hasPrefix("spiffe://"), "SpiffeID \(id) prints without its scheme")
        require(id.isMember(of: id.trustDomain), "SpiffeID \(id) is not a member of its own trust domain")
    }
    if let domain = try? TrustDomain(input) {
        require((try? TrustDomain(domain.name)) == domain, "TrustDomain \(domain) does not survive its name")
        require((try? TrustDomain(domain.idString)) == domain, "TrustDomain \(domain) does not survive its ID")
    }
}
