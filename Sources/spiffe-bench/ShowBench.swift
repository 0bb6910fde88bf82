import ArgumentParser
import Foundation

/// `spiffe-bench show`: what a learner waits for when they open a day, `workbook show N`
/// from process start to exit, next to the floor of starting any process (`/bin/true`).
struct ShowBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Whole-process time of `workbook show N --plain`, next to starting /bin/true."
    )

    @Option(help: "The day to show.")
    var day = 3

    @Option(help: "How many runs of each.")
    var runs = 20

    @Option(help: "The workbook binary (default: the one next to this benchmark).")
    var workbook: String?

    func run() async throws {
        guard runs > 0 else { throw ValidationError("--runs must be positive") }
        let binary = workbook ?? URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("workbook").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw ValidationError("no workbook binary at \(binary): build it next to this benchmark (swift build -c release --product workbook) or pass --workbook PATH")
        }
        let show = try times(binary, ["show", String(day), "--plain", "--no-pager"])
        let floor = try times("/bin/true", [])
        print("spiffe-bench show (\(runs) runs each; \(binary))")
        print(line("workbook show \(day) --plain, whole process", show))
        print(line("/bin/true, whole process", floor))
        print(String(format: "ratio: workbook show = %.1f x starting a process", median(show) / median(floor)))
    }

    func line(_ label: String, _ samples: [Double]) -> String {
        label.padding(toLength: 44, withPad: " ", startingAt: 0)
            + String(format: "median %7.1f ms  (min %.1f, max %.1f)", median(samples) * 1000, samples.min()! * 1000, samples.max()! * 1000)
    }

    func median(_ samples: [Double]) -> Double { samples.sorted()[samples.count / 2] }

    /// Wall-clock seconds of each run; output goes to /dev/null, and a failed run is an error.
    func times(_ path: String, _ arguments: [String]) throws -> [Double] {
        let clock = ContinuousClock()
        var samples: [Double] = []
        for _ in 0..<runs {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            let start = clock.now
            try process.run()
            process.waitUntilExit()
            let elapsed = clock.now - start
            guard process.terminationStatus == 0 else {
                throw ValidationError("\(path) \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
            }
            samples.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
        return samples
    }
}
