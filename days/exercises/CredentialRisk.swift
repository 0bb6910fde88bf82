import ExerciseKit
import Foundation

/// Exercise `credential-risk` (Day 21): the Risk column of §1 of your analysis, the credential
/// inventory.
///
/// This is the course's rubric, not a rule of a SPIFFE standard: a way to rank the credentials
/// your provisioning service holds today, so that §6 can say which ones SVIDs should replace
/// first. Day 21, "Rating a credential", states it with worked examples, and §1's template
/// (days/analysis/01-inventory.md) gives the same rubric in words.
///
/// 1. Rate each of the four factors low, medium or high:
///    - lifetime of one copy (`lifetime`, in seconds): up to one day (86 400 s, that second
///      included) low; up to 90 days (7 776 000 s) medium; longer, or no expiry (`nil`), high;
///    - use: `.possession` low; `.bearer` medium;
///    - readers: `.nobody` or `.oneWorkload` low; `.host` medium; `.people` high;
///    - rotation: automated low; by a person high.
/// 2. The rating is the worst of the four.
/// 3. It is `.critical` instead when no factor is low: a bearer secret that lives longer than a
///    day, is rotated by a person, and can be read beyond its one workload.
/// 4. A credential that signs other credentials (`signsCredentials`: a CA key, a JWT signing key)
///    is rated at least `.high`, and `.critical` when anyone beyond its holder can read it
///    (`.host` or `.people`): whoever copies it can become any workload it issues for.
///
/// Return the rating. Grade it with `workbook exercise 21`, or `workbook watch 21` to re-grade on
/// every save.
public func credentialRisk(_ credential: InventoryCredential) throws(ExerciseError) -> CredentialRisk {
    throw .notDone
}
