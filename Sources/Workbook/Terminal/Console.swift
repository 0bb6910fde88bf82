import Foundation

/// Where the workbook's commands write and read: the real terminal in the CLI, a recording in
/// tests. Data goes to `out`, messages to `err`.
public protocol Console: AnyObject, Sendable {
    func out(_ text: String)
    func err(_ text: String)
    /// Prints `prompt` (no newline) and reads one line; nil at end of input.
    func ask(_ prompt: String) -> String?
    /// True when a person is typing (stdin is a terminal).
    var isInteractive: Bool { get }
}

extension Console {
    public func line(_ text: String = "") { out(text + "\n") }
    /// One line on stderr (messages, not data).
    public func errorLine(_ text: String) { err(text + "\n") }
}

/// stdin/stdout/stderr.
public final class StandardConsole: Console, @unchecked Sendable {
    public init() {}

    public func out(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    public func err(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    public func ask(_ prompt: String) -> String? {
        out(prompt)
        let answer = readLine(strippingNewline: true)
        // Echo scripted answers so a transcript of piped input reads like a session.
        if let answer, !isInteractive { out(answer + "\n") }
        return answer
    }

    public var isInteractive: Bool { Terminal.stdinIsTerminal }
}

/// A console that records output and answers from a list (for tests of the library).
public final class RecordingConsole: Console, @unchecked Sendable {
    private let lock = NSLock()
    private var answers: [String]
    private var _out = ""
    private var _err = ""
    public let isInteractive: Bool

    public init(answers: [String] = [], interactive: Bool = false) {
        self.answers = answers
        self.isInteractive = interactive
    }

    public var stdout: String { lock.withLock { _out } }
    public var stderr: String { lock.withLock { _err } }

    public func out(_ text: String) { lock.withLock { _out += text } }
    public func err(_ text: String) { lock.withLock { _err += text } }

    public func ask(_ prompt: String) -> String? {
        lock.withLock {
            _out += prompt
            guard !answers.isEmpty else { return nil }
            let answer = answers.removeFirst()
            _out += answer + "\n"
            return answer
        }
    }
}
