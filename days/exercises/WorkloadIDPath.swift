import ExerciseKit

/// Exercise `workload-id-path` (Day 7): the path rules of a workload's SPIFFE ID.
///
/// `path` is everything after the trust domain: `/ns/prod/sa/provisioning` in
/// `spiffe://example.org/ns/prod/sa/provisioning`. Return nil when it is a valid path for a
/// workload's ID, or the rule it breaks (SPIFFE-ID §2.2; X509-SVID §3.1 for the empty path):
///
/// - `.empty`: a workload's ID has a path; without one it names the trust domain itself;
/// - `.notAbsolute`: a path starts with `/`;
/// - `.emptySegment`: no segment is empty (`//`);
/// - `.dotSegment`: no segment is exactly `.` or `..`;
/// - `.percentEncoding`: no `%`, not even one that encodes an allowed character;
/// - `.badCharacter`: segments use only `a-z A-Z 0-9 . - _`;
/// - `.trailingSlash`: the path does not end with `/` (an empty *last* segment is reported
///   as this rule, as go-spiffe and the toolkit do).
///
/// The path is case-sensitive: uppercase letters are allowed and are not folded. Your answer
/// must be the rule the toolkit's parser (`SpiffeID`, Sources/Lessons/Identity/SpiffeID.swift)
/// reports. A few paths break two rules by the letter of §2.2: a `%` is also outside the allowed
/// characters, and a trailing `/` also leaves an empty last segment. Report `.percentEncoding`
/// and `.trailingSlash` for them, as the toolkit does. Day 7, "The path, rule by rule", explains
/// each rule.
///
/// Grade it with `workbook exercise 7`, or `workbook watch 7` to re-grade on every save.
public func workloadPathProblem(_ path: String) throws(ExerciseError) -> WorkloadPathRule? {
    throw .notDone
}
