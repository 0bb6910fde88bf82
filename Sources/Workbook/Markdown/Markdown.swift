import CCmark
import Foundation

/// A Markdown document as a Swift value tree, parsed by libcmark-gfm (GitHub's fork of the
/// CommonMark reference implementation) with the table, tasklist, strikethrough and autolink
/// extensions. The C tree is converted once and freed, so the rest of the workbook never touches
/// C pointers.
public indirect enum MarkdownBlock: Sendable, Equatable {
    case heading(level: Int, [MarkdownInline])
    case paragraph([MarkdownInline])
    case blockQuote([MarkdownBlock])
    /// `start` is nil for a bullet list. `items` are the item bodies; `task` is nil for an
    /// ordinary item and true/false for a checked/unchecked task item.
    case list(start: Int?, tight: Bool, items: [MarkdownListItem])
    case codeBlock(info: String, code: String, line: Int)
    case htmlBlock(String)
    case thematicBreak
    case table(MarkdownTable)
}

public struct MarkdownListItem: Sendable, Equatable {
    public var task: Bool?
    public var blocks: [MarkdownBlock]
}

public struct MarkdownTable: Sendable, Equatable {
    public enum Alignment: Sendable, Equatable { case left, center, right, none }
    public var alignments: [Alignment]
    public var header: [[MarkdownInline]]
    public var rows: [[[MarkdownInline]]]
}

public indirect enum MarkdownInline: Sendable, Equatable {
    case text(String)
    case code(String)
    case emphasis([MarkdownInline])
    case strong([MarkdownInline])
    case strikethrough([MarkdownInline])
    case link(url: String, [MarkdownInline])
    case image(url: String, alt: [MarkdownInline])
    case html(String)
    case softBreak
    case lineBreak

    /// The text with all markup removed.
    public var plainText: String {
        switch self {
        case .text(let s), .code(let s), .html(let s): return s
        case .emphasis(let c), .strong(let c), .strikethrough(let c), .link(_, let c), .image(_, let c):
            return c.map(\.plainText).joined()
        case .softBreak: return " "
        case .lineBreak: return "\n"
        }
    }
}

extension Array where Element == MarkdownInline {
    public var plainText: String { map(\.plainText).joined() }
}

