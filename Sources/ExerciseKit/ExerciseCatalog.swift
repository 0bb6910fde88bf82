/// Every exercise the workbook grades, by id.
public enum ExerciseCatalog {
    public static let all: [Exercise] = [
        LeafKeyUsageCases.exercise, EndpointSocketCases.exercise, JWTSVIDRulesCases.exercise, BundleChoiceCases.exercise,
        WorkloadIDPathCases.exercise, PeerAuthorizationCases.exercise, RoleTrustPolicyCases.exercise,
        RenewalDueCases.exercise, PublishedChainCases.exercise, ChainToBundleCases.exercise, JoinTokenDecisionCases.exercise, AWSIIDDecisionCases.exercise, AgentSyncPlanCases.exercise, ServerConfigCheckCases.exercise, EntryMatchingCases.exercise, LeafMatchesEntryCases.exercise, CredentialRiskCases.exercise, GroupChoiceCases.exercise, FederationTrustCases.exercise,
    ]

    public static func exercise(_ id: String) -> Exercise? {
        all.first { $0.id == id }
    }
}
