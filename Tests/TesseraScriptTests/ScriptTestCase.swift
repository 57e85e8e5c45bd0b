import XCTest
@testable import TesseraScript

/// Collects a cell's side effects.
final class CapturingHost: ScriptHost {
    var stdout = ""
    var stderr = ""
    var displayed: [Value] = []
    func write(_ text: String, to stream: OutputStreamName) {
        if stream == .stdout { stdout += text } else { stderr += text }
    }
    func display(_ value: Value, displayID: String?, update: Bool) throws { displayed.append(value) }
    func clearOutput(wait: Bool) {}
    func readInput(prompt: String, password: Bool) throws -> String { "typed" }
}

/// Runs cells in one session on a large stack and reports results and errors.
class ScriptTestCase: XCTestCase {
    var host = CapturingHost()
    var interpreter: Interpreter!
    var cellNumber = 0

    override func setUp() {
        host = CapturingHost()
        interpreter = Interpreter(host: host)
        cellNumber = 0
    }

    /// The cell's result as text/plain, or nil.
    @discardableResult
    func run(_ code: String, file: StaticString = #filePath, line: UInt = #line) -> String? {
        cellNumber += 1
        do {
            let src = Source(name: "cell \(cellNumber)", text: code)
            return try LargeStack.run { try interpreter.run(src) }?.debugDescription
        } catch {
            XCTFail("unexpected error: \(error)", file: file, line: line)
            return nil
        }
    }

    /// The error the cell ends with.
    func error(_ code: String, file: StaticString = #filePath, line: UInt = #line) -> ScriptError? {
        cellNumber += 1
        do {
            let src = Source(name: "cell \(cellNumber)", text: code)
            let r = try LargeStack.run { try interpreter.run(src) }
            XCTFail("expected an error, got \(r?.debugDescription ?? "no result")", file: file, line: line)
        } catch let e as ScriptError {
            return e
        } catch {
            XCTFail("unexpected error type: \(error)", file: file, line: line)
        }
        return nil
    }

    /// Runs the cell and returns what it printed.
    func output(_ code: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        host.stdout = ""
        run(code, file: file, line: line)
        return host.stdout
    }
}
