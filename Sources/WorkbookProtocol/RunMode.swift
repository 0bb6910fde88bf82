/// Where a step gets its SVIDs from.
///
/// `live` talks to a Workload API endpoint (a real SPIRE agent, or `spiffe-demo agent`);
/// `simulated` uses a CA kept in the day's workspace, so every exercise also runs with no agent.
public enum RunMode: String, Sendable, Codable, CaseIterable {
    case simulated
    case live
}
