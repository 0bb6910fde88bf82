/// Renders a Markdown tree for a terminal: headings, emphasis, lists, block quotes, tables, code
/// blocks in a dimmed frame, and links as text plus URL.
///
/// Width-aware: prose is wrapped at word boundaries to `width`; code is never wrapped (a long code
/// line overflows instead of being split). Colour is applied only when `color` is on.
public struct TerminalRenderer: Sendable {
    public var width: Int
    public var color: Bool
    public var glyphs: Glyphs

    public init(width: Int, color: Bool, glyphs: Glyphs) {
        self.width = max(20, width)
        self.color = color
        self.glyphs = glyphs
    }

    /// Plain ASCII text, no colour.
    public static func plain(width: Int) -> TerminalRenderer {
        TerminalRenderer(width: width, color: false, glyphs: .ascii)
    }

    public func render(_ blocks: [MarkdownBlock]) -> String {
        lines(blocks, width: width).joined(separator: "\n") + "\n"
    }

    public func lines(_ blocks: [MarkdownBlock], width: Int) -> [String] {
        var out: [String] = []
        for block in blocks {
            let rendered = lines(block, width: width)
            if rendered.isEmpty { continue }
            if !out.isEmpty { out.append("") }
            out += rendered
        }
        return out
    }

    func lines(_ block: MarkdownBlock, width: Int) -> [String] {
        let wrapper = TextWrapper(width: width, color: color)
        switch block {
        case .heading(let level, let inlines):
            var spans = self.spans(inlines, base: .heading)
            if level >= 3 && !color {
                spans.insert(Span(String(repeating: "#", count: level) + " "), at: 0)
            }
            let text = wrapper.wrap(spans)
            guard level <= 2 else { return text }
            let longest = min(width, text.map(\.visibleWidthIgnoringANSI).max() ?? 0)
            let rule = String(repeating: level == 1 ? glyphs.h1Rule : glyphs.h2Rule, count: max(3, longest))
            return text + [TextStyle.dim.paint(rule, color: color)]

        case .paragraph(let inlines):
            return wrapper.wrap(spans(inlines))

        case .blockQuote(let blocks):
            let bar = glyphs.quoteBar + " "
            let inner = lines(blocks, width: width - bar.visibleWidth)
            return inner.map { $0.isEmpty ? TextStyle.dim.paint(glyphs.quoteBar, color: color) : TextStyle.dim.paint(bar, color: color) + $0 }

        case .list(let start, let tight, let items):
            var out: [String] = []
            let markers: [String] = items.indices.map { index in
                if let start { return "\(start + index)." }
                return glyphs.bullet
            }
            let markerWidth = (markers.map(\.visibleWidth).max() ?? 1) + 1
            for (index, item) in items.enumerated() {
                var marker = markers[index]
                if let task = item.task { marker += " " + (task ? glyphs.taskDone : glyphs.taskOpen) }
                let markerColumn = max(markerWidth, marker.visibleWidth + 1)
                let inner = lines(item.blocks, width: width - markerColumn)
                if !tight && index > 0 { out.append("") }
                for (lineIndex, line) in inner.enumerated() {
                    if lineIndex == 0 {
                        let padded = marker + String(repeating: " ", count: markerColumn - marker.visibleWidth)
                        out.append(padded + line)
                    } else {
                        out.append(line.isEmpty ? "" : String(repeating: " ", count: markerColumn) + line)
                    }
                }
                if inner.isEmpty { out.append(marker) }
            }
            return out

        case .codeBlock(let info, let code, _):
            return frame(code: code, label: info.split(separator: " ").first.map(String.init) ?? "", width: width)

        case .htmlBlock(let html):
            return html.split(separator: "\n", omittingEmptySubsequences: false)
                .map { TextStyle.dim.paint(String($0), color: color) }
                .dropLastWhile { $0.isEmpty }

        case .thematicBreak:
            return [TextStyle.dim.paint(String(repeating: glyphs.rule, count: width), color: color)]

        case .table(let table):
            return TableLayout(renderer: self).lines(table, width: width)
        }
    }

