import ExerciseKit
import Foundation

/// Exercise `server-config-check` (Day 12): the first problem SPIRE 1.15's server would have with
/// the `server { … }` block of a server.conf, in the order SPIRE meets it
/// (cmd/spire-server/cli/run/run.go at v1.15.3: `validateConfig`, then `NewServerConfig`).
///
/// `block` is that block already parsed (see `ServerConfigBlock`: every value as text, a nested
/// block as `ServerConfigBlock.nestedBlock`). The plugins block, the command line (`-trustDomain`,
/// `-dataDir`) and the form of the trust domain name are not part of this exercise. Go through
/// SPIRE's passes in order and return the first problem:
///
/// 1. Required settings: `trust_domain`, then `data_dir`. A setting written as "" is as good as
///    absent: `.missing(key)`. (SPIRE checks bind_address and bind_port there too, but only after
///    filling in its defaults, 0.0.0.0 and 8081, so leaving them out is never a problem.)
/// 2. Lifetimes, in the order SPIRE parses them: `agent_ttl`, `default_x509_svid_ttl`,
///    `default_jwt_svid_ttl`, `ca_ttl`. A value that is not a Go duration:
///    `.notADuration(key)`. Use `SpireServerSettings.durationSeconds`; "" counts as not written.
/// 3. Keys the block does not have (`SpireServerSettings.knownKeys`): `.unknownKey(key)`. When
///    there are several, name the first in alphabetical order, as SPIRE lists them sorted.
/// 4. Only a warning, reported only if nothing above stopped the server (SPIRE logs it while it
///    parses the lifetimes, so a server that then stops on an unknown key has logged both): a
///    TTL longer than ca_ttl / 6, capped at 7 days, which a CA rotation could cut short
///    (`MaxSVIDTTLForCATTL` in pkg/server/ca/manager/manager.go). Check `default_x509_svid_ttl`,
///    then `default_jwt_svid_ttl`, then `agent_ttl` if it is written: `.tooLongForCATTL(key)`.
///    A TTL equal to the limit is fine. Where a lifetime is not written, SPIRE uses its default:
///    ca_ttl 24h, default_x509_svid_ttl 1h, default_jwt_svid_ttl 5m.
///
/// Return nil when SPIRE would start without a word. Day 12, "server.conf, setting by setting",
/// explains each rule.
///
/// Grade it with `workbook exercise 12`, or `workbook watch 12` to re-grade on every save.
public func serverConfigProblem(_ block: ServerConfigBlock) throws(ExerciseError) -> ServerConfigProblem? {
    throw .notDone
}
