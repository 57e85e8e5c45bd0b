import XCTest
@testable import TesseraDisplay

final class BarChartTests: XCTestCase {
    func testGroupedBarsOnALogScale() {
        let chart = BarChart(title: "matmul", unit: "ms", groups: ["256", "512"],
                             series: [("reference", [120, nil]), ("openblas", [0.2, 1.5])], logarithmic: true)
        let svg = chart.svg
        XCTAssertEqual(svg.components(separatedBy: "<rect x=").count - 1, 3 + 2, "three bars and two legend swatches")
        XCTAssertTrue(svg.contains("reference: 120 ms"))
        XCTAssertTrue(svg.contains(">0.1<") && svg.contains(">1000<"), "decades from 0.1 to 1000")
        XCTAssertTrue(chart.plainText.contains("openblas"))
        XCTAssertTrue(chart.plainText.contains("1.5"))
        XCTAssertNotNil(chart.bundle.entries.first { $0.mime == "image/svg+xml" })
    }

    func testALinearScaleStartsAtZero() {
        let svg = BarChart(title: "t", unit: "s", groups: ["a"], series: [("x", [4])], logarithmic: false).svg
        XCTAssertTrue(svg.contains(">0<"))
    }
}
