import XCTest
@testable import TesseraDisplay

final class SparklineTests: XCTestCase {
    func testRisingValuesUseTheWholeRange() {
        XCTAssertEqual(Sparkline.render([0, 1, 2, 3, 4, 5, 6, 7]), "▁▂▃▄▅▆▇█")
        XCTAssertEqual(Sparkline.render([3, 3, 3]), "▅▅▅")
        XCTAssertEqual(Sparkline.render([]), "")
    }

    func testLongSeriesAreAveragedIntoBuckets() {
        let line = Sparkline.render((0..<1000).map(Double.init), width: 10)
        XCTAssertEqual(line.count, 10)
        XCTAssertEqual(line.first, "▁")
        XCTAssertEqual(line.last, "█")
    }

    func testNonFiniteValuesAreGaps() {
        XCTAssertEqual(Sparkline.render([0, .nan, 1]), "▁ █")
    }

    func testReadsTheLineOfAnSVG() {
        // y grows downward in SVG: a falling polyline is a falling loss, drawn high to low.
        let svg = #"<svg><polyline fill="none" points="10,10 95,69 180,101 265,112 350,115"/></svg>"#
        XCTAssertEqual(Sparkline.fromSVG(svg), "█▄▂▁▁")
        XCTAssertEqual(Sparkline.fromSVG(#"<svg><path d="M0,0 L1,10 L2,5"/></svg>"#), "█▁▅")
        XCTAssertNil(Sparkline.fromSVG("<svg><circle r=\"3\"/></svg>"))
    }
}
