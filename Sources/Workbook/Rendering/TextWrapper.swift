/// Fills styled text into lines of a given width.
///
/// Rules: break only at spaces (never inside a word), never inside an atomic span (code, URLs),
/// and a word longer than the line sits alone on its line and overflows rather than being cut.
/// A hard line break (`\n` in a span) always starts a new line.
public struct TextWrapper: Sendable {
    public var width: Int
    public var color: Bool

    public init(width: Int, color: Bool) {
        self.width = width
        self.color = color
    }

    /// A word: pieces of text with no break opportunity between them.
    struct Word {
        var pieces: [Span] = []
        var width: Int { pieces.reduce(0) { $0 + $1.text.visibleWidth } }
        var isEmpty: Bool { pieces.isEmpty }
        mutating func append(_ text: String, _ style: TextStyle) {
            guard !text.isEmpty else { return }
            if let last = pieces.last, last.style == style {
                pieces[pieces.count - 1].text += text
            } else {
                pieces.append(Span(text, style))
            }
        }
    }

    enum Token {
        case word(Word)
        case space
        case newline
    }

    static func tokenize(_ spans: [Span]) -> [Token] {
        var tokens: [Token] = []
        var current = Word()
        func flush() {
            if !current.isEmpty { tokens.append(.word(current)) }
            current = Word()
        }
        for span in spans {
            if span.atomic {
                // Newlines inside an atomic span would break the frame; show them as spaces.
                current.append(span.text.replacingOccurrences(of: "\n", with: " "), span.style)
                continue
            }
            var buffer = ""
            for character in span.text {
                if character == "\n" {
                    current.append(buffer, span.style); buffer = ""
                    flush()
                    tokens.append(.newline)
                } else if character == " " || character == "\t" {
                    current.append(buffer, span.style); buffer = ""
                    flush()
                    if case .space? = tokens.last {} else { tokens.append(.space) }
                } else {
                    buffer.append(character)
                }
            }
            current.append(buffer, span.style)
        }
        flush()
        return tokens
    }

    /// Wraps `spans`; the first line starts with `firstPrefix`, later lines with `restPrefix`
    /// (both already painted; `prefixWidth` is their visible width, which must be equal).
    public func wrap(_ spans: [Span], prefix: (first: String, rest: String, width: Int) = ("", "", 0)) -> [String] {
        let available = max(1, width - prefix.width)
        var lines: [String] = []
        var line = ""
        var lineWidth = 0
        var pendingSpace = false

        func emit() {
            lines.append((lines.isEmpty ? prefix.first : prefix.rest) + line)
            line = ""
            lineWidth = 0
            pendingSpace = false
        }

        for token in Self.tokenize(spans) {
            switch token {
            case .newline:
                emit()
            case .space:
                if lineWidth > 0 { pendingSpace = true }
            case .word(let word):
                let needed = word.width + (pendingSpace ? 1 : 0)
                if lineWidth > 0 && lineWidth + needed > available {
                    emit()
                }
                if pendingSpace && lineWidth > 0 {
                    line += " "
                    lineWidth += 1
                }
                pendingSpace = false
                for piece in word.pieces {
                    line += piece.style.paint(piece.text, color: color)
                }
                lineWidth += word.width
            }
        }
        if lineWidth > 0 || lines.isEmpty { emit() }
        return lines
    }
}
