import Foundation

/// The output streams a cell writes to.
public enum OutputStreamName: String, Sendable {
    case stdout, stderr
}

/// Where a running cell's side effects go. The kernel implements it per front end
/// (stream messages, display_data, input_request); `StandardHost` writes to the process's
/// own stdout and stderr.
public protocol ScriptHost: AnyObject {
    /// Text from `print` (stdout) or `warn` (stderr).
    func write(_ text: String, to stream: OutputStreamName)
    /// Shows a value now (`display(x)`); with `displayID`, later calls with the same id
    /// update it in place.
    func display(_ value: Value, displayID: String?, update: Bool) throws
    /// `clear(wait:)`: clears the cell's output, or with `wait`, just before the next output.
    func clearOutput(wait: Bool)
    /// `input(prompt)`: asks the front end for a line of text.
    func readInput(prompt: String, password: Bool) throws -> String
}

/// A host for scripts run outside a notebook: text goes to stdout/stderr, `display`
/// prints the plain text, `input` reads a line from stdin.
public final class StandardHost: ScriptHost {
    public init() {}

    public func write(_ text: String, to stream: OutputStreamName) {
        let handle = stream == .stdout ? FileHandle.standardOutput : FileHandle.standardError
        handle.write(Data(text.utf8))
    }

    public func display(_ value: Value, displayID: String?, update: Bool) throws {
        write(value.debugDescriptionForDisplay + "\n", to: .stdout)
    }

    public func clearOutput(wait: Bool) {}

    public func readInput(prompt: String, password: Bool) throws -> String {
        write(prompt, to: .stdout)
        guard let line = readLine() else {
            throw ScriptError(.io, "input(\"\(prompt)\") reached the end of standard input")
        }
        return line
    }
}

extension Value {
    /// What `display` shows as text: strings unquoted, everything else as a result.
    public var debugDescriptionForDisplay: String {
        if case .string(let s) = self { return s }
        return debugDescription
    }
}
