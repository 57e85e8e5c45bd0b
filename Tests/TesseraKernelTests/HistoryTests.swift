import XCTest
@testable import TesseraKernel

/// history_request: searches match as IPython's (SQLite GLOB) do.
final class HistoryTests: XCTestCase {
    func testGlobPatterns() {
        XCTAssertTrue(Kernel.glob("6 *", matches: "6 * 7"), "a literal * in the text does not use up the pattern's wildcard")
        XCTAssertTrue(Kernel.glob("6 ?*", matches: "6 * 7"))
        XCTAssertTrue(Kernel.glob("*print*", matches: "let x = 1\nprint(x)"))
        XCTAssertTrue(Kernel.glob("a*b*c", matches: "a-b-b-c"))
        XCTAssertFalse(Kernel.glob("6 *", matches: "7 * 6"))
        XCTAssertFalse(Kernel.glob("a?", matches: "a"))
        XCTAssertTrue(Kernel.glob("*", matches: ""))
    }

    func testSearchThroughTheKernel() {
        let k = KernelHarness()
        _ = k.execute("6 * 7")
        _ = k.execute("let y = 2")
        let reply = k.request("history_request", .obj(["hist_access_type": .string("search"), "pattern": .string("6 *")])).reply
        XCTAssertEqual(reply?["history"]?.arrayValue?.count, 1)
        XCTAssertEqual(reply?["history"]?.arrayValue?.first?.arrayValue?[2], .string("6 * 7"))
    }
}
