import ArgumentParser
import CPUBackend

@main
struct Zoetrope: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zoetrope",
        abstract: "Video from text, images and video with open diffusion-transformer weights, in Swift.",
        version: "0.1.0",
        subcommands: [GenerateCommand.self, ExtendCommand.self, ConnectCommand.self, StoryboardCommand.self, ZoomCommand.self,
                      BeatsCommand.self, ServeCommand.self, WorkerCommand.self, InspectCommand.self, BenchCommand.self,
                      MemoryCommand.self, CompareCommand.self])

    /// ArgumentParser's entry point, after refusing a thread setting the engine could not honour.
    static func main() async {
        do {
            if let problem = CPUBackend.threadSettingProblem { throw ThreadSettingError(description: problem) }
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

/// A ZOETROPE_THREADS value the engine cannot use: one line, exit status 1.
struct ThreadSettingError: Error, CustomStringConvertible {
    let description: String
}
