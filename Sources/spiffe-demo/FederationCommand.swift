import ArgumentParser
import Foundation
import SpiffeAgent
import SpiffeBundles
import SpiffeIdentity

/// `spiffe-demo federation create|list|delete`, with `spire-server federation`'s flags: the local
/// agent's federation relationships, or with -socketPath the SPIRE model server's. (In SPIRE only
/// the server holds them and fetches the foreign bundles; agents receive them by sync.)
struct FederationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "federation",
        abstract: "Federate a trust domain with another (spire-server federation's flags): the local agent's, or with -socketPath the SPIRE model server's.",
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

            With -socketPath the relationship goes to the SPIRE model's server (spiffe-demo \
            server): the server fetches the bundle into its datastore, and its agents receive it \
            by sync for the entries that federate with it.
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

    @Option(name: .customLong("socketPath", withSingleDash: true), help: ArgumentHelp("The SPIRE model server's admin socket: create the relationship there.", valueName: "path"))
    var socketPath: String?

    @OptionGroup var deadline: AdminTimeoutOption

    func run() async throws {
        if let socketPath { return try await createOnServer(socketPath: socketPath) }
        try CLISupport.run("federation create") {
            let (relationship, bootstrap) = try arguments()
            let directory = data.directory
            if let own = directory.trustDomain() {
                if own == relationship.trustDomain { throw CLIError("-trustDomain \(own) is the agent's own trust domain") }
                if bootstrap?.trustDomain == own {
                    throw CLIError("-trustDomainBundlePath: \(relationship.endpointSPIFFEID!) is in the agent's own trust domain, whose bundle it already holds")
                }
            }
            do {
                try relationship.checkFirstBundle(held: bootstrap != nil || directory.federation.bundle(for: relationship.trustDomain) != nil)
                try directory.federation.create(relationship, bootstrap: bootstrap)
            } catch AgentError.badEntry(let reason) {
                throw CLIError(reason)
            } catch {
                throw CLIError("\(error)")
            }
            FederationPrinter.print(relationship)
        }
    }

    /// BatchCreateFederationRelationship on the server's admin socket: the server makes the
    /// checks the local path makes here (its own trust domain, a first bundle), as SPIRE's does.
    func createOnServer(socketPath: String) async throws {
        let (relationship, bootstrap) = try arguments()
        try await AdminClient.call(socketPath: socketPath, timeout: deadline) { try await $0.createFederationRelationship(relationship, bootstrap: bootstrap) }
        FederationPrinter.print(relationship)
    }

    /// The relationship the flags describe, and the bundle -trustDomainBundlePath names, read as
    /// SPIRE's command reads it: as the bundle of the trust domain that authenticates the
    /// endpoint, the endpoint ID's (for a self-serving endpoint, the one federated with).
    func arguments() throws -> (FederationRelationship, SpiffeBundle?) {
        let domain = try JWTCLI.trustDomain(trustDomain, option: "-trustDomain")
        let endpointID: SpiffeID?
        do { endpointID = try endpointSpiffeID.map { try SpiffeID($0) } } catch { throw CLIError("-endpointSpiffeID \(endpointSpiffeID ?? ""): \(error)") }
        if let format = trustDomainBundleFormat, !["pem", "spiffe"].contains(format) {
            throw CLIError("-trustDomainBundleFormat is pem or spiffe, not \(format)")
        }
        let relationship: FederationRelationship
        do {
            relationship = try FederationRelationship(
                trustDomain: domain, bundleEndpointURL: bundleEndpointURL,
                bundleEndpointProfile: bundleEndpointProfile.rawValue, endpointSPIFFEID: endpointID)
        } catch AgentError.badEntry(let reason) {
            throw CLIError(reason)
        } catch {
            throw CLIError(error.description)
        }
        let bootstrap = try trustDomainBundlePath.map { try JWTCLI.readBundle($0, trustDomain: endpointID?.trustDomain ?? domain) }
        return (relationship, bootstrap)
    }
}

/// Prints a relationship as `spire-server federation show` does.
enum FederationPrinter {
    static func print(_ relationship: FederationRelationship) {
        Swift.print("Trust domain              : \(relationship.trustDomain.name)")
        Swift.print("Bundle endpoint URL       : \(relationship.bundleEndpointURL)")
        Swift.print("Bundle endpoint profile   : \(relationship.bundleEndpointProfile)")
        if let id = relationship.endpointSPIFFEID { Swift.print("Endpoint SPIFFE ID        : \(id)") }
    }

    /// `federation list` also says what bundle is held for it.
    static func print(_ relationship: FederationRelationship, held: SpiffeBundle?) {
        print(relationship)
        if let held {
            Swift.print("Bundle held               : \(JWTCLI.count(held.x509Authorities.count, "X.509 authority", "X.509 authorities")), \(JWTCLI.count(held.jwtAuthorities.count, "JWT authority", "JWT authorities")), spiffe_sequence \(held.sequenceNumber.map(String.init) ?? "none")")
        } else {
            Swift.print("Bundle held               : none yet")
        }
    }
}

struct FederationListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the federation relationships and the bundles held for them.")
    @OptionGroup var data: EntryDataDirectoryOption

    @Option(name: .customLong("socketPath", withSingleDash: true), help: ArgumentHelp("The SPIRE model server's admin socket: list its relationships.", valueName: "path"))
    var socketPath: String?

    @OptionGroup var deadline: AdminTimeoutOption

    func run() async throws {
        let listed: [(FederationRelationship, SpiffeBundle?)]
        if let socketPath {
            listed = try await AdminClient.call(socketPath: socketPath, timeout: deadline) { try await $0.federationRelationships() }
        } else {
            let store = data.directory.federation
            do { listed = try store.relationships().map { ($0, store.bundle(for: $0.trustDomain)) } } catch { throw CLIError("\(error)") }
        }
        print("Found \(listed.count) federation relationship\(listed.count == 1 ? "" : "s")")
        for (relationship, held) in listed {
            print("")
            FederationPrinter.print(relationship, held: held)
        }
    }
}

struct FederationDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Remove a federation relationship and the bundle held for it.")
    @Option(name: .customLong("id", withSingleDash: true), help: "The trust domain of the relationship.")
    var id: String
    @OptionGroup var data: EntryDataDirectoryOption

    @Option(name: .customLong("socketPath", withSingleDash: true), help: ArgumentHelp("The SPIRE model server's admin socket: delete the relationship there (the server keeps the bundle, as SPIRE does).", valueName: "path"))
    var socketPath: String?

    @OptionGroup var deadline: AdminTimeoutOption

    func run() async throws {
        if let socketPath {
            let domain = try JWTCLI.trustDomain(id, option: "-id")
            guard try await AdminClient.call(socketPath: socketPath, timeout: deadline, { try await $0.deleteFederationRelationship(domain) }) else {
                throw CLIError("no federation relationship with \(domain)")
            }
            print("Deleted the federation relationship with \(domain.name)")
            return
        }
        try CLISupport.run("federation delete") {
            let domain = try JWTCLI.trustDomain(id, option: "-id")
            let removed: Bool
            do { removed = try data.directory.federation.delete(domain) } catch { throw CLIError("\(error)") }
            guard removed else { throw CLIError("no federation relationship with \(domain)") }
            print("Deleted the federation relationship with \(domain.name)")
        }
    }
}
