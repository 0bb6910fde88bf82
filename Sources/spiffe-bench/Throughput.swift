import Foundation

/// How often something ran in a measured time: what every "N /s" figure of these benchmarks is.
struct Throughput {
    /// Runs counted, and the seconds they took.
    let count: Int
    let elapsed: Double
    /// All runs made while measuring (the figure itself comes from one window, see `measure`).
    var runs: Int

    var perSecond: Double { Double(count) / elapsed }

    init(count: Int, elapsed: Double, runs: Int? = nil) {
        self.count = count
        self.elapsed = elapsed
        self.runs = runs ?? count
    }

    /// Runs each of `bodies` for about `seconds`, after a short warm-up, in ten windows of a tenth
    /// of that, and keeps for each the window with the median rate (the upper one of the middle
    /// two). A shared 2-core machine stalls a process now and then; one long window would take
    /// each stall into its figure. The bodies' windows take turns (one window of each, ten times
    /// over), so that a slow stretch of the machine weighs on every figure alike and the ratios
    /// between them hold.
    static func measure(_ seconds: Double, together bodies: [() async throws -> Void]) async throws -> [Throughput] {
        for body in bodies { for _ in 0..<20 { try await body() } }
        let clock = ContinuousClock()
        var windows = Array(repeating: [Throughput](), count: bodies.count)
        for _ in 0..<10 {
            for (index, body) in bodies.enumerated() {
                let start = clock.now
                let deadline = start + .seconds(seconds / 10)
                var count = 0
                repeat {
                    for _ in 0..<10 { try await body() }
                    count += 10
                } while clock.now < deadline
                windows[index].append(Throughput(count: count, elapsed: Self.seconds(clock.now - start)))
            }
        }
        return windows.map { windows in
            var median = windows.sorted { $0.perSecond < $1.perSecond }[windows.count / 2]
            median.runs = windows.reduce(0) { $0 + $1.count }
            return median
        }
    }

    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

    /// `label   N /s  (µs each, runs)`, the label padded to `width` and the µs to `microsecondsWidth`
    /// (each benchmark keeps the columns it has always printed).
    func line(_ label: String, width: Int, microsecondsWidth: Int = 7) -> String {
        label.padding(toLength: width, withPad: " ", startingAt: 0)
            + String(format: "%10.0f /s  (%\(microsecondsWidth).1f µs each, %d runs)", perSecond, 1_000_000 / perSecond, runs)
    }
}