    /// A code block in a dimmed frame. The code itself is never wrapped.
    public func frame(code: String, label: String, width: Int) -> [String] {
        var codeLines = code.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if codeLines.last == "" { codeLines.removeLast() }
        let title = label.isEmpty ? "" : " \(label) "
        let topFill = max(2, min(width, 60) - glyphs.frameTop.left.visibleWidth - title.visibleWidth)
        let top = glyphs.frameTop.left + title + String(repeating: glyphs.frameTop.fill, count: topFill)
        let bottom = glyphs.frameBottom.left
            + String(repeating: glyphs.frameBottom.fill, count: max(2, min(width, 60) - glyphs.frameBottom.left.visibleWidth))
        var out = [TextStyle.dim.paint(top, color: color)]
        for line in codeLines {
            out.append(TextStyle.dim.paint(glyphs.frameSide, color: color) + " " + TextStyle.code.paint(line, color: color))
        }
        out.append(TextStyle.dim.paint(bottom, color: color))
        return out
    }

    /// Inline markup as styled spans.
    public func spans(_ inlines: [MarkdownInline], base: TextStyle = []) -> [Span] {
        var out: [Span] = []
        for inline in inlines {
            switch inline {
            case .text(let text):
                out.append(Span(text, base))
            case .code(let code):
                // Without colour the backticks stay, so the reader still sees what is literal.
                out.append(Span(color ? code : "`\(code)`", base.union(.code), atomic: true))
            case .emphasis(let children):
                out += spans(children, base: base.union(.italic))
            case .strong(let children):
                out += spans(children, base: base.union(.bold))
            case .strikethrough(let children):
                if color {
                    out += spans(children, base: base.union(.strike))
                } else {
                    out.append(Span("~~", base)); out += spans(children, base: base); out.append(Span("~~", base))
                }
            case .link(let url, let children):
                let text = children.plainText
                if text == url || "mailto:" + text == url || text.isEmpty {
                    out.append(Span(url, base.union(.link), atomic: true))
                } else {
                    out += spans(children, base: base.union(.underline))
                    out.append(Span(" "))
                    out.append(Span("<\(url)>", base.union(.dim), atomic: true))
                }
            case .image(let url, let alt):
                out.append(Span("[image: \(alt.plainText)]", base.union(.dim)))
                out.append(Span(" "))
                out.append(Span("<\(url)>", base.union(.dim), atomic: true))
            case .html(let html):
                out.append(Span(html, base.union(.dim)))
            case .softBreak:
                out.append(Span(" ", base))
            case .lineBreak:
                out.append(Span("\n", base))
            }
        }
        return out
    }
}

extension String {
    /// Visible width of a string that may hold ANSI SGR sequences.
    var visibleWidthIgnoringANSI: Int {
        var width = 0
        var inEscape = false
        for scalar in unicodeScalars {
            if inEscape {
                if scalar == "m" { inEscape = false }
            } else if scalar == "\u{1B}" {
                inEscape = true
            } else {
                width += 1
            }
        }
        // Combining marks would be over-counted by scalar count; count characters instead when
        // there is no escape at all.
        return contains("\u{1B}") ? width : count
    }

    /// The string with ANSI SGR sequences removed.
    public var strippingANSI: String {
        var out = ""
        var inEscape = false
        for character in self {
            if inEscape {
                if character == "m" { inEscape = false }
            } else if character == "\u{1B}" {
                inEscape = true
            } else {
                out.append(character)
            }
        }
        return out
    }
}

extension Array where Element == String {
    func dropLastWhile(_ predicate: (String) -> Bool) -> [String] {
        var copy = self
        while let last = copy.last, predicate(last) { copy.removeLast() }
        return copy
    }
}
