/// Where the server keeps its CA's private key, as SPIRE's KeyManager plugins decide.
///
/// - `memory`: only in the process. A restart loses the key, so the server makes a new CA; its
///   root joins the bundle beside the old one (which stays until it expires), but agents that
///   know only the old root cannot verify the restarted server until they are given the new
///   bundle.
/// - `disk`: in a file (0600) under the data directory; a restart keeps the same CA.
///
/// SPIRE also has KeyManagers backed by a cloud KMS or an HSM (PKCS#11), which keep the key out
/// of the server's memory altogether; the model has none.
public enum KeyManager: String, Sendable, CaseIterable {
    case memory
    case disk
}
