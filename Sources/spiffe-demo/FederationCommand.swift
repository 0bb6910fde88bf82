import ArgumentParser
import Foundation
import SpiffeAgent
import SpiffeBundles
import SpiffeIdentity

/// `spiffe-demo federation create|list|delete`: the local agent's federation relationships, with
/// `spire-server federation`'s flags. (In SPIRE the server holds them and fetches the foreign
/// bundles; agents receive them by sync. The SPIRE model's server does not federate yet.)
struct FederationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "federation",
        abstract: "Federate the local agent's trust domain with another (spire-server federation's flags).",
        subcommands: [FederationCreateCommand.self, FederationListCommand.self, FederationDeleteCommand.self]
    )
}

struct FederationCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Add a federation relationship: where the other trust domain's bundle endpoint is, and how to authenticate it.",
        discussion: """
              spiffe-demo federation create -trustDomain partner.example \\
                  -bundleEndpointURL https://127.0.0.1:8444/ -bundleEndpointProfile https_spiffe \\
                  -endpointSpiffeID spiffe://partner.example/spire/server -trustDomainBundlePath partner.pem

            A running agent notices the change, fetches the bundle at once and again at each \
            spiffe_refresh_hint, and hands it to the workloads whose entries say \
            -federatesWith spiffe://partner.example. https_spiffe needs the other trust domain's \
            bundle for the first fetch (-trustDomainBundlePath, obtained out of band) when the \
            endpoint serves its own trust domain's bundle.
            """
    )

    @Option(name: .customLong("trustDomain", withSingleDash: true), help: "The trust domain to federate with.")
    var trustDomain: String

    @Option(name: .customLong("bundleEndpointURL", withSingleDash: true), help: "Its bundle endpoint (https://…).")
    var bundleEndpointURL: String

    @Option(name: .customLong("bundleEndpointProfile", withSingleDash: true), help: "https_web or https_spiffe.")
    var bundleEndpointProfile: ProfileName

    @Option(name: .customLong("endpointSpiffeID", withSingleDash: true), help: "https_spiffe: the SPIFFE ID the endpoint presents.")
    var endpointSpiffeID: String?

    @Option(name: .customLong("trustDomainBundlePath", withSingleDash: true), help: "The bundle, obtained out of band, that authenticates the endpoint's first fetch: that of -endpointSpiffeID's trust domain.")
    var trustDomainBundlePath: String?

    @Option(name: .customLong("trustDomainBundleFormat", withSingleDash: true), help: "Its format: pem or spiffe (default: recognised).")
    var trustDomainBundleFormat: String?

    @OptionGroup var data: EntryDataDirectoryOption

    func run() async throws {
        try CLISupport.run("federation create") {
            let domain = try JWTCLI.trustDomain(trustDomain, option: "-trustDomain")
            let directory = data.directory
            if let own = directory.trustDomain(), own == domain {
                throw CLIError("-trustDomain \(domain) is the agent's own trust domain")
            }
            let endpointID: SpiffeID?
            do { endpointID = try endpointSpiffeID.map { try SpiffeID($0) } } catch { throw CLIError("-endpointSpiffeID \(endpointSpiffeID ?? ""): \(error)") }
            if let format = trustDomainBundleFormat, !["pem", "spiffe"].contains(format) {
                throw CLIError("-trustDomainBundleFormat is pem or spiffe, not \(format)")
            }
            // As SPIRE reads it: the bundle of the trust domain that authenticates the endpoint,
            // the endpoint ID's (for a self-serving endpoint, the one federated with).
            let bundleDomain = endpointID?.trustDomain ?? domain
            if trustDomainBundlePath != nil, let own = directory.trustDomain(), own == bundleDomain {
                throw CLIError("-trustDomainBundlePath: \(endpointID!) is in the agent's own trust domain, whose bundle it already holds")
            }
            let bootstrap = try trustDomainBundlePath.map { try JWTCLI.readBundle($0, trustDomain: bundleDomain) }
            do {
                let relationship = try FederationRelationship(
                    trustDomain: domain, bundleEndpointURL: bundleEndpointURL,
                    bundleEndpointProfile: bundleEndpointProfile.rawValue, endpointSPIFFEID: endpointID)
                let endpoint = try relationship.endpoint()
                if endpoint.isSelfServing && bootstrap == nil && directory.federation.bundle(for: domain) == nil {
                    throw CLIError("-trustDomainBundlePath is needed: \(endpointID!) serves the bundle of its own trust domain, so its first fetch must be authenticated by a bundle of \(domain) obtained out of band")
                }
                try directory.federation.create(relationship, bootstrap: bootstrap)
            } catch let error as AgentError {
                throw CLIError(error.description)
            }
            print("Trust domain              : \(domain.name)")
            print("Bundle endpoint URL       : \(bundleEndpointURL)")
            print("Bundle endpoint profile   : \(bundleEndpointProfile.rawValue)")
            if let endpointID { print("Endpoint SPIFFE ID        : \(endpointID)") }
        }
    }
}

struct FederationListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the federation relationships and the bundles held for them.")
    @OptionGroup var data: EntryDataDirectoryOption

    func run() async throws {
        try CLISupport.run("federation list") {
            let store = data.directory.federation
            let relationships: [FederationRelationship]
            do { relationships = try store.relationships() } catch { throw CLIError("\(error)") }
            print("Found \(relationships.count) federation relationship\(relationships.count == 1 ? "" : "s")")
            for relationship in relationships {
                print("")
                print("Trust domain              : \(relationship.trustDomain.name)")
                print("Bundle endpoint URL       : \(relationship.bundleEndpointURL)")
                print("Bundle endpoint profile   : \(relationship.bundleEndpointProfile)")
                if let id = relationship.endpointSPIFFEID { print("Endpoint SPIFFE ID        : \(id)") }
                if let bundle = store.bundle(for: relationship.trustDomain) {
                    print("Bundle held               : \(JWTCLI.count(bundle.x509Authorities.count, "X.509 authority", "X.509 authorities")), \(JWTCLI.count(bundle.jwtAuthorities.count, "JWT authority", "JWT authorities")), spiffe_sequence \(bundle.sequenceNumber.map(String.init) ?? "none")")
                } else {
                    print("Bundle held               : none yet")
                }
            }
        }
    }
}

struct FederationDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Remove a federation relationship and the bundle held for it.")
    @Option(name: .customLong("id", withSingleDash: true), help: "The trust domain of the relationship.")
    var id: String
    @OptionGroup var data: EntryDataDirectoryOption

    func run() async throws {
        try CLISupport.run("federation delete") {
            let domain = try JWTCLI.trustDomain(id, option: "-id")
            let removed: Bool
            do { removed = try data.directory.federation.delete(domain) } catch { throw CLIError("\(error)") }
            guard removed else { throw CLIError("no federation relationship with \(domain)") }
            print("Deleted the federation relationship with \(domain.name)")
        }
    }
}
