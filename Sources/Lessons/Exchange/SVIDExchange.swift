import Foundation
import SpiffeBundles
import SpiffeFormats
import SpiffeIdentity
import SpiffeX509
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Two services prove who they are to each other, with files instead of a network: mTLS in
/// miniature (Day 14).
///
/// Service `a` and service `b` each publish their X509-SVID's certificate chain (the leaf and
/// any intermediates, as a TLS peer sends it) in a shared directory, wait for the other's, and
/// validate it with the six checks against the bundle *their own source* holds for the peer's
/// trust domain. The directory is an untrusted channel on purpose: anyone may be able to write there,
/// and that is fine, because trust comes from the bundle, not from where a file was found. A
/// forged or foreign certificate fails check 5 whoever put it there.
///
/// Only certificates are published, never the private key. The intermediates matter: under an
/// UpstreamAuthority SPIRE's own CA is an intermediate, and a peer given the leaf alone has no
/// path to the root in its bundle (check 5 fails). A certificate is public; what proves
/// possession of the key is a TLS handshake, which Day 18 adds (a copied certificate would pass
/// this exchange, and that is exactly the gap the lesson points out).
public struct SVIDExchange: Sendable {
    /// This side's name, `a` or `b`.
    public let name: String
    /// The shared directory the two sides exchange files through.
    public let directory: URL
    /// How long to wait for the peer before giving up.
    public var timeout: Duration = .seconds(60)
    /// How often to look for the peer's file. Polling is simple and works for any two processes
    /// (even different users) that can see the directory.
    public var pollInterval: Duration = .milliseconds(100)

    public init(name: String, directory: URL) throws(SVIDExchangeError) {
        guard SVIDExchange.names.contains(name) else { throw .badName(name) }
        self.name = name
        self.directory = directory
    }

    /// The two sides of the exchange.
    public static let names = ["a", "b"]

    /// The other side's name.
    public var peerName: String { name == "a" ? "b" : "a" }

    /// `DIR/svid-<name>.pem`: where this side publishes its chain.
    public var ownFile: URL { SVIDExchange.file(for: name, in: directory) }
    /// `DIR/svid-<peer>.pem`: where the peer's chain appears.
    public var peerFile: URL { SVIDExchange.file(for: peerName, in: directory) }

    public static func file(for name: String, in directory: URL) -> URL {
        directory.appendingPathComponent("svid-\(name).pem")
    }

    /// What one run found.
    public struct Outcome: Sendable {
        /// This side's SPIFFE ID.
        public let ownID: SpiffeID
        /// The six checks on the peer's published chain; `report.spiffeID` is the peer's ID.
        public let report: ValidationReport
        /// When the peer's file was last written.
        public let peerWrittenAt: Date?
    }

    /// Progress reports while the exchange runs, for the person watching.
    public enum Progress: Sendable, CustomStringConvertible {
        case identity(SpiffeID)
        case published(URL)
        case waiting(URL, timeout: Duration)
        case found(URL)

        public var description: String {
            switch self {
            case .identity(let id): return "I am \(id)"
            case .published(let url): return "published my SVID's certificate chain to \(url.path)"
            case .waiting(let url, let timeout): return "waiting for the peer's \(url.path) (up to \(SVIDExchange.seconds(timeout)) s)"
            case .found(let url): return "found \(url.path)"
            }
        }
    }

