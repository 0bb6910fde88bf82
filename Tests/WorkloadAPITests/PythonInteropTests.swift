import Foundation
import TestSupport
import Testing

/// Interop with software nobody here wrote: py-spiffe 0.3.2 from PyPI (grpcio underneath) talks
/// to our agent, as uid 1000, and checks the chain with `cryptography`.
@Suite("py-spiffe against the local agent", .serialized)
struct PythonInteropTests {
    static let script = #"""
import datetime, json, sys
from spiffe import WorkloadApiClient, X509Source

socket, expected = sys.argv[1], sys.argv[2]

def verify_chain(chain, roots, now):
    # Walk leaf -> ... -> a root of the bundle: each certificate must be signed by the next one
    # (signature and issuer name), and every certificate must be within its validity window.
    cert, path = chain[0], [chain[0]]
    candidates = list(chain[1:]) + list(roots)
    for _ in range(len(candidates) + 1):
        for cert_ in [cert]:
            assert cert_.not_valid_before_utc <= now <= cert_.not_valid_after_utc, "outside validity"
        if any(cert.fingerprint(cert.signature_hash_algorithm) == r.fingerprint(r.signature_hash_algorithm) for r in roots):
            return path
        issuer = None
        for candidate in candidates:
            try:
                cert.verify_directly_issued_by(candidate)
                issuer = candidate
                break
            except Exception:
                continue
        assert issuer is not None, "no issuer for " + cert.subject.rfc4514_string()
        path.append(issuer)
        cert = issuer
    raise AssertionError("chain does not end at a bundle root")

client = WorkloadApiClient(socket_path=socket)
now = datetime.datetime.now(datetime.timezone.utc)

context = client.fetch_x509_context(timeout=60)
svid = context.default_svid
bundle = context.x509_bundle_set.get_bundle_for_trust_domain(svid.spiffe_id.trust_domain)
assert bundle is not None, "no bundle for the SVID's trust domain"
path = verify_chain(svid.cert_chain, bundle.x509_authorities, now)

bundles = client.fetch_x509_bundles(timeout=60)
fetched = sorted(str(b.trust_domain) for b in bundles.bundles)

with X509Source(workload_api_client=client, timeout_in_seconds=60) as source:
    source_id = str(source.svid.spiffe_id)

print(json.dumps({
    "spiffe_id": str(svid.spiffe_id),
    "source_spiffe_id": source_id,
    "path_length": len(path),
    "bundles": fetched,
    "svid_count": len(context.x509_svids),
}))
client.close()
"""#

    @Test("py-spiffe fetches the SVID and bundles as uid 1000 and the chain verifies with cryptography")
    func pySpiffeFetchesAndVerifies() async throws {
        let agent = try AgentHarness()
        try await agent.createEntry("spiffe://example.org/service-a", selectors: ["unix:uid:1000"])
        try await agent.createEntry("spiffe://example.org/service-b", selectors: ["unix:uid:1001"])
        try await agent.start()
        defer { agent.stop() }
        let result = try await agent.runPython(asUid: 1000, Self.script, [agent.endpoint, "spiffe://example.org/service-a"])
        #expect(result.status == 0, "\(result)\n\(agent.log)")
        let line = try #require(result.stdout.split(separator: "\n").last)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(report["spiffe_id"] as? String == "spiffe://example.org/service-a")
        #expect(report["source_spiffe_id"] as? String == "spiffe://example.org/service-a")
        #expect(report["path_length"] as? Int == 2)   // leaf, then the bundle's root
        #expect(report["bundles"] as? [String] == ["example.org"])
        #expect(report["svid_count"] as? Int == 1)
    }

    @Test("py-spiffe as an unregistered uid sees PERMISSION_DENIED, not an empty answer")
    func pySpiffeDenied() async throws {
        let agent = try AgentHarness()
        try await agent.createEntry("spiffe://example.org/service-a", selectors: ["unix:uid:1000"])
        try await agent.start()
        defer { agent.stop() }
        let code = """
            import sys
            from spiffe import WorkloadApiClient
            try:
                WorkloadApiClient(socket_path=sys.argv[1]).fetch_x509_svid(timeout=30)
                print("FETCHED")
            except Exception as e:
                print(type(e).__name__, str(e))
            """
        let result = try await agent.runPython(asUid: 1002, code, [agent.endpoint])
        #expect(!result.stdout.contains("FETCHED"), "\(result)")
        #expect(result.stdout.contains("PERMISSION_DENIED"), "\(result)")
        #expect(result.stdout.contains("no identity issued"), "\(result)")
    }
}
