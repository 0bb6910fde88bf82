// exercise-grader: grades the learner's exercises in Sources/Exercises against the cases they do
// not see. The workbook builds it (incrementally, in the checkout's own build folder) and runs it
// as a child process with a time limit, reading one JSON GradingEvent per line.
//
//     exercise-grader grade <exercise-id>     one GradingEvent per line
//     exercise-grader hints <exercise-id>     one hint per line
//     exercise-grader list
import ExerciseKit
import Exercises
import Foundation

func emit(_ event: GradingEvent) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    // Written straight to the file descriptor: nothing may sit in a buffer if the next case traps.
    FileHandle.standardOutput.write((try! encoder.encode(event)) + Data("\n".utf8))
}

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "list":
    for exercise in ExerciseCatalog.all { print("\(exercise.id)\tday \(exercise.day)\t\(exercise.file)") }
case "hints" where arguments.count == 2:
    guard let exercise = ExerciseCatalog.exercise(arguments[1]) else {
        FileHandle.standardError.write(Data("exercise-grader: no exercise '\(arguments[1])'\n".utf8))
        exit(64)
    }
    for hint in exercise.hints { print(hint) }
case "grade" where arguments.count == 2:
    let cases: [GradingCase]
    switch arguments[1] {
    case LeafKeyUsageCases.exercise.id: cases = LeafKeyUsageCases.cases(leafKeyUsageProblem)
    case JWTSVIDRulesCases.exercise.id: cases = JWTSVIDRulesCases.cases(brokenJWTSVIDRule)
    case BundleChoiceCases.exercise.id: cases = BundleChoiceCases.cases(bundleTrustDomain)
    case WorkloadIDPathCases.exercise.id: cases = WorkloadIDPathCases.cases(workloadPathProblem)
    case EndpointSocketCases.exercise.id: cases = EndpointSocketCases.cases(parseEndpointSocket)
    case RoleTrustPolicyCases.exercise.id: cases = RoleTrustPolicyCases.cases(roleTrustDecision)
    case RenewalDueCases.exercise.id: cases = RenewalDueCases.cases(renewalAdvice)
    case PublishedChainCases.exercise.id: cases = PublishedChainCases.cases(publishedPath)
    case ChainToBundleCases.exercise.id: cases = ChainToBundleCases.cases(pathToBundle)
    case JoinTokenDecisionCases.exercise.id: cases = JoinTokenDecisionCases.cases(joinTokenDecision)
    case AWSIIDDecisionCases.exercise.id: cases = AWSIIDDecisionCases.cases(awsIIDDecision)
    case AgentSyncPlanCases.exercise.id: cases = AgentSyncPlanCases.cases(agentSyncPlan)
    case ServerConfigCheckCases.exercise.id: cases = ServerConfigCheckCases.cases(serverConfigProblem)
    case EntryMatchingCases.exercise.id: cases = EntryMatchingCases.cases(matchingIdentities)
    case LeafMatchesEntryCases.exercise.id: cases = LeafMatchesEntryCases.cases(leafMismatch)
    case CredentialRiskCases.exercise.id: cases = CredentialRiskCases.cases(credentialRisk)
    case GroupChoiceCases.exercise.id: cases = GroupChoiceCases.cases(chooseGroup)
    case FederationTrustCases.exercise.id: cases = FederationTrustCases.cases(peerBundle)
    case PeerAuthorizationCases.exercise.id: cases = PeerAuthorizationCases.cases(isAuthorized)
    default:
        FileHandle.standardError.write(Data("exercise-grader: no exercise '\(arguments[1])' (known: \(ExerciseCatalog.all.map(\.id).joined(separator: ", ")))\n".utf8))
        exit(64)
    }
    _ = Grading.run(arguments[1], cases, report: emit)
default:
    FileHandle.standardError.write(Data("usage: exercise-grader grade|hints <exercise-id> | exercise-grader list\n".utf8))
    exit(64)
}
