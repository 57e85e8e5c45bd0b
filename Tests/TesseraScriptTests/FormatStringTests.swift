import XCTest
@testable import TesseraScript

/// `String(format:)` against what C's printf (and Python's `%`) writes for the same format.
final class FormatStringTests: ScriptTestCase {
    func testConversionsFlagsWidthsAndPrecisions() {
        XCTAssertEqual(run(#"String(format: "%.2f|%5d|%-5d|%05.1f|%+d|% d", 3.14159, 42, 42, 2.5, 5, 7)"#), #""3.14|   42|42   |002.5|+5| 7""#)
        XCTAssertEqual(run(#"String(format: "%e|%.3E|%g|%G", 12345.678, 0.5, 0.0001, 1e20)"#), #""1.234568e+04|5.000E-01|0.0001|1E+20""#)
        XCTAssertEqual(run(#"String(format: "%x|%X|%o|%#x|%08.3d", 255, -1, 8, 255, 7)"#), #""ff|FFFFFFFFFFFFFFFF|10|0xff|     007""#)
        XCTAssertEqual(run(#"String(format: "%s|%@|%5.2s|%-4s|", "hi", [1, 2], "abcdef", "ab")"#), #""hi|[1, 2]|   ab|ab  |""#)
        XCTAssertEqual(run(#"String(format: "accuracy %.1f%% after %ld epochs", 97.5, 3)"#), #""accuracy 97.5% after 3 epochs""#)
        XCTAssertEqual(run(#"String(format: "%.3f", 7)"#), #""7.000""#, "an Int formats as a Double under %f")
        XCTAssertEqual(run(#"String(format: "no conversions")"#), #""no conversions""#)
        XCTAssertEqual(run(#"String(format: "%u|%lu", 7, -1)"#), #""7|18446744073709551615""#, "%u is unsigned, as C's")
    }

    func testAWrongFormatIsAnErrorNamingWhatIsWrong() {
        let cases: [(String, String)] = [
            (#"String(format: "%d", 2.5)"#, "%d needs an Int, got Double"),
            (#"String(format: "%f", "x")"#, "%f needs a number, got String"),
            (#"String(format: "%d %d", 1)"#, "more conversions than the 1 value given"),
            (#"String(format: "%d", 1, 2)"#, "1 conversion but 2 values"),
            (#"String(format: "%99999d", 1)"#, "above 10000"),
            (#"String(format: "%.99999f", 1.0)"#, "above 10000"),
            (#"String(format: "%k", 1)"#, "'%k' is not a conversion"),
            (#"String(format: "50%")"#, "ends in the middle of a conversion"),
        ]
        for (code, message) in cases {
            let e = error(code)
            XCTAssertEqual(e?.kind, .value, code)
            XCTAssertTrue(e?.message.contains(message) == true, "\(code): \(e?.message ?? "no error")")
        }
        XCTAssertEqual(error(#"String(format: 3)"#)?.kind, .type)
        XCTAssertEqual(error(#"String(format: "%d", x: 1)"#)?.kind, .type)
    }
}
