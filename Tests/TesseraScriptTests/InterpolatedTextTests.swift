import XCTest
@testable import TesseraScript

final class InterpolatedTextTests: XCTestCase {
    private func join(_ parts: [Value]) -> String {
        parts.withUnsafeBufferPointer(InterpolatedText.join)
    }

    func testIntsAreWrittenAsSwiftWritesThem() {
        for i in [0, 1, -1, 9, 10, -10, 1234567890, Int.max, Int.min, Int.max - 1, Int.min + 1] {
            XCTAssertEqual(join([.int(i)]), String(i))
        }
    }

    func testPartsJoinAsPrintWritesThem() {
        XCTAssertEqual(join([.string("x = "), .int(-3), .string(", y = "), .double(0.1 + 0.2), .string("\n")]),
                       "x = -3, y = 0.30000000000000004\n")
        XCTAssertEqual(join([.double(2), .string(" "), .double(-0.0), .string(" "), .double(1e300)]), "2.0 -0.0 1e+300")
        // Other values go the general way, unquoted.
        XCTAssertEqual(join([.string("a"), .nil, .bool(true), .array([.string("q"), .int(1)])]), "aniltrue[\"q\", 1]")
        XCTAssertEqual(join([.string("caf\u{E9} "), .string("日本"), .int(3)]), "café 日本3")
        XCTAssertEqual(join([]), "")
    }

    func testTextLongerThanTheBufferIsJoinedWhole() {
        let long = String(repeating: "ab", count: 200)
        XCTAssertEqual(join([.string(long), .int(42), .string(long)]), long + "42" + long)
        let parts = (0..<100).map { Value.int($0 * 1_000_003) }
        XCTAssertEqual(join(parts), (0..<100).map { String($0 * 1_000_003) }.joined())
    }
}