    // step: svid-exchange
    /// Runs this side of the exchange with the SVID and bundle from `source`.
    ///
    /// `expect` is check 6: whom this side is willing to accept; by default any workload of its
    /// own trust domain.
    public func run(
        source: any X509SVIDSource & X509BundleSource,
        expect: SpiffeIDMatcher? = nil,
        now: @escaping @Sendable () -> Date = { Date() },
        progress: @Sendable (Progress) -> Void = { _ in }
    ) async throws(SVIDExchangeError) -> Outcome {
        // 1. Who am I? The SVID and the bundle of my own trust domain come from my source.
        let svid: X509SVID
        do {
            svid = try source.x509SVID()
            _ = try source.x509Bundle(for: svid.spiffeID.trustDomain)
        } catch {
            throw .noSVID("\(error)")
        }
        progress(.identity(svid.spiffeID))

        // 2. Publish my chain (leaf first, then any intermediates; never the root, which the peer
        //    has in its bundle, nor the key), atomically (the peer sees all of it or none of it)
        //    and readable by the peer, who may run as another user.
        try prepareDirectory()
        do {
            try AtomicFile.write(Data(try PEM.encode(svid.chain).utf8), to: ownFile, mode: 0o644)
        } catch {
            throw .cannotWrite(ownFile.path, "\(error)")
        }
        progress(.published(ownFile))

        // 3. Wait for the peer's chain: poll until it is there, or give up with a clear message.
        progress(.waiting(peerFile, timeout: timeout))
        let peerData = try await waitForPeerFile()
        progress(.found(peerFile))
        let writtenAt = (try? FileManager.default.attributesOfItem(atPath: peerFile.path))?[.modificationDate] as? Date

        // 4. Validate it with the six checks against the bundle MY source holds for the trust
        //    domain the peer's ID names: never anything the peer sent. A peer of a trust domain
        //    my source has no bundle for fails check 5; check 6 then decides whom I accept.
        let report = await SVIDValidator.validate(
            data: peerData, source: peerFile.path, bundles: source,
            expect: expect ?? .memberOf(svid.spiffeID.trustDomain), at: now())
        return Outcome(ownID: svid.spiffeID, report: report, peerWrittenAt: writtenAt)
    }
    // end-step

    /// Creates the shared directory if needed. A new one is world-writable with the sticky bit
    /// (like /tmp): both sides, possibly different users, must be able to create their file,
    /// and neither may delete the other's.
    func prepareDirectory() throws(SVIDExchangeError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw .cannotWrite(directory.path, "exists and is not a directory") }
            return
        }
        do {
            try FileManager.default.createDirectory(at: directory.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw .cannotWrite(directory.path, error.localizedDescription)
        }
        if mkdir(directory.path, 0o755) != 0, errno != EEXIST {
            throw .cannotWrite(directory.path, String(cString: strerror(errno)))
        }
        // Only the creator may chmod; if the peer created it first, its mode stands.
        _ = chmod(directory.path, 0o1777)
    }

    /// Polls for the peer's file. Thanks to the peer's atomic write, a file that exists is
    /// complete; one that exists but does not parse is reported by check 1, not waited on.
    func waitForPeerFile() async throws(SVIDExchangeError) -> Data {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            if let data = try readPeerFileIfPresent() {
                return data
            }
            if clock.now >= deadline {
                throw .peerTimedOut(peer: peerName, file: peerFile.path, seconds: SVIDExchange.seconds(timeout))
            }
            do { try await Task.sleep(for: pollInterval) } catch { throw .cancelled }
        }
    }
}

extension SVIDExchange {
    /// A timeout as a learner typed it: 60, 2.5, 0.5 (not "0" for half a second).
    static func seconds(_ duration: Duration) -> String {
        let value = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return value == value.rounded() ? String(Int(value)) : String(format: "%g", value)
    }

    /// One attempt to read the peer's file: nil while it does not exist yet. The answer comes
    /// from the read itself, not from a separate "does it exist?" check, which could see a file
    /// that the peer renamed into place just after the read failed.
    func readPeerFileIfPresent() throws(SVIDExchangeError) -> Data? {
        do {
            return try Data(contentsOf: peerFile)
        } catch let error as CocoaError where error.code == .fileReadNoSuchFile {
            return nil
        } catch let error as CocoaError where error.code == .fileReadNoPermission {
            throw .cannotRead(peerFile.path, "the file exists but is not readable by this user")
        } catch {
            throw .cannotRead(peerFile.path, error.localizedDescription)
        }
    }
}

/// What can stop an exchange before there is anything to validate.
public enum SVIDExchangeError: Error, Equatable, Sendable, CustomStringConvertible {
    case badName(String)
    case noSVID(String)
    case cannotWrite(String, String)
    case cannotRead(String, String)
    case peerTimedOut(peer: String, file: String, seconds: String)
    case cancelled

    public var description: String {
        switch self {
        case .badName(let name):
            return "--name must be a or b, not '\(name)'"
        case .noSVID(let reason):
            return "no SVID to exchange: \(reason)"
        case .cannotWrite(let path, let reason):
            return "\(path): cannot write: \(reason)"
        case .cannotRead(let path, let reason):
            return "\(path): \(reason)"
        case .peerTimedOut(let peer, let file, let seconds):
            return "peer \(peer) did not publish \(file) within \(seconds) s; start `svid-exchange --name \(peer)` with the same --dir (and, simulated, the same --state)"
        case .cancelled:
            return "cancelled while waiting for the peer"
        }
    }
}
