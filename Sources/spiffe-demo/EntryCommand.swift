import ArgumentParser
import Foundation
import SpiffeAgent
import SpiffeIdentity
import SpireAPIProto

/// `spiffe-demo entry create|show|delete`: registration entries of the local agent, with
/// `spire-server entry`'s flags (single dash, camelCase) and selector syntax.
struct EntryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "entry",
        abstract: "Manage registration entries (spire-server entry's flags): the local agent's, or with -socketPath the SPIRE model server's.",
        subcommands: [EntryCreateCommand.self, EntryShowCommand.self, EntryDeleteCommand.self]
    )
}

/// Shared by the entry subcommands.
struct EntryDataDirectoryOption: ParsableArguments {
    @Option(help: ArgumentHelp("The agent's data directory.", valueName: "dir"))
    var dataDir: String = AgentDataDirectory.defaultPath

    var directory: AgentDataDirectory { AgentDataDirectory(URL(fileURLWithPath: dataDir)) }
}

struct EntryCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Register a workload: a SPIFFE ID for the processes matching ALL of the selectors.",
        discussion: """
              spiffe-demo entry create -spiffeID spiffe://example.org/service-a -selector unix:uid:1000
              spiffe-demo entry create -spiffeID spiffe://example.org/web \\
                  -selector unix:uid:1000 -selector unix:path:/usr/bin/web -x509SVIDTTL 300

            Several -selector flags are ANDed: all must match. A workload matching several entries \
            gets several SVIDs. -parentID defaults to the local agent's ID.

            With -socketPath the entry goes to the SPIRE model's server instead (spiffe-demo \
            server), and -parentID is required: the attested agent (or alias) whose workloads it \
            is for. A parent that matches no attested agent and no alias gets a warning: no agent \
            will serve the entry until one with that ID attests.
            """
    )

    @Option(name: .customLong("spiffeID", withSingleDash: true), help: "The SPIFFE ID of the workload.")
    var spiffeID: String

    @Option(name: .customLong("parentID", withSingleDash: true), help: "The agent the entry is for (default: this agent, spiffe://<td>/spire/agent/local).")
    var parentID: String?

    @Option(name: .customLong("selector", withSingleDash: true), help: "A selector type:value, e.g. unix:uid:1000; repeat for AND.")
    var selectors: [String] = []

    @Option(name: .customLong("x509SVIDTTL", withSingleDash: true), help: "X509-SVID lifetime in seconds (default 3600).")
    var x509SVIDTTL: Int = RegistrationEntry.defaultX509SVIDTTL

    @Option(name: .customLong("jwtSVIDTTL", withSingleDash: true), help: "JWT-SVID lifetime in seconds (default 300).")
    var jwtSVIDTTL: Int = RegistrationEntry.defaultJWTSVIDTTL

    @Option(name: .customLong("hint", withSingleDash: true), help: "A hint passed to the workload with the SVID.")
    var hint: String = ""

    @Option(name: .customLong("federatesWith", withSingleDash: true), help: ArgumentHelp(
        "A foreign trust domain (spiffe://partner.example) whose bundle this entry's workloads receive; repeatable. Needs a federation relationship (federation create); with -socketPath the server must already hold the bundle, as SPIRE's does.",
        valueName: "trust-domain"))
    var federatesWith: [String] = []

    @OptionGroup var data: EntryDataDirectoryOption

    @Option(name: .customLong("socketPath", withSingleDash: true), help: ArgumentHelp("The SPIRE model server's admin socket: create the entry there.", valueName: "path"))
    var socketPath: String?

    @OptionGroup var deadline: AdminTimeoutOption

    @Flag(help: "Print the entry as JSON.")
    var json = false

    func run() async throws {
        let id: SpiffeID
        do { id = try SpiffeID(spiffeID) } catch { throw CLIError("-spiffeID \"\(spiffeID)\": \(error)") }
        if let socketPath { return try await createOnServer(id, socketPath: socketPath) }
        let directory = data.directory
        if let existing = directory.trustDomain(), existing != id.trustDomain {
            throw CLIError("-spiffeID \(id) is not in trust domain \(existing), the trust domain of the agent in \(directory.url.path)")
        }
        let parent: SpiffeID
        if let parentID {
            do { parent = try SpiffeID(parentID) } catch { throw CLIError("-parentID \"\(parentID)\": \(error)") }
        } else {
            parent = AgentDataDirectory.agentID(in: id.trustDomain)
        }
        let entry: RegistrationEntry
        do {
            let parsed = try selectors.map { (text: String) throws(AgentError) -> Selector in try Selector(text) }
            let foreign = try foreignTrustDomains()
            entry = try RegistrationEntry(
                spiffeID: id, parentID: parent, selectors: parsed,
                x509SVIDTTL: x509SVIDTTL, jwtSVIDTTL: jwtSVIDTTL, hint: hint, federatesWith: foreign)
            let known = Set(try directory.federation.relationships().map(\.trustDomain))
            try directory.entries.create(entry)
            for trustDomain in foreign where !known.contains(trustDomain) {
                FileHandle.standardError.write(Data("warning: no federation relationship with \(trustDomain) yet: its workloads get its bundle once one exists (spiffe-demo federation create)\n".utf8))
            }
        } catch {
            throw CLIError(error.description)
        }
        if json {
            print(try EntryPrinter.json([entry]))
        } else {
            print(EntryPrinter.lines(entry).joined(separator: "\n"))
        }
    }
}

