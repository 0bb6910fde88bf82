import Foundation

/// A short fingerprint of a file's bytes, to notice that it changed since the workbook last
/// graded or wrote it (an exercise edited after its pass, an assembled analysis edited by hand).
/// FNV-1a, 64 bits: change detection on the learner's own files, not a defence against forgery.
enum ContentDigest {
    static func of(_ data: Data) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return "fnv1a64:" + String(hash, radix: 16)
    }
}
