/// Turns base64 digits (6 bits each) into bytes, for the two base64 readers of the toolkit:
/// PEM bodies (RFC 7468, the standard alphabet) and JWS parts (RFC 7515, base64url).
public struct Base64Bits {
    // Inlinable: the readers call `append` once per character, from other modules.
    @usableFromInline var pending: UInt32 = 0   // bits read but not yet a whole byte
    @usableFromInline var pendingCount = 0
    @usableFromInline var decoded: [UInt8] = []
    /// The bytes so far.
    @inlinable
    public var bytes: [UInt8] { decoded }

    @inlinable
    public init(capacity: Int = 0) { decoded.reserveCapacity(capacity) }

    /// The value of one base64 digit, or nil for a byte outside the alphabet. The two
    /// alphabets differ only in digits 62 and 63: `+ /` (RFC 4648 §4, PEM) or `- _` (§5, JWS).
    @inlinable
    public static func digit(_ byte: UInt8, urlSafe: Bool) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0") + 52
        case urlSafe ? UInt8(ascii: "-") : UInt8(ascii: "+"): return 62
        case urlSafe ? UInt8(ascii: "_") : UInt8(ascii: "/"): return 63
        default: return nil
        }
    }

    /// Appends one digit's six bits.
    @inlinable
    public mutating func append(_ digit: UInt8) {
        pending = pending << 6 | UInt32(digit)
        pendingCount += 6
        if pendingCount >= 8 {
            pendingCount -= 8
            decoded.append(UInt8(truncatingIfNeeded: pending >> UInt32(pendingCount)))
            pending &= (1 << UInt32(pendingCount)) - 1
        }
    }

    /// True when the bits left over after the last whole byte are all zero: the encoding is the
    /// canonical one. Otherwise "...Q" and "...R" would decode to the same bytes, and one
    /// signature or certificate would have many spellings.
    @inlinable
    public var isCanonical: Bool { pending == 0 }
}
