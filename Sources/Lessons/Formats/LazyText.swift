/// Text worked out only when someone reads it.
///
/// A validator's report says what each check saw ("2026-01-31T12:00:00Z .. 13:00:10Z, 59m 50s
/// left"), but most validations are read by no one: a TLS handshake wants the verdict. Building
/// those sentences on every call cost more than the signature check itself, so the checks keep
/// the values and this renders them on demand, the same words as before.
public struct LazyText: Sendable, CustomStringConvertible {
    private enum Source: Sendable {
        case known(String)
        case rendering(@Sendable () -> String)
    }
    private let source: Source

    /// Text that is already known (a literal costs nothing to keep).
    public init(_ text: String) { source = .known(text) }

    /// Text to build from captured values when it is read.
    public init(rendering: @escaping @Sendable () -> String) { source = .rendering(rendering) }

    public var description: String {
        switch source {
        case .known(let text): return text
        case .rendering(let render): return render()
        }
    }
}
