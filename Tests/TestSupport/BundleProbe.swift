import Foundation

/// What a workload receives as bundles, seen by software nobody here wrote: py-spiffe prints
/// them, openssl fingerprints the roots they should be. Shared by the federation tests of the
/// local agent and of the SPIRE model.
public enum BundleProbe {
    /// Prints `svid <ID>`, then `bundle <trust domain> <SHA-256 of each root>` for every bundle
    /// the workload receives. `sys.argv[1]` is the Workload API socket.
    public static let program = #"""
import sys
from cryptography.hazmat.primitives import hashes
from spiffe import WorkloadApiClient
with WorkloadApiClient(socket_path=sys.argv[1]) as client:
    context = client.fetch_x509_context()
    print("svid", context.default_svid.spiffe_id, flush=True)
    for bundle in sorted(context.x509_bundle_set.bundles, key=lambda b: str(b.trust_domain)):
        for root in bundle.x509_authorities:
            print("bundle", bundle.trust_domain, root.fingerprint(hashes.SHA256()).hex(), flush=True)
"""#

    /// openssl's SHA-256 fingerprint of the first certificate in a PEM file, as py-spiffe's hex.
    public static func fingerprint(_ pemFile: URL) async throws -> String {
        let result = try await TestSupport.run("openssl", ["x509", "-in", pemFile.path, "-noout", "-fingerprint", "-sha256"])
        guard result.status == 0, let value = result.stdout.split(separator: "=").last else {
            throw HarnessError("openssl x509 -fingerprint \(pemFile.path): \(result)")
        }
        return value.filter { $0.isHexDigit }.lowercased()
    }
}
