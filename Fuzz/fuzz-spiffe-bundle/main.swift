import Foundation
import FuzzSupport
import SpiffeBundles
import SpiffeIdentity

// SPIFFE bundles and JWKS documents (Trust Domain and Bundle §4): parsed in every format, and a
// bundle that parsed must survive being written and read again.
let trustDomain = try! TrustDomain("example.org")

runFuzzer { bytes in
    for format in [nil, SpiffeBundle.Format.spiffe, .jwks] {
        guard let bundle = try? SpiffeBundle(json: Data(bytes), trustDomain: trustDomain, format: format, source: "fuzz") else { continue }
        guard let written = try? bundle.spiffeJSON(pretty: false) else { continue }
        let again = try? SpiffeBundle(json: written, trustDomain: trustDomain, format: .spiffe, source: "fuzz again")
        // spiffeJSON always writes both members: the defaults stand in for absent ones.
        var expected = bundle
        expected.refreshHint = bundle.refreshHint ?? SpiffeBundle.defaultRefreshHint
        expected.sequenceNumber = bundle.sequenceNumber ?? 1
        require(again == expected, "a bundle read from the input does not survive its own SPIFFE JSON")
    }
}
