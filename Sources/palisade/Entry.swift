import ArgumentParser
import PalisadeCLI

/// Thin entry point: everything lives in `PalisadeCLI` so tests can call it.
@main
extension PalisadeCommand {}