public enum Markdown {
    /// Parses `text` (CommonMark + GFM tables, task lists, strikethrough, autolinks).
    public static func parse(_ text: String) -> [MarkdownBlock] {
        cmark_gfm_core_extensions_ensure_registered()
        guard let parser = cmark_parser_new(CMARK_OPT_DEFAULT | CMARK_OPT_SOURCEPOS) else { return [] }
        defer { cmark_parser_free(parser) }
        for name in ["table", "tasklist", "strikethrough", "autolink"] {
            if let extensionPointer = cmark_find_syntax_extension(name) {
                cmark_parser_attach_syntax_extension(parser, extensionPointer)
            }
        }
        let bytes = Array(text.utf8)
        bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                cmark_parser_feed(parser, $0, buffer.count)
            }
        }
        guard let document = cmark_parser_finish(parser) else { return [] }
        defer { cmark_node_free(document) }
        return children(of: document).compactMap { block($0, depth: 1) }
    }

    /// How deep blocks (lists in lists, quotes in quotes) and inlines (emphasis in emphasis) are
    /// kept as a tree. Deeper content is kept as plain text in one paragraph: the conversion,
    /// the renderer and every walk over the tree recurse, and a lesson with a list nested 900
    /// deep overflowed the stack. No lesson needs more than a few levels.
    public static let nestingLimit = 32

    // MARK: Conversion from the C tree

    private static func children(of node: OpaquePointer) -> [OpaquePointer] {
        var result: [OpaquePointer] = []
        var child = cmark_node_first_child(node)
        while let current = child {
            result.append(current)
            child = cmark_node_next(current)
        }
        return result
    }

    private static func typeName(_ node: OpaquePointer) -> String {
        guard let name = cmark_node_get_type_string(node) else { return "" }
        return String(cString: name)
    }

    private static func literal(_ node: OpaquePointer) -> String {
        guard let value = cmark_node_get_literal(node) else { return "" }
        return String(cString: value)
    }

    private static func block(_ node: OpaquePointer, depth: Int) -> MarkdownBlock? {
        guard depth <= nestingLimit else {
            let text = plainText(of: node)
            return text.isEmpty ? nil : .paragraph([.text(text)])
        }
        let childBlock = { (child: OpaquePointer) in Self.block(child, depth: depth + 1) }
        let childInlines = { (node: OpaquePointer) in Self.inlines(of: node, depth: depth + 1) }
        switch typeName(node) {
        case "heading":
            return .heading(level: Int(cmark_node_get_heading_level(node)), childInlines(node))
        case "paragraph":
            return .paragraph(childInlines(node))
        case "block_quote":
            return .blockQuote(children(of: node).compactMap(childBlock))
        case "list":
            let ordered = cmark_node_get_list_type(node) == CMARK_ORDERED_LIST
            let items = children(of: node).map { item -> MarkdownListItem in
                let task: Bool? = typeName(item) == "tasklist"
                    ? cmark_gfm_extensions_get_tasklist_item_checked(item) : nil
                return MarkdownListItem(task: task, blocks: children(of: item).compactMap(childBlock))
            }
            return .list(
                start: ordered ? Int(cmark_node_get_list_start(node)) : nil,
                tight: cmark_node_get_list_tight(node) != 0,
                items: items
            )
        case "code_block":
            let info = cmark_node_get_fence_info(node).map { String(cString: $0) } ?? ""
            return .codeBlock(info: info, code: literal(node), line: Int(cmark_node_get_start_line(node)))
        case "html_block":
            return .htmlBlock(literal(node))
        case "thematic_break":
            return .thematicBreak
        case "table":
            return .table(table(node, depth: depth))
        default:
            // Unknown block types (e.g. footnote definitions, which we do not enable) keep their
            // children so no text is lost.
            let inner = children(of: node).compactMap(childBlock)
            return inner.isEmpty ? nil : .blockQuote(inner)
        }
    }

    private static func table(_ node: OpaquePointer, depth: Int) -> MarkdownTable {
        let columns = Int(cmark_gfm_extensions_get_table_columns(node))
        var alignments: [MarkdownTable.Alignment] = []
        if let raw = cmark_gfm_extensions_get_table_alignments(node) {
            for i in 0..<columns {
                switch UInt8(raw[i]) {
                case UInt8(ascii: "l"): alignments.append(.left)
                case UInt8(ascii: "c"): alignments.append(.center)
                case UInt8(ascii: "r"): alignments.append(.right)
                default: alignments.append(.none)
                }
            }
        } else {
            alignments = Array(repeating: .none, count: columns)
        }
        var header: [[MarkdownInline]] = []
        var rows: [[[MarkdownInline]]] = []
        for row in children(of: node) {
            let cells = children(of: row).map { inlines(of: $0, depth: depth + 1) }
            if cmark_gfm_extensions_get_table_row_is_header(row) != 0 {
                header = cells
            } else {
                rows.append(cells)
            }
        }
        return MarkdownTable(alignments: alignments, header: header, rows: rows)
    }

    /// The inlines of `node`; past the nesting limit, all of its text as one run, so words,
    /// breaks and spaces between its children are kept.
    private static func inlines(of node: OpaquePointer, depth: Int) -> [MarkdownInline] {
        guard depth <= nestingLimit else {
            let text = plainText(of: node)
            return text.isEmpty ? [] : [.text(text)]
        }
        return children(of: node).compactMap { inline($0, depth: depth) }
    }

    private static func inline(_ node: OpaquePointer, depth: Int) -> MarkdownInline? {
        let childInlines = { (node: OpaquePointer) in Self.inlines(of: node, depth: depth + 1) }
        switch typeName(node) {
        case "text": return .text(literal(node))
        case "code": return .code(literal(node))
        case "emph": return .emphasis(childInlines(node))
        case "strong": return .strong(childInlines(node))
        case "strikethrough": return .strikethrough(childInlines(node))
        case "link":
            let url = cmark_node_get_url(node).map { String(cString: $0) } ?? ""
            return .link(url: url, childInlines(node))
        case "image":
            let url = cmark_node_get_url(node).map { String(cString: $0) } ?? ""
            return .image(url: url, alt: childInlines(node))
        case "html_inline": return .html(literal(node))
        case "softbreak": return .softBreak
        case "linebreak": return .lineBreak
        default:
            let inner = childInlines(node)
            return inner.isEmpty ? (literal(node).isEmpty ? nil : .text(literal(node))) : .emphasis(inner)
        }
    }

    /// All the text below `node`, walked with cmark's iterator (a loop, not recursion, so any
    /// depth is fine); breaks and block ends become spaces.
    private static func plainText(of node: OpaquePointer) -> String {
        guard let iterator = cmark_iter_new(node) else { return "" }
        defer { cmark_iter_free(iterator) }
        var text = ""
        while true {
            let event = cmark_iter_next(iterator)
            if event == CMARK_EVENT_DONE { break }
            guard let current = cmark_iter_get_node(iterator) else { continue }
            switch typeName(current) {
            case "text", "code", "code_block", "html_inline", "html_block":
                if event == CMARK_EVENT_ENTER { text += literal(current) }
            case "softbreak", "linebreak":
                text += " "
            case "paragraph", "heading", "item":
                if event == CMARK_EVENT_EXIT, !text.isEmpty, text.last != " " { text += " " }
            default:
                break
            }
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
