import X509

extension Certificate.SerialNumber {
    /// A random serial that fits RFC 5280 §4.1.2.2: positive and at most 20 octets once DER
    /// encoded. 20 random bytes alone are not enough: when the first has its top bit set, DER
    /// adds a zero octet to keep the integer positive, and the serial becomes 21 octets. So the
    /// top bit is cleared (159 random bits remain, as many as anyone needs for uniqueness).
    public static func randomForSVID() -> Certificate.SerialNumber {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<20).map { _ in UInt8.random(in: 0 ... .max, using: &generator) }
        bytes[0] &= 0x7F
        if bytes[0] == 0 { bytes[0] = 0x01 }   // keep all 20 octets: no leading zero to strip
        return Certificate.SerialNumber(bytes: bytes)
    }
}