extension EntryCreateCommand {
    /// -federatesWith, as trust domains (a name or spiffe://name).
    func foreignTrustDomains() throws(AgentError) -> [TrustDomain] {
        try federatesWith.map { (text: String) throws(AgentError) -> TrustDomain in
            do { return try TrustDomain(text) } catch { throw .badEntry("-federatesWith \(text): \(error)") }
        }
    }

    func createOnServer(_ id: SpiffeID, socketPath: String) async throws {
        guard let parentID else { throw CLIError("-parentID is required with -socketPath: the agent (or alias) the entry is for") }
        let parent: SpiffeID
        do { parent = try SpiffeID(parentID) } catch { throw CLIError("-parentID \"\(parentID)\": \(error)") }
        let entry: RegistrationEntry
        do {
            let parsed = try selectors.map { (text: String) throws(AgentError) -> Selector in try Selector(text) }
            entry = try RegistrationEntry(spiffeID: id, parentID: parent, selectors: parsed,
                                          x509SVIDTTL: x509SVIDTTL, jwtSVIDTTL: jwtSVIDTTL, hint: hint,
                                          federatesWith: try foreignTrustDomains())
        } catch {
            throw CLIError(error.description)
        }
        var request = Spire_Api_Server_Entry_V1_BatchCreateEntryRequest()
        request.entries = [.init(entry)]
        let (result, agents, entries) = try await AdminClient.with(socketPath: socketPath, timeout: deadline) { client, options in
            let result = try await Spire_Api_Server_Entry_V1_Entry.Client(wrapping: client).batchCreateEntry(request, options: options).results[0]
            let agents = try await Spire_Api_Server_Agent_V1_Agent.Client(wrapping: client).listAgents(.init(), options: options).agents
            let entries = try await Spire_Api_Server_Entry_V1_Entry.Client(wrapping: client).listEntries(.init(), options: options).entries
            return (result, agents, entries)
        }
        guard result.status.code == 0 else { throw CLIError(result.status.message) }
        let created = try result.entry.registrationEntry()
        let known = Set(agents.compactMap { try? $0.id.spiffeID() } + entries.compactMap { try? $0.spiffeID.spiffeID() })
        if !known.contains(parent) {
            FileHandle.standardError.write(Data("warning: parent \(parent) matches no attested agent and no alias; no agent will serve this entry until one with that ID attests\n".utf8))
        }
        if json {
            print(try EntryPrinter.json([created]))
        } else {
            print(EntryPrinter.lines(created).joined(separator: "\n"))
        }
    }
}

