/// Lays out a GFM table for a terminal.
///
/// Columns get their natural width when the table fits; otherwise they shrink (cells wrap at word
/// boundaries) down to their longest word. When even that does not fit, each row is shown as a
/// small record ("Header: value" lines), which stays readable at 40 columns.
struct TableLayout {
    let renderer: TerminalRenderer

    func lines(_ table: MarkdownTable, width: Int) -> [String] {
        let columns = max(table.header.count, table.rows.map(\.count).max() ?? 0)
        guard columns > 0 else { return [] }
        func cell(_ row: [[MarkdownInline]], _ index: Int) -> [Span] {
            index < row.count ? renderer.spans(row[index]) : []
        }
        let header = (0..<columns).map { cell(table.header, $0) }
        let rows = table.rows.map { row in (0..<columns).map { cell(row, $0) } }
        let all = [header] + rows

        let natural = (0..<columns).map { column in
            all.map { Self.flatWidth($0[column]) }.max() ?? 0
        }
        let minimum = (0..<columns).map { column in
            max(3, all.map { Self.longestWord($0[column]) }.max() ?? 0)
        }
        let overhead = 2 * columns + (columns - 1)
        var widths: [Int]
        if natural.reduce(0, +) + overhead <= width {
            widths = natural.map { max($0, 1) }
        } else if minimum.reduce(0, +) + overhead <= width {
            widths = minimum
            var spare = width - overhead - minimum.reduce(0, +)
            let wants = (0..<columns).map { max(0, natural[$0] - minimum[$0]) }
            let totalWant = wants.reduce(0, +)
            if totalWant > 0 {
                for column in 0..<columns {
                    let share = wants[column] * spare / totalWant
                    widths[column] += share
                }
                spare = width - overhead - widths.reduce(0, +)
                // Hand out what integer division left over, one column at a time.
                var column = 0
                while spare > 0 && column < columns * 4 {
                    let c = column % columns
                    if widths[c] < natural[c] { widths[c] += 1; spare -= 1 }
                    column += 1
                }
            }
        } else {
            return records(header: header, rows: rows, width: width)
        }

        var out: [String] = []
        out += row(header.map { $0.map { Span($0.text, $0.style.union(.bold), atomic: $0.atomic) } },
                   widths: widths, alignments: table.alignments)
        let separator = widths.map { String(repeating: renderer.glyphs.tableHorizontal, count: $0 + 2) }
            .joined(separator: renderer.glyphs.tableCross)
        out.append(TextStyle.dim.paint(separator, color: renderer.color))
        for cells in rows {
            out += row(cells, widths: widths, alignments: table.alignments)
        }
        return out
    }

    private func row(_ cells: [[Span]], widths: [Int], alignments: [MarkdownTable.Alignment]) -> [String] {
        let wrapped: [[String]] = cells.enumerated().map { index, spans in
            TextWrapper(width: widths[index], color: renderer.color).wrap(spans)
        }
        let height = wrapped.map(\.count).max() ?? 1
        var out: [String] = []
        for lineIndex in 0..<height {
            var parts: [String] = []
            for (column, lines) in wrapped.enumerated() {
                let text = lineIndex < lines.count ? lines[lineIndex] : ""
                let pad = max(0, widths[column] - text.visibleWidthIgnoringANSI)
                let alignment = column < alignments.count ? alignments[column] : .none
                let padded: String
                switch alignment {
                case .right: padded = String(repeating: " ", count: pad) + text
                case .center: padded = String(repeating: " ", count: pad / 2) + text + String(repeating: " ", count: pad - pad / 2)
                default: padded = text + String(repeating: " ", count: pad)
                }
                parts.append(" " + padded + " ")
            }
            let bar = TextStyle.dim.paint(renderer.glyphs.tableVertical, color: renderer.color)
            out.append(trimTrailingSpaces(parts.joined(separator: bar)))
        }
        return out
    }

    /// Narrow fallback: one record per row.
    private func records(header: [[Span]], rows: [[[Span]]], width: Int) -> [String] {
        var out: [String] = []
        for (index, cells) in rows.enumerated() {
            if index > 0 { out.append("") }
            for (column, spans) in cells.enumerated() {
                let label = column < header.count ? header[column].map(\.text).joined() : "Column \(column + 1)"
                let marker = column == 0 ? renderer.glyphs.bullet + " " : "  "
                let labelSpan = Span(label + ":", .bold)
                let wrapped = TextWrapper(width: width, color: renderer.color)
                    .wrap([labelSpan, Span(" ")] + spans, prefix: (marker, "  ", 2))
                out += wrapped
            }
        }
        return out
    }

    private func trimTrailingSpaces(_ line: String) -> String {
        var copy = line
        while copy.hasSuffix(" ") { copy.removeLast() }
        return copy
    }

    static func flatWidth(_ spans: [Span]) -> Int {
        spans.reduce(0) { $0 + $1.text.replacingOccurrences(of: "\n", with: " ").visibleWidth }
    }

    static func longestWord(_ spans: [Span]) -> Int {
        TextWrapper.tokenize(spans).reduce(0) { longest, token in
            if case .word(let word) = token { return max(longest, word.width) }
            return longest
        }
    }
}
