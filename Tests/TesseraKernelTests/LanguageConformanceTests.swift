import Foundation
import XCTest
import TesseraKernel

/// Runs the language's executable cases: this repository's own (`Language/`, beside this
/// file) always, and the cases of `../shared/language-tests` (or `TESSERA_LANGUAGE_TESTS`)
/// when that folder exists. Each case runs in a fresh session, cell by cell, checking
/// stdout, results and errors.
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

    /// This repository's cases.
    static var ownFolder: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Language")
    }

    /// Further cases beside the repository, if any: nil when there are none, so a clone
    /// on its own still passes.
    static var sharedFolder: URL? {
        if let env = ProcessInfo.processInfo.environment["TESSERA_LANGUAGE_TESTS"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        // Tests/TesseraKernelTests/<this file> -> the repository root -> ../shared
        let beside = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/language-tests")
        return FileManager.default.fileExists(atPath: beside.path) ? beside : nil
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

    /// Every case of the `.tsr` files in `folder`.
    func cases(in folder: URL) throws -> [Case] {
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".tsr") }.sorted()
        XCTAssertFalse(files.isEmpty, "no .tsr cases found in \(folder.path)")
        return try files.flatMap { file in
            Self.parse(try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8), file: file)
        }
    }

    func testOwnLanguageCases() throws {
        let cases = try cases(in: Self.ownFolder)
        XCTAssertGreaterThan(cases.count, 70, "the repository's own cases")
        for c in cases { check(c) }
    }

    func testSharedLanguageCases() throws {
        guard let folder = Self.sharedFolder else {
            throw XCTSkip("no language cases beside the repository (../shared/language-tests); the repository's own cases ran")
        }
        let cases = try cases(in: folder)
        XCTAssertGreaterThan(cases.count, 40, "expected the shared suite's cases")
        for c in cases { check(c) }
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
