import ArgumentParser

@main
struct Zoetrope: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zoetrope",
        abstract: "Text to video with open diffusion-transformer weights, in Swift.",
        version: "0.1.0",
        subcommands: [GenerateCommand.self, InspectCommand.self, BenchCommand.self, MemoryCommand.self])
}
