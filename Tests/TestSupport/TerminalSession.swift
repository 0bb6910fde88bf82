import Foundation

/// A program running in a real pseudo-terminal (a detached tmux session on a private tmux
/// server), so tests can type into interactive prompts and read the screen a learner would see.
///
///     let term = try TerminalSession(command: [workbook.path, "check", "3"], env: [...])
///     defer { term.close() }
///     try await term.waitFor("Question 1")
///     try term.type("b")
///     let screen = try await term.waitForExit()
///
/// Waits poll the screen until the text appears or a generous deadline passes; the deadline only
/// turns a hang into a failure, it is not a timing assertion.
public final class TerminalSession: @unchecked Sendable {
    public let socketName: String
    public let sessionName = "t"
    private let tmux: URL
    static let exitTitle = "swb-exit:"

    public init(
        command: [String],
        env: [String: String] = [:],
        currentDirectory: URL? = nil,
        width: Int = 100,
        height: Int = 50
    ) throws {
        tmux = try TestSupport.resolveExecutable("tmux")
        socketName = "swb-\(getpid())-\(UUID().uuidString.prefix(8))"
        // The command runs through `env -i` so the session gets exactly the variables we pass,
        // whatever the tmux server's global environment holds. A small shell waits for the
        // program, then reports its exit status by setting the pane title (OSC 2), and stays
        // alive so the pane and its last screen remain readable. tmux handles the pane's output
        // in order, so once the title says "exited" every byte the program wrote is on screen.
        // The status does not come from tmux's own pane_dead_status: tmux learns that from
        // SIGCHLD, and under load we saw its server leave the program a zombie with no status
        // for minutes; and a program that exited before `remain-on-exit` was set took the whole
        // session with it.
        var shellCommand = ["env", "-i"]
        for (key, value) in env.sorted(by: { $0.key < $1.key }) { shellCommand.append("\(key)=\(value)") }
        shellCommand += ["/bin/sh", "-c", #""$@"; s=$?; printf '\033]2;\#(Self.exitTitle)%s\033\\' "$s"; exec sleep 600"#, "sh"]
        shellCommand += command
        var args = ["-f", "/dev/null", "new-session", "-d", "-s", sessionName,
                    "-x", String(width), "-y", String(height)]
        if let currentDirectory { args += ["-c", currentDirectory.path] }
        args.append(shellCommand.map(Self.shellQuote).joined(separator: " "))
        try tmuxCommand(args)
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
    public func waitFor(_ text: String, deadline: TimeInterval = 120) async throws -> String {
        var last = ""
        let shown = try await TestSupport.poll(for: deadline) { () throws -> String? in
            last = try screen()
            return last.contains(text) ? last : nil
        }
        guard let shown else { throw TestSupport.SupportError.tmuxFailed("'\(text)' did not appear; screen:\n\(last)") }
        return shown
    }

    /// Waits for the program to exit; returns its exit status and final screen.
    public func waitForExit(deadline: TimeInterval = 120) async throws -> (status: Int32, screen: String) {
        let status = try await TestSupport.poll(for: deadline) { () throws -> Int32? in
            let title = try tmuxCommand(["display-message", "-p", "-t", sessionName, "#{pane_title}"]).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
            return title.hasPrefix(Self.exitTitle) ? Int32(title.dropFirst(Self.exitTitle.count)) : nil
        }
        guard let status else { throw TestSupport.SupportError.tmuxFailed("program did not exit; screen:\n\((try? screen()) ?? "")") }
        return (status, try screen())
    }

    /// Kills the session and its private tmux server.
    public func close() {
        _ = try? tmuxCommand(["kill-server"])
    }

    deinit { close() }

    @discardableResult
    /// Blocking, but a tmux client command returns in milliseconds; the long waits above poll
    /// (TestSupport.poll) instead of holding a thread of the cooperative pool.
    private func tmuxCommand(_ args: [String]) throws -> TestSupport.ProcessResult {
        let result = try TestSupport.runBlocking(tmux.path, ["-L", socketName] + args, deadline: 30)
        if result.status != 0 {
            throw TestSupport.SupportError.tmuxFailed("\(args.joined(separator: " ")) failed: \(result.stderr)")
        }
        return result
    }

    static func shellQuote(_ s: String) -> String {
        "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
