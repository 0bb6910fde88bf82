/// Where the server keeps its CA's private key, as SPIRE's KeyManager plugins decide.
///
/// - `memory`: only in the process. A restart loses the key, so the server makes a new CA; its
///   root joins the bundle beside the old one (which stays until it expires), but agents that
///   know only the old root cannot verify the restarted server until they are given the new
///   bundle.
/// - `disk`: in a file (0600) under the data directory; a restart keeps the same CA.
///
/// SPIRE's other server KeyManagers hand the key to a key service (aws_kms, gcp_kms,
/// azure_key_vault, hashicorp_vault), which signs for the server so the key never enters its
/// memory; an HSM would be reached the same way, through a plugin. The model has none of these.
public enum KeyManager: String, Sendable, CaseIterable {
    case memory
    case disk
}
