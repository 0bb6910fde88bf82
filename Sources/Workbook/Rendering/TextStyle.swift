/// How a piece of text is shown on a colour terminal. Without colour (no TTY, `NO_COLOR`,
/// `--plain`) styles are dropped and only the characters remain.
public struct TextStyle: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let bold = TextStyle(rawValue: 1 << 0)
    public static let dim = TextStyle(rawValue: 1 << 1)
    public static let italic = TextStyle(rawValue: 1 << 2)
    public static let underline = TextStyle(rawValue: 1 << 3)
    public static let strike = TextStyle(rawValue: 1 << 4)
    public static let code = TextStyle(rawValue: 1 << 5)
    public static let link = TextStyle(rawValue: 1 << 6)
    public static let heading = TextStyle(rawValue: 1 << 7)
    public static let good = TextStyle(rawValue: 1 << 8)
    public static let bad = TextStyle(rawValue: 1 << 9)
    public static let warn = TextStyle(rawValue: 1 << 10)

    /// SGR parameters for this style.
    var sgr: [String] {
        var codes: [String] = []
        if contains(.bold) || contains(.heading) { codes.append("1") }
        if contains(.dim) { codes.append("2") }
        if contains(.italic) { codes.append("3") }
        if contains(.underline) || contains(.link) { codes.append("4") }
        if contains(.strike) { codes.append("9") }
        if contains(.code) { codes.append("36") }
        else if contains(.link) { codes.append("34") }
        else if contains(.heading) { codes.append("35") }
        else if contains(.good) { codes.append("32") }
        else if contains(.bad) { codes.append("31") }
        else if contains(.warn) { codes.append("33") }
        return codes
    }

    /// `text` wrapped in ANSI escape codes when `color` is on.
    public func paint(_ text: String, color: Bool) -> String {
        guard color, !isEmpty, !text.isEmpty else { return text }
        return "\u{1B}[" + sgr.joined(separator: ";") + "m" + text + "\u{1B}[0m"
    }
}

/// A run of text in one style.
public struct Span: Sendable, Equatable {
    public var text: String
    public var style: TextStyle
    /// An atomic span is never broken across lines (code spans, URLs): wrapping must not split
    /// code.
    public var atomic: Bool

    public init(_ text: String, _ style: TextStyle = [], atomic: Bool = false) {
        self.text = text
        self.style = style
        self.atomic = atomic
    }
}

/// The characters a rendering uses for frames and marks: Unicode on a terminal, ASCII in
/// `--plain` output so it pastes anywhere.
public struct Glyphs: Sendable {
    public var bullet: String
    public var quoteBar: String
    public var h1Rule: Character
    public var h2Rule: Character
    public var rule: Character
    public var frameTop: (left: String, fill: Character)
    public var frameSide: String
    public var frameBottom: (left: String, fill: Character)
    public var tableVertical: String
    public var tableHorizontal: Character
    public var tableCross: String
    public var ok: String
    public var fail: String
    public var pending: String
    public var taskDone: String
    public var taskOpen: String
    public var done: String
    public var started: String
    public var notStarted: String

    public static let unicode = Glyphs(
        bullet: "•", quoteBar: "│", h1Rule: "═", h2Rule: "─", rule: "─",
        frameTop: ("╭─", "─"), frameSide: "│", frameBottom: ("╰─", "─"),
        tableVertical: "│", tableHorizontal: "─", tableCross: "┼",
        ok: "✓", fail: "✗", pending: "…", taskDone: "[x]", taskOpen: "[ ]",
        done: "✓", started: "◐", notStarted: "·"
    )

    public static let ascii = Glyphs(
        bullet: "*", quoteBar: ">", h1Rule: "=", h2Rule: "-", rule: "-",
        frameTop: ("+-", "-"), frameSide: "|", frameBottom: ("+-", "-"),
        tableVertical: "|", tableHorizontal: "-", tableCross: "+",
        ok: "[ok]", fail: "[FAIL]", pending: "[pending]", taskDone: "[x]", taskOpen: "[ ]",
        done: "[x]", started: "[~]", notStarted: "[ ]"
    )
}

extension String {
    /// Width on screen, counting one column per character (the lessons are Latin text; East
    /// Asian wide characters would count as one, which only makes a line look shorter).
    var visibleWidth: Int { count }
}
