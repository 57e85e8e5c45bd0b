import Foundation
import XCTest
import TesseraKernel

/// Runs every case of `../shared/language-tests` (LANGUAGE.md's executable examples):
/// each case in a fresh session, cell by cell, checking stdout, results and errors.
final class LanguageConformanceTests: XCTestCase {
    struct Cell {
        var code = ""
        var result: String?
        var error: (kind: String, words: String?)?
    }

    struct Case {
        var name: String
        var file: String
        var cells: [Cell] = [Cell()]
        var expected: [String] = []
    }

    static var folder: URL {
        if let env = ProcessInfo.processInfo.environment["TESSERA_LANGUAGE_TESTS"] {
            return URL(fileURLWithPath: env)
        }
        // Tests/TesseraKernelTests/<this file> -> the repository root -> ../shared
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/language-tests")
    }

    static func parse(_ text: String, file: String) -> [Case] {
        var cases: [Case] = []
        for line in text.components(separatedBy: "\n") {
            if line.hasPrefix("// === ") {
                cases.append(Case(name: String(line.dropFirst(7)), file: file))
                continue
            }
            guard !cases.isEmpty else { continue }
            let i = cases.count - 1
            if line.hasPrefix("// --- cell") {
                cases[i].cells.append(Cell())
            } else if line.hasPrefix("// expect: ") || line == "// expect:" {
                cases[i].expected.append(String(line.dropFirst(min(line.count, 11))))
            } else if line.hasPrefix("// result: ") {
                cases[i].cells[cases[i].cells.count - 1].result = String(line.dropFirst(11))
            } else if line.hasPrefix("// error: ") {
                let spec = line.dropFirst(10)
                let parts = spec.split(separator: ":", maxSplits: 1)
                let words = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : nil
                cases[i].cells[cases[i].cells.count - 1].error = (String(parts[0]), words)
            } else {
                cases[i].cells[cases[i].cells.count - 1].code += line + "\n"
            }
        }
        return cases
    }

    func testEveryLanguageCase() throws {
        let dir = Self.folder
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".tsr") }.sorted()
        XCTAssertFalse(files.isEmpty, "no .tsr cases found in \(dir.path)")
        var count = 0
        for file in files {
            let text = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
            for c in Self.parse(text, file: file) {
                count += 1
                check(c)
            }
        }
        XCTAssertGreaterThan(count, 40, "expected the shared suite's cases")
    }

    func check(_ c: Case) {
        let harness = KernelHarness()
        var stdout = ""
        for (n, cell) in c.cells.enumerated() {
            let where_ = "\(c.file): '\(c.name)', cell \(n + 1)"
            let out = harness.execute(cell.code)
            stdout += out.stdout
            XCTAssertEqual(out.result, cell.result, "result of \(where_)")
            if let expected = cell.error {
                XCTAssertEqual(out.error?.content["ename"]?.stringValue, expected.kind, "error kind of \(where_): \(out.errorText)")
                if let words = expected.words {
                    XCTAssertTrue(out.errorText.contains(words), "error text of \(where_) should contain '\(words)': \(out.errorText)")
                }
            } else {
                XCTAssertNil(out.error, "unexpected error in \(where_): \(out.errorText)")
            }
        }
        var lines = stdout.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        XCTAssertEqual(lines, c.expected, "stdout of \(c.file): '\(c.name)'")
    }

    func testCaseFileParser() {
        let cases = Self.parse("// === a\nprint(1)\n// expect: 1\n// --- cell\nx\n// error: NameError: x\n// === b\n2\n// result: 2\n", file: "f")
        XCTAssertEqual(cases.count, 2)
        XCTAssertEqual(cases[0].cells.count, 2)
        XCTAssertEqual(cases[0].expected, ["1"])
        XCTAssertEqual(cases[0].cells[1].error?.kind, "NameError")
        XCTAssertEqual(cases[0].cells[1].error?.words, "x")
        XCTAssertEqual(cases[1].cells[0].result, "2")
    }
}
