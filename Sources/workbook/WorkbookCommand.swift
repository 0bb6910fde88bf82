import ArgumentParser
import Workbook

@main
struct WorkbookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workbook",
        abstract: "A hands-on workbook for SPIFFE and SPIRE."
    )
}
