import Foundation

/// How often something ran in a measured time: what every "N /s" figure of these benchmarks is.
struct Throughput {
    /// Runs counted, and the seconds they took.
    let count: Int
    let elapsed: Double
    /// All runs made while measuring (the figure itself may come from fewer, see `measure`).
    var runs: Int

    var perSecond: Double { Double(count) / elapsed }

    init(count: Int, elapsed: Double, runs: Int? = nil) {
        self.count = count
        self.elapsed = elapsed
        self.runs = runs ?? count
    }

    /// Runs `body` for about `seconds`, after a short warm-up, in ten windows of a tenth of that,
    /// and keeps the window with the median rate. A shared 2-core machine stalls a process now and
    /// then for tens of milliseconds; one long window would take each stall into its figure, so
    /// two figures of the same run, meant to be divided, would carry different stalls.
    static func measure(_ seconds: Double, _ body: @escaping () async throws -> Void) async throws -> Throughput {
        try await measure(seconds, together: [body])[0]
    }

    /// `measure` for several bodies at once: their windows take turns (one window of each, ten
    /// times), so that a slow stretch of the machine weighs on every figure alike and their
    /// ratios hold; each figure is still the median of its own ten windows.
    static func measure(_ seconds: Double, together bodies: [() async throws -> Void]) async throws -> [Throughput] {
        for body in bodies { for _ in 0..<20 { try await body() } }
        let clock = ContinuousClock()
        var windows = Array(repeating: [Throughput](), count: bodies.count)
        for _ in 0..<10 {
            for (index, body) in bodies.enumerated() {
                let start = clock.now
                let deadline = start + .milliseconds(Int(seconds * 100))
                var count = 0
                while clock.now < deadline {
                    for _ in 0..<10 { try await body() }
                    count += 10
                }
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

    /// `label   N /s  (µs each, runs)`, the label padded to `width`.
    func line(_ label: String, width: Int) -> String {
        label.padding(toLength: width, withPad: " ", startingAt: 0)
            + String(format: "%10.0f /s  (%8.1f µs each, %d runs)", perSecond, 1_000_000 / perSecond, runs)
    }
}
