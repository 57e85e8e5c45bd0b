import XCTest
@testable import TesseraKernel
import TesseraScript

/// Large values are shown truncated, as numpy and pandas show theirs, within the limits
/// `displayOptions(...)` sets.
final class LargeValueDisplayTests: XCTestCase {
    let k = KernelHarness()

    override func tearDown() {
        _ = k.execute("%reset")
    }

    func html(_ outcome: KernelHarness.Outcome) -> String {
        outcome.messages.first { $0.msgType == "execute_result" }?.content["data"]?["text/html"]?.stringValue ?? ""
    }

    func testLongArraysShowHeadAndTail() throws {
        let shown = try XCTUnwrap(k.execute("Array(0..<100000)").result)
        XCTAssertEqual(shown, "[0, 1, 2, 3, 4, … 99,990 more elements …, 99995, 99996, 99997, 99998, 99999]")
        XCTAssertEqual(k.execute("print(Array(0..<2000))").stdout, "[0, 1, 2, 3, 4, … 1,990 more elements …, 1995, 1996, 1997, 1998, 1999]\n", "print elides as numpy's str does")
        XCTAssertEqual(k.execute("Array(0..<1000).count").result, "1000")
        XCTAssertFalse(try XCTUnwrap(k.execute("Array(0..<1000)").result).contains("more"), "at the limit, every element")
        let nested = try XCTUnwrap(k.execute("Array(repeating: Array(0..<5000), count: 3000)").result)
        XCTAssertLessThan(nested.count, 2_000, "each level elides")
        let dict = try XCTUnwrap(k.execute("var d = [:]\nfor i in 0..<5000 { d[i] = i }\nd").result)
        XCTAssertTrue(dict.contains("… 4,990 more entries …"))
    }

    func testLongStringsShowHeadAndTail() throws {
        let shown = try XCTUnwrap(k.execute(#"String(repeating: "ab", count: 50000)"#).result)
        XCTAssertLessThan(shown.count, 2_100)
        XCTAssertTrue(shown.contains("… 98,000 more characters …"))
        XCTAssertEqual(k.execute(#"print(String(repeating: "ab", count: 50000).count)"#).stdout, "100000\n")
        XCTAssertEqual(k.execute(#"print(String(repeating: "ab", count: 5000))"#).stdout.count, 10_001, "print writes a String whole")
    }

    func testWideAndLongFramesAreCut() throws {
        _ = k.execute(#"let wide = readCSV("\#(try wideCSV())")"#)
        let text = try XCTUnwrap(k.execute("wide").result)
        let header = try XCTUnwrap(text.split(separator: "\n").dropFirst().first)
        XCTAssertEqual(header.split(separator: " ").count, 21, "10 + … + 10 columns: \(header)")
        XCTAssertTrue(text.hasPrefix("Frame: 30 rows × 784 columns"))
        XCTAssertEqual(text.split(separator: "\n").count, 5 + 11, "caption, header, rule, dtype, missing, then 5 + … + 5 rows")
        XCTAssertLessThan(html(k.execute("wide")).count, 20_000)
        _ = k.execute("displayOptions(maxRows: 4, maxColumns: 6)")
        let small = try XCTUnwrap(k.execute("wide").result)
        XCTAssertEqual(small.split(separator: "\n")[1].split(separator: " ").count, 7)
        XCTAssertEqual(small.split(separator: "\n").count, 3 + 2 + 5)
    }

    func testFloatsShowSixSignificantDigits() throws {
        let described = try XCTUnwrap(k.execute(#"dataset("iris").describe()"#).result)
        XCTAssertTrue(described.contains("5.84333"), described)
        XCTAssertFalse(described.contains("5.843333333"), described)
        _ = k.execute("displayOptions(precision: 3)")
        XCTAssertTrue(try XCTUnwrap(k.execute(#"dataset("iris").describe()"#).result).contains("5.84 "))
        _ = k.execute("%reset")
        XCTAssertTrue(try XCTUnwrap(k.execute(#"dataset("iris").describe()"#).result).contains("5.84333"), "%reset restores the defaults")
    }

    func testDisplayOptionsSaysWhatIsInEffectAndRefusesNonsense() throws {
        XCTAssertEqual(k.execute("displayOptions()").result, #"["maxRows": 10, "maxColumns": 20, "precision": 6, "maxItems": 1000, "maxCharacters": 2000]"#)
        XCTAssertTrue(k.execute("displayOptions(precision: 0)").errorText.contains("displayOptions(precision:) must be in 1...17"))
        XCTAssertTrue(k.execute(#"displayOptions(maxRows: "all")"#).errorText.contains("TypeError"))
        XCTAssertTrue(k.execute("displayOptions(rows: 5)").errorText.contains("TypeError"))
        XCTAssertEqual(k.execute("displayOptions(maxItems: 10)\nArray(0..<11)").result, "[0, 1, 2, 3, 4, … 1 more element …, 6, 7, 8, 9, 10]")
    }

    private func wideCSV() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("wide-\(UUID().uuidString).csv").path
        var text = (0..<784).map { "pixel\($0)" }.joined(separator: ",") + "\n"
        for r in 0..<30 { text += (0..<784).map { String(($0 * 7 + r) % 256) }.joined(separator: ",") + "\n" }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }
}
