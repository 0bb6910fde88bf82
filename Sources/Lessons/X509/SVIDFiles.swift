import Foundation
import SpiffeFormats
import SpiffeIdentity

/// Writes SVIDs and bundles under the file names `spire-agent api fetch x509 -write DIR` uses,
/// so the files a learner makes here and the files real SPIRE makes are interchangeable:
///
///     svid.N.pem                 the N-th SVID's chain, leaf first
///     svid.N.key                 its private key, PKCS#8, readable by the owner only
///     bundle.N.pem               the bundle of that SVID's trust domain
///     federated_bundle.N.M.pem   the M-th federated bundle
public enum SVIDFiles {
    /// Writes every SVID of `context`; returns the paths written, in order.
    @discardableResult
    public static func write(_ context: X509Context, to directory: URL) throws -> [URL] {
        try createDirectory(directory)
        var written: [URL] = []
        for (n, svid) in context.svids.enumerated() {
            let certificate = directory.appendingPathComponent("svid.\(n).pem")
            try AtomicFile.write(Data(try PEM.encode(svid.chain).utf8), to: certificate)
            let key = directory.appendingPathComponent("svid.\(n).key")
            try AtomicFile.write(Data(try PEM.pkcs8PEM(svid.privateKey).utf8), to: key, mode: 0o600)
            written += [certificate, key]
            if let bundle = context.bundles[svid.spiffeID.trustDomain] {
                let url = directory.appendingPathComponent("bundle.\(n).pem")
                try AtomicFile.write(Data(try bundle.pem().utf8), to: url)
                written.append(url)
            }
            let federated = context.bundles.values
                .filter { $0.trustDomain != svid.spiffeID.trustDomain }
                .sorted { $0.trustDomain < $1.trustDomain }
            for (m, bundle) in federated.enumerated() {
                let url = directory.appendingPathComponent("federated_bundle.\(n).\(m).pem")
                try AtomicFile.write(Data(try bundle.pem().utf8), to: url)
                written.append(url)
            }
        }
        return written
    }

    static func createDirectory(_ directory: URL) throws(X509Error) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw .fileProblem(path: directory.path, reason: "exists and is not a directory")
            }
            return
        }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw .fileProblem(path: directory.path, reason: "cannot create directory: \(error.localizedDescription)")
        }
    }
}
