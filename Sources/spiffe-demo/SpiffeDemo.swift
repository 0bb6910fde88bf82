import ArgumentParser
import Lessons

@main
struct SpiffeDemo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spiffe-demo",
        abstract: "The SPIFFE toolkit the workbook's exercises run on.",
        subcommands: [
            TLSServerCommand.self, TLSClientCommand.self, SVIDExchangeCommand.self,
            AgentCommand.self, EntryCommand.self, FetchCommand.self,
        ]
    )
}
