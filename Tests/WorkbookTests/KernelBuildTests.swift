import Foundation
import Synchronization
import Testing
import TestSupport
import WorkbookProtocol
@testable import Workbook

/// The kernel's background first build, as the workbook follows it.
@Suite struct KernelBuildTests {
    @Test func progressIsTheLastCountSwiftPMPrinted() {
        let log = """
            Fetching https://github.com/apple/swift-nio.git
            [1/12] Compiling a.c
            [34/928] Compiling CCryptoBoringSSL engine.cc
            warning: something [not a count]
            [35/1036] Compiling CCryptoBoringSSL sign.cc
            """
        #expect(KernelBuild.progress(log)! == (35, 1036))
        #expect(KernelBuild.progress("Fetching …\n") == nil)
        #expect(KernelBuild.bar(done: 518, total: 1036, width: 10) == "[#####.....] 50%  (518/1036)")
        #expect(KernelBuild.bar(done: 0, total: 0, width: 4) == "[....]  starting")
    }

    @Test func aRunWaitsForARunningBuildThenReportsItsFailureInOneLine() async throws {
        let directory = try TestSupport.makeTempDirectory(prefix: "kernel-build")
        defer { try? FileManager.default.removeItem(at: directory) }
        let build = KernelBuild(directory: directory)
        // A build "running" as this very process, half way through.
        try "\(getpid())\n".write(to: directory.appendingPathComponent("pid"), atomically: true, encoding: .utf8)
        try "[50/100] Compiling X509 Certificate.swift\n".write(to: build.log, atomically: true, encoding: .utf8)
        #expect(build.state() == .running(done: 50, total: 100))

        let seen = Mutex<[Int]>([])
        let kernel = ProcessKernel(
            candidates: [directory.appendingPathComponent("nowhere/workbook-kernel")], build: build,
            onWait: { done, _ in seen.withLock { $0.append(done) } })
        let ending = Task {
            try await Task.sleep(for: .milliseconds(1200))
            try "1\n".write(to: directory.appendingPathComponent("status"), atomically: true, encoding: .utf8)
            try FileManager.default.removeItem(at: directory.appendingPathComponent("pid"))
        }
        await #expect(throws: KernelError.buildFailed(log: build.log.path)) { try await kernel.ready() }
        try await ending.value
        let waits = seen.withLock { $0 }
        #expect(waits.filter { $0 == 50 }.count >= 2, "it waited, showing the progress: \(waits)")
        #expect(waits.last == -1, "the wait is closed, so the bar's line ends: \(waits)")
        #expect(KernelError.buildFailed(log: build.log.path).description
                == "building the toolkit kernel failed; the compiler's output is in \(build.log.path)")
    }

    @Test func aKernelBuiltByHandIsUsedDespiteAnOlderFailedBuild() async throws {
        let directory = try TestSupport.makeTempDirectory(prefix: "kernel-build")
        defer { try? FileManager.default.removeItem(at: directory) }
        let build = KernelBuild(directory: directory)
        try "1\n".write(to: directory.appendingPathComponent("status"), atomically: true, encoding: .utf8)
        let old = Date().addingTimeInterval(-60)
        try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: directory.appendingPathComponent("status").path)
        // The background build's output, made after the failure (by `swift build --scratch-path …`).
        let output = directory.appendingPathComponent("debug/workbook-kernel")
        try FileManager.default.createDirectory(at: output.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: TestSupport.product("workbook-kernel"), to: output)
        let kernel = ProcessKernel(candidates: [directory.appendingPathComponent("beside/workbook-kernel"), output], build: build)
        #expect(try await kernel.executable() == output)
        try await kernel.ready()
    }
}
