/// The path of `relative` inside `Tests/Fixtures` (`fixturePath("wan_vae/a/config.json")`), found from
/// this file's own location, so tests run from any working directory.
public func fixturePath(_ relative: String) -> String {
    // Tests/TestSupport/FixturePath.swift -> Tests/Fixtures/<relative>
    var components = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    components.removeLast(2)
    return "\(components.joined(separator: "/"))/Fixtures/\(relative)"
}

/// The path of `relative` inside the repository (`repositoryPath("models/zoetrope-tiny")`).
public func repositoryPath(_ relative: String) -> String {
    // Tests/TestSupport/FixturePath.swift -> <repository>/<relative>
    var components = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    components.removeLast(3)
    return "\(components.joined(separator: "/"))/\(relative)"
}
