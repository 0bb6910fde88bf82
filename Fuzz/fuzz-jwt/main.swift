import Foundation
import FuzzSupport
import SpiffeBundles
import SpiffeIdentity
import SpiffeJWT

// JWT compact tokens (JWT-SVID §3, RFC 7519): split, decoded and validated against a bundle
// whose key the fuzzer never sees, so no input may validate; hostile NumericDates (1e300,
// 2^64+1) were a crash once (issue 19, item 1).
let trustDomain = try! TrustDomain("example.org")
let authority = try! JWTAuthority(trustDomain: trustDomain)
let validator = JWTSVIDValidator(audience: "fuzz")

runFuzzer { bytes in
    let token = text(bytes)
    _ = try? JWTToken.parse(token)
    let validated = try? validator.validate(token, bundle: authority.bundle, now: Date(timeIntervalSince1970: 1_800_000_000))
    require(validated == nil, "a token nobody signed with the bundle's key validated")
}