struct EntryShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "List registration entries, optionally filtered."
    )

    @Option(name: .customLong("entryID", withSingleDash: true), help: "Only the entry with this ID.")
    var entryID: String?

    @Option(name: .customLong("spiffeID", withSingleDash: true), help: "Only entries for this SPIFFE ID.")
    var spiffeID: String?

    @Option(name: .customLong("selector", withSingleDash: true), help: "Only entries with this selector (repeatable: all must be present).")
    var selectors: [String] = []

    @Option(name: .customLong("parentID", withSingleDash: true), help: "Only entries with this parent.")
    var parentID: String?

    @OptionGroup var data: EntryDataDirectoryOption

    @Option(name: .customLong("socketPath", withSingleDash: true), help: ArgumentHelp("The SPIRE model server's admin socket: list its entries.", valueName: "path"))
    var socketPath: String?

    @OptionGroup var deadline: AdminTimeoutOption

    @Flag(help: "Print the entries as JSON.")
    var json = false

    func run() async throws {
        var entries: [RegistrationEntry]
        let wanted: [Selector]
        do {
            wanted = try selectors.map { (text: String) throws(AgentError) -> Selector in try Selector(text) }
        } catch {
            throw CLIError(error.description)
        }
        if let socketPath {
            let wire = try await AdminClient.with(socketPath: socketPath, timeout: deadline) { client, options in
                try await Spire_Api_Server_Entry_V1_Entry.Client(wrapping: client).listEntries(.init(), options: options).entries
            }
            entries = try wire.map { try $0.registrationEntry() }
        } else {
            do { entries = try data.directory.entries.load() } catch { throw CLIError(error.description) }
        }
        if let parentID { entries = entries.filter { $0.parentID.description == parentID } }
        if let entryID { entries = entries.filter { $0.entryID == entryID } }
        if let spiffeID { entries = entries.filter { $0.spiffeID.description == spiffeID } }
        if !wanted.isEmpty { entries = entries.filter { entry in wanted.allSatisfy(entry.selectors.contains) } }
        if json {
            print(try EntryPrinter.json(entries))
            return
        }
        print("Found \(entries.count) entr\(entries.count == 1 ? "y" : "ies")")
        for entry in entries {
            print("")
            print(EntryPrinter.lines(entry).joined(separator: "\n"))
        }
    }
}

struct EntryDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete a registration entry; workloads lose its SVID at once."
    )

    @Option(name: .customLong("entryID", withSingleDash: true), help: "The ID of the entry to delete.")
    var entryID: String

    @OptionGroup var data: EntryDataDirectoryOption

    @Option(name: .customLong("socketPath", withSingleDash: true), help: ArgumentHelp("The SPIRE model server's admin socket: delete the entry there.", valueName: "path"))
    var socketPath: String?

    @OptionGroup var deadline: AdminTimeoutOption

    func run() async throws {
        if let socketPath {
            var request = Spire_Api_Server_Entry_V1_BatchDeleteEntryRequest()
            request.ids = [entryID]
            let result = try await AdminClient.with(socketPath: socketPath, timeout: deadline) { client, options in
                try await Spire_Api_Server_Entry_V1_Entry.Client(wrapping: client).batchDeleteEntry(request, options: options).results[0]
            }
            guard result.status.code == 0 else { throw CLIError("no registration entry with ID \(entryID) on the server") }
            print("Deleted entry \(entryID)")
            return
        }
        do {
            let entry = try data.directory.entries.delete(entryID: entryID)
            print("Deleted entry \(entry.entryID) (\(entry.spiffeID))")
        } catch {
            throw CLIError(error.description)
        }
    }
}

/// Entries printed the way `spire-server entry show` prints them.
enum EntryPrinter {
    static func lines(_ entry: RegistrationEntry) -> [String] {
        var lines = [
            "Entry ID         : \(entry.entryID)",
            "SPIFFE ID        : \(entry.spiffeID)",
            "Parent ID        : \(entry.parentID)",
            "X509-SVID TTL    : \(entry.x509SVIDTTL)",
            "JWT-SVID TTL     : \(entry.jwtSVIDTTL)",
        ]
        lines += entry.selectors.map { "Selector         : \($0)" }
        lines += entry.federatesWith.map { "FederatesWith    : \($0.name)" }
        if !entry.hint.isEmpty { lines.append("Hint             : \(entry.hint)") }
        return lines
    }

    static func json(_ entries: [RegistrationEntry]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(["entries": entries]), as: UTF8.self)
    }
}
