import Foundation
import FuzzSupport
import SpiffeAgent

// entries.json, as a learner might edit it by hand: loaded or refused with an error, and every
// entry that loads passes the rules `entry create` applies (a stored entry with no selectors
// matched every workload until the fuzzer's first minute found it).
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-entry-store-\(getpid())")
try! FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
let store = EntryStore(directory: directory)

runFuzzer { bytes in
    try! Data(bytes).write(to: store.file)
    guard let entries = try? store.load() else { return }
    for entry in entries {
        require(!entry.selectors.isEmpty, "entry \(entry.entryID) loaded with no selectors")
        require(entry.x509SVIDTTL > 0 && entry.jwtSVIDTTL > 0, "entry \(entry.entryID) loaded with a TTL that is not positive")
        require(!entry.federatesWith.contains(entry.spiffeID.trustDomain), "entry \(entry.entryID) federates with its own trust domain")
    }
}
