import Foundation
import FuzzSupport
import Workbook

// workspace/progress.json, damaged or edited: loaded, or refused with an error that names the
// file; what loads can be saved and loaded again.
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-progress-\(getpid())")
try! FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
let store = ProgressStore(file: directory.appendingPathComponent("progress.json"))
let copy = ProgressStore(file: directory.appendingPathComponent("copy.json"))

runFuzzer { bytes in
    try! Data(bytes).write(to: store.file)
    do {
        let progress = try store.load()
        try copy.save(progress)
        _ = try copy.load()
    } catch {
        require("\(error)".contains(store.file.path) || "\(error)".contains(copy.file.path), "an error that names no file: \(error)")
    }
}
