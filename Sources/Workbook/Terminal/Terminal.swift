import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How output is presented: width, colour, glyphs and paging, decided once from the flags, the
/// environment and whether stdout is a terminal.
public struct OutputStyle: Sendable {
    public var width: Int
    public var color: Bool
    public var glyphs: Glyphs
    public var pager: Bool

    public init(width: Int, color: Bool, glyphs: Glyphs, pager: Bool) {
        self.width = width
        self.color = color
        self.glyphs = glyphs
        self.pager = pager
    }

    public static let plain80 = OutputStyle(width: 80, color: false, glyphs: .ascii, pager: false)

    /// - Width: `--width`, else `COLUMNS`, else the terminal's width, else 80.
    /// - Colour: only on a TTY, never with `NO_COLOR` set (to anything), never with `TERM=dumb`
    ///   or `--plain`.
    /// - Pager: only on a TTY and not with `--plain` or `--no-pager`.
    /// - `--plain`: ASCII glyphs, no colour, no pager.
    public static func detect(
        plain: Bool,
        width: Int? = nil,
        noPager: Bool = false,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        isTerminal: Bool = Terminal.stdoutIsTerminal
    ) -> OutputStyle {
        let columns = width
            ?? environment["COLUMNS"].flatMap { Int($0.trimmed) }.flatMap { $0 > 0 ? $0 : nil }
            ?? (isTerminal ? Terminal.columns() : nil)
            ?? 80
        let color = !plain && isTerminal && environment["NO_COLOR"] == nil && environment["TERM"] != "dumb"
        return OutputStyle(
            width: max(20, columns),
            color: color,
            glyphs: plain ? .ascii : (isTerminal || Terminal.utf8Locale(environment) ? .unicode : .ascii),
            pager: isTerminal && !plain && !noPager
        )
    }

    public var renderer: TerminalRenderer { TerminalRenderer(width: width, color: color, glyphs: glyphs) }

    public func paint(_ text: String, _ style: TextStyle) -> String { style.paint(text, color: color) }
}

public enum Terminal {
    public static var stdoutIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }
    public static var stdinIsTerminal: Bool { isatty(STDIN_FILENO) == 1 }

    /// The terminal's column count, if stdout is a terminal.
    public static func columns() -> Int? {
        var size = winsize()
        #if canImport(Glibc)
        let result = ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size)
        #else
        let result = ioctl(STDOUT_FILENO, TIOCGWINSZ, &size)
        #endif
        guard result == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }

    static func utf8Locale(_ environment: [String: String]) -> Bool {
        let locale = environment["LC_ALL"] ?? environment["LC_CTYPE"] ?? environment["LANG"] ?? ""
        return locale.uppercased().contains("UTF-8") || locale.uppercased().contains("UTF8")
    }

    /// Shows `text` through `$PAGER` (else `less -FRX`), or writes it directly when the pager
    /// cannot be started. Only called when stdout is a terminal.
    public static func page(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        let command = environment["PAGER"].flatMap { $0.trimmed.isEmpty ? nil : $0 } ?? "less -FRX"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        var env = environment
        if env["LESS"] == nil { env["LESS"] = "FRX" }
        process.environment = env
        let pipe = Pipe()
        process.standardInput = pipe
        process.standardOutput = FileHandle.standardOutput
        process.standardError = FileHandle.standardError
        do {
            try process.run()
        } catch {
            FileHandle.standardOutput.write(Data(text.utf8))
            return
        }
        // A pager that quits early (q) closes the pipe; ignore SIGPIPE so we do not die of it.
        signal(SIGPIPE, SIG_IGN)
        try? pipe.fileHandleForWriting.write(contentsOf: Data(text.utf8))
        try? pipe.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}
