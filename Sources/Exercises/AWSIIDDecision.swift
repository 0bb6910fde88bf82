import ExerciseKit
import SpiffeIdentity

/// Exercise `aws-iid-decision` (Day 10): what the aws_iid node attestor decides once the
/// instance identity document's signature has verified.
///
/// `document` holds the three fields the agent ID is made of. Return `.agent(id)` with the ID
/// SPIRE's default agent path template gives,
/// `spiffe://<trustDomain>/spire/agent/aws_iid/<accountId>/<region>/<instanceId>`, or
/// `.refused(reason)`:
///
/// - `.accountNotAllowed`: `allowedAccounts` is not empty and does not hold `document.accountId`
///   (an empty list admits any account, as the model's `--aws-iid-account` does when none is
///   given);
/// - `.badField`: a field cannot be exactly one segment of the path: it is empty, it contains
///   `/`, or the ID it makes is one `SpiffeID(trustDomain:path:)` refuses (a `..`, a space, …).
///   The `/` rule is stricter than SPIRE and the model, which rely on AWS's signature for the
///   values' shape: a `/` would not make the ID invalid, it would make it a different ID;
/// - `.alreadyAttested`: the agent ID is already in `attested` (trust on first use: each instance
///   attests once).
///
/// Each case the grader tries breaks at most one of these rules. The model's server checks them
/// in this order (Sources/Lessons/Server/NodeAttestor.swift, `attest`). Day 10, "From document
/// to agent ID" and "One attestation per instance: trust on first use", has the rules.
///
/// Grade it with `workbook exercise 10`, or `workbook watch 10` to re-grade on every save.
public func awsIIDDecision(
    _ document: IIDFields, trustDomain: TrustDomain, allowedAccounts: Set<String>, attested: Set<SpiffeID>
) throws(ExerciseError) -> IIDDecision {
    throw .notDone
}
