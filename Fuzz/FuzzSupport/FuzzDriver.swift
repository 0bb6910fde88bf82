import Foundation

/// libFuzzer's driver entry point (compiler-rt, FuzzerInterface.h), for a program that has a
/// main of its own: SwiftPM gives every executable target one, so the usual
/// `LLVMFuzzerTestOneInput` plus libFuzzer's `main` would clash with it.
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// The input handler of this process. libFuzzer calls back through a C function pointer, which
/// cannot capture, so the handler lives here; it is set once, before the driver starts, and the
/// driver calls it from one thread.
nonisolated(unsafe) private var handler: ([UInt8]) -> Void = { _ in }

/// Runs libFuzzer over `body` with the process's arguments (`-max_total_time=600 corpus/ …`) and
/// exits with its status. A crash, a trap or a failed `FuzzCheck.require` is a finding: libFuzzer
/// writes the input to `crash-<sha1>` and stops.
public func runFuzzer(_ body: @escaping ([UInt8]) -> Void) -> Never {
    handler = body
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    let status = LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        handler(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
        return 0
    }
    exit(status)
}

/// A property the code under test must keep for every input (a round trip, a refusal): a broken
/// one is a finding like a crash, with the input saved.
public func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("property violated: \(message())") }
}

/// Runs `body` to completion from the fuzzer's synchronous callback (the code under test is async).
public func blocking<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
    let done = DispatchSemaphore(value: 0)
    let result = ResultBox<T>()
    Task {
        result.value = await body()
        done.signal()
    }
    done.wait()
    return result.value!
}

private final class ResultBox<T>: @unchecked Sendable {
    // @unchecked: written once by the task, read after the semaphore says it was.
    var value: T?
}

/// The input as text, as a file read from disk would be decoded (invalid UTF-8 repaired).
public func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
