import ExerciseKit

/// Exercise `group-choice` (Day 19): which key exchange does a TLS 1.3 server pick, and does it
/// cost a HelloRetryRequest?
///
/// A ClientHello lists the groups the client supports, most preferred first (supported_groups,
/// RFC 8446 §4.2.7), and carries key shares for some of them (key_share, §4.2.8). The server picks
/// one group both sides support. If the client sent a share of that group, the ServerHello
/// answers with the server's share; if not, the server sends a HelloRetryRequest naming the group
/// (§4.1.4) and the client tries again. Answer as BoringSSL's server does, the TLS library
/// behind the toolkit's `tls-server`:
/// - GREASE values (`isGREASE`, RFC 8701) are never chosen, whichever list they are in;
/// - only supported_groups is an offer: a key share of a group the client did not list there
///   makes no group common;
/// - with `.client` preference (BoringSSL's default), the chosen group is the first one in the
///   client's supported_groups that the server supports; with `.server`, the first one in
///   `server` that the client listed. A group listed twice keeps its first place;
/// - the server never trades its choice for a group that happens to have a share;
/// - then count the client's shares of the chosen group: none, a HelloRetryRequest; one, a
///   ServerHello; more than one, `.duplicateKeyShare` (illegal_parameter). Shares of other groups
///   are not examined.
/// No group in common: `.noCommonGroup`. Day 19, "A hybrid group on the wire", explains the rule.
///
/// Grade it with `workbook exercise 19`, or `workbook watch 19` to re-grade on every save.
public func chooseGroup(_ offer: ClientGroupOffer, server: [NamedGroup], preference: GroupPreference) throws(ExerciseError) -> GroupChoice {
    throw .notDone
}
