// Sources/ExerciseKit/WorkloadPathRule.swift
//
// The answer type of the Day 7 exercise `workload-id-path`: which rule a workload ID's path
// breaks. It lives in ExerciseKit (like AllowedPeers.swift) because the stub, the cases and the
// reference solution all name it.

/// A rule of SPIFFE-ID §2.2 (and, for `.empty`, X509-SVID §3.1) that a workload's path breaks.
///
/// The toolkit's parser reports these as `SpiffeIDError` cases with an index;
/// `WorkloadIDPathCases.toolkitRule(_:)` maps one onto the other.
public enum WorkloadPathRule: String, Sendable, Equatable, CaseIterable, CustomStringConvertible {
    /// No path at all: `spiffe://example.org` names the trust domain, not a workload
    /// (X509-SVID §3.1: a leaf's SPIFFE ID has a non-root path).
    case empty
    /// A non-empty path that does not start with `/`.
    case notAbsolute
    /// Two slashes in a row: a segment with nothing in it.
    case emptySegment
    /// A segment that is exactly `.` or `..`.
    case dotSegment
    /// A `%`: SPIFFE IDs are never percent-encoded, not even for a character that is allowed.
    case percentEncoding
    /// A character outside `a-z A-Z 0-9 . - _` (a space, `~`, `?`, `#`, `é`, …).
    case badCharacter
    /// The path ends with `/` (the path `/` alone included: its only segment is empty, at the end).
    case trailingSlash

    public var description: String {
        switch self {
        case .empty: return "the path is empty: that is the trust domain's own ID, not a workload's (X509-SVID §3.1)"
        case .notAbsolute: return "the path does not start with '/' (SPIFFE-ID §2.2)"
        case .emptySegment: return "a segment is empty ('//') (SPIFFE-ID §2.2)"
        case .dotSegment: return "a segment is '.' or '..' (SPIFFE-ID §2.2)"
        case .percentEncoding: return "the path is percent-encoded ('%') (SPIFFE-ID §2.2)"
        case .badCharacter: return "a character is outside a-z A-Z 0-9 . - _ (SPIFFE-ID §2.2)"
        case .trailingSlash: return "the path ends with '/' (SPIFFE-ID §2.2)"
        }
    }
}
