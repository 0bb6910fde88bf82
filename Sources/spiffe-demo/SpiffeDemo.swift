import ArgumentParser

@main
struct SpiffeDemo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spiffe-demo",
        abstract: "The SPIFFE toolkit the workbook's exercises run on.",
        subcommands: [
            MakeSVIDCommand.self, InspectCommand.self, ValidateCommand.self,
            TLSServerCommand.self, TLSClientCommand.self, SVIDExchangeCommand.self,
            AgentCommand.self, EntryCommand.self, FetchCommand.self,
            JWTSVIDCommand.self, JWTParseCommand.self, BundleCommand.self, OIDCDiscoveryCommand.self,
            IDCommand.self, ServerCommand.self, TokenCommand.self, IIDCommand.self, PQCCommand.self, FederationCommand.self,
        ]
    )

    /// Errors from any subcommand print as one line on stderr with a non-zero exit (CLISupport).
    static func main() async {
        await CLISupport.main(SpiffeDemo.self)
    }
}
