import Foundation

/// A program running in a real pseudo-terminal (a detached tmux session on a private tmux
/// server), so tests can type into interactive prompts and read the screen a learner would see.
///
///     let term = try TerminalSession(command: [workbook.path, "check", "3"], env: [...])
///     defer { term.close() }
///     try term.waitFor("Question 1")
///     try term.type("b")
///     let screen = try term.waitForExit()
///
/// Waits poll the screen until the text appears or a generous deadline passes; the deadline only
/// turns a hang into a failure, it is not a timing assertion.
public final class TerminalSession: @unchecked Sendable {
    public let socketName: String
    public let sessionName = "t"
    private let tmux: URL

    public init(
        command: [String],
        env: [String: String] = [:],
        currentDirectory: URL? = nil,
        width: Int = 100,
        height: Int = 50
    ) throws {
        tmux = try TestSupport.resolveExecutable("tmux")
        socketName = "swb-\(getpid())-\(UUID().uuidString.prefix(8))"
        // The command runs through env(1) so the session gets exactly the variables we pass,
        // whatever the tmux server's global environment holds.
        var shellCommand = ["env"]
        for (key, value) in env.sorted(by: { $0.key < $1.key }) { shellCommand.append("\(key)=\(value)") }
        shellCommand += command
        var args = ["-f", "/dev/null", "new-session", "-d", "-s", sessionName,
                    "-x", String(width), "-y", String(height)]
        if let currentDirectory { args += ["-c", currentDirectory.path] }
        args.append(shellCommand.map(Self.shellQuote).joined(separator: " "))
        try tmuxCommand(args)
        // Keep the pane after the program exits so its last screen and status can be read.
        try tmuxCommand(["set-option", "-t", sessionName, "remain-on-exit", "on"])
    }

    /// Types `text` followed by Enter (unless `enter` is false). Text is sent literally.
    public func type(_ text: String, enter: Bool = true) throws {
        if !text.isEmpty { try tmuxCommand(["send-keys", "-t", sessionName, "-l", text]) }
        if enter { try tmuxCommand(["send-keys", "-t", sessionName, "Enter"]) }
    }

    /// The visible screen plus scrollback, as plain text (with `escapes`, including the colour
    /// and attribute escape sequences the program wrote).
    public func screen(escapes: Bool = false) throws -> String {
        try tmuxCommand(["capture-pane", "-p", "-J"] + (escapes ? ["-e"] : []) + ["-S", "-2000", "-t", sessionName]).stdout
    }

    /// Polls until `text` is on screen; returns the screen. Throws with the screen on deadline.
    @discardableResult
    public func waitFor(_ text: String, deadline: TimeInterval = 120) throws -> String {
        let end = Date().addingTimeInterval(deadline)
        var last = ""
        while Date() < end {
            last = try screen()
            if last.contains(text) { return last }
            usleep(50_000)
        }
        throw TestSupport.SupportError.tmuxFailed("'\(text)' did not appear; screen:\n\(last)")
    }

    /// Waits for the program to exit; returns its exit status and final screen.
    public func waitForExit(deadline: TimeInterval = 120) throws -> (status: Int32, screen: String) {
        let end = Date().addingTimeInterval(deadline)
        while Date() < end {
            let out = try tmuxCommand(["display-message", "-p", "-t", sessionName,
                                       "#{pane_dead} #{pane_dead_status}"]).stdout
            let parts = out.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            if parts.first == "1" {
                return (Int32(parts.count > 1 ? parts[1] : "") ?? -1, try screen())
            }
            usleep(50_000)
        }
        throw TestSupport.SupportError.tmuxFailed("program did not exit; screen:\n\((try? screen()) ?? "")")
    }

    /// Kills the session and its private tmux server.
    public func close() {
        _ = try? tmuxCommand(["kill-server"])
    }

    deinit { close() }

    @discardableResult
    private func tmuxCommand(_ args: [String]) throws -> TestSupport.ProcessResult {
        let result = try TestSupport.run(tmux.path, ["-L", socketName] + args, deadline: 30)
        if result.status != 0 {
            throw TestSupport.SupportError.tmuxFailed("\(args.joined(separator: " ")) failed: \(result.stderr)")
        }
        return result
    }

    static func shellQuote(_ s: String) -> String {
        "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
