import Testing
@testable import Workbook

@Suite struct RenderingTests {
    let plain = TerminalRenderer.plain(width: 40)

    @Test func wrappingNeverSplitsWordsAndRespectsWidth() {
        let text = "Every workload in a trust domain receives a short-lived identity document called an SVID, renewed automatically."
        let output = plain.render(Markdown.parse(text))
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines.count > 2)
        for line in lines { #expect(line.count <= 40, "line too long: \(line)") }
        // Rejoining the lines gives back the words in order: nothing was split or lost.
        #expect(lines.joined(separator: " ") == text)
    }

    @Test func codeSpansAreNeverBrokenAcrossLines() {
        let text = "To see it, run `workbook run 3 --step make-svid --live` in a second terminal now."
        let lines = TerminalRenderer.plain(width: 30).render(Markdown.parse(text)).split(separator: "\n")
        #expect(lines.contains { $0.contains("`workbook run 3 --step make-svid --live`") })
    }

    @Test func aWordLongerThanTheLineOverflowsWhole() {
        let url = "spiffe://example.org/" + String(repeating: "a", count: 50)
        let lines = TerminalRenderer.plain(width: 20).render(Markdown.parse("ID \(url) here")).split(separator: "\n")
        #expect(lines == ["ID", Substring(url), "here"])
    }

    @Test func codeBlocksAreFramedAndNotWrapped() {
        let long = String(repeating: "x", count: 70)
        let output = TerminalRenderer.plain(width: 40).render(Markdown.parse("```swift\nlet a = 1\n\(long)\n```"))
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("+- swift ") == true)
        #expect(lines.contains("| let a = 1"))
        #expect(lines.contains("| " + long))
        #expect(lines.last?.hasPrefix("+-") == true)
    }

    @Test func linksShowTextAndURL() {
        let output = plain.render(Markdown.parse("Read [the spec](https://spiffe.io/x) and <https://example.org/>."))
        #expect(output.contains("the spec <https://spiffe.io/x>"))
        #expect(output.contains("https://example.org/"))
        #expect(!output.contains("<https://example.org/>"), "an autolink is shown once, as its URL")
    }

    @Test func headingsListsQuotesAndEmphasis() {
        let md = "# Title\n\n## Part\n\n### Small\n\nSome *emphasis* and **strong**.\n\n- one\n- two\n\n1. first\n2. second\n\n> quoted text\n\n- [x] done\n- [ ] open\n"
        let output = TerminalRenderer.plain(width: 60).render(Markdown.parse(md))
        #expect(output.contains("Title\n====="))
        #expect(output.contains("Part\n----"))
        #expect(output.contains("### Small"))
        #expect(output.contains("Some emphasis and strong."))
        #expect(output.contains("* one\n* two"))
        #expect(output.contains("1. first\n2. second"))
        #expect(output.contains("> quoted text"))
        #expect(output.contains("* [x] done"))
        #expect(output.contains("* [ ] open"))
    }

    @Test func tablesFitOrFallBackToRecords() {
        let md = """
        | Field | Leaf | Signing |
        |---|---|---|
        | Basic constraints | cA false | cA true |
        | Key usage | digitalSignature, never keyCertSign | keyCertSign |
        """
        let blocks = Markdown.parse(md)
        let wide = TerminalRenderer.plain(width: 120).render(blocks)
        #expect(wide.contains(" Field             | Leaf"))
        #expect(wide.contains("-+-"))
        let medium = TerminalRenderer.plain(width: 50).render(blocks)
        for line in medium.split(separator: "\n") { #expect(line.count <= 50, "\(line)") }
        #expect(medium.contains("digitalSignature"))
        let narrow = TerminalRenderer.plain(width: 24).render(blocks)
        // Too narrow for columns: one record per row.
        #expect(narrow.contains("* Field: Basic"))
        #expect(narrow.contains("Signing: keyCertSign"))
    }

    @Test func colourOnlyWhenAsked() {
        let blocks = Markdown.parse("Some **bold** and `code`.")
        let coloured = TerminalRenderer(width: 80, color: true, glyphs: .unicode).render(blocks)
        #expect(coloured.contains("\u{1B}["))
        #expect(coloured.strippingANSI.contains("Some bold and code."))
        let plainOutput = TerminalRenderer(width: 80, color: false, glyphs: .unicode).render(blocks)
        #expect(!plainOutput.contains("\u{1B}"))
    }

    @Test func outputStyleFollowsTTYAndNoColor() {
        let tty = OutputStyle.detect(plain: false, environment: ["TERM": "xterm"], isTerminal: true)
        #expect(tty.color && tty.pager)
        let noColor = OutputStyle.detect(plain: false, environment: ["NO_COLOR": "", "TERM": "xterm"], isTerminal: true)
        #expect(!noColor.color)
        let pipe = OutputStyle.detect(plain: false, environment: ["TERM": "xterm"], isTerminal: false)
        #expect(!pipe.color && !pipe.pager)
        let plain = OutputStyle.detect(plain: true, environment: ["TERM": "xterm"], isTerminal: true)
        #expect(!plain.color && !plain.pager)
        #expect(OutputStyle.detect(plain: true, environment: ["COLUMNS": "57"], isTerminal: false).width == 57)
        #expect(OutputStyle.detect(plain: true, width: 33, environment: ["COLUMNS": "57"], isTerminal: false).width == 33)
        #expect(OutputStyle.detect(plain: true, environment: [:], isTerminal: false).width == 80)
    }
}
