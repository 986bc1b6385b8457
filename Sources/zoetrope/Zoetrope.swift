import ArgumentParser

@main
struct Zoetrope: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zoetrope",
        abstract: "Video from text, images and video with open diffusion-transformer weights, in Swift.",
        version: "0.1.0",
        subcommands: [GenerateCommand.self, ExtendCommand.self, ConnectCommand.self, StoryboardCommand.self, ZoomCommand.self,
                      BeatsCommand.self, ServeCommand.self, WorkerCommand.self, InspectCommand.self, BenchCommand.self,
                      MemoryCommand.self, CompareCommand.self])
}
