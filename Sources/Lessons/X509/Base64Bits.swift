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
