import Foundation
import XCTest
@testable import TesseraDisplay

/// Line charts read at a glance: the legend beside the plot, never on it; a colour per
/// series; the marked point's label clear of the title.
final class LineChartTests: XCTestCase {
    /// The numbers of an attribute on each element matching `tag` (with `class` when given).
    func attribute(_ name: String, of tag: String, in svg: String, class cls: String? = nil) -> [Double] {
        let pattern = "<\(tag) [^>]*" + (cls.map { "class=\"\($0)\"[^>]*" } ?? "")
        let regex = try! NSRegularExpression(pattern: pattern)
        return regex.matches(in: svg, range: NSRange(svg.startIndex..., in: svg)).compactMap { m -> Double? in
            let element = String(svg[Range(m.range, in: svg)!])
            guard let r = element.range(of: "\(name)=\"") else { return nil }
            return Double(element[r.upperBound...].prefix { $0 != "\"" })
        }
    }

    func chart(_ names: [String]) -> LineChart {
        LineChart(title: "Training history", xLabel: "epoch", yLabel: "value",
                  series: names.enumerated().map { k, n in .init(n, x: [1, 2, 3], y: [1, 0.5, Double(k) * 0.1]) })
    }

    func testTheLegendSitsOutsideThePlot() {
        let c = chart(["loss", "val_loss", "a rather long metric name that goes on"])
        let svg = c.svg
        let frame = attribute("x", of: "rect", in: svg).last!, plotWidth = attribute("width", of: "rect", in: svg).last!
        let legendX = attribute("x", of: "text", in: svg, class: "legend")
        XCTAssertEqual(legendX.count, 3)
        XCTAssertTrue(legendX.allSatisfy { $0 > frame + plotWidth }, "legend entries start right of the plot's frame")
        XCTAssertTrue(svg.contains("a rather long metric name t…"), "long names are cut")
        let svgWidth = attribute("width", of: "svg", in: svg)[0]
        XCTAssertGreaterThan(svgWidth, frame + plotWidth + 24 + 6 * 28, "the image grows to hold the legend")
        XCTAssertTrue(chart(["only"]).svg.components(separatedBy: "class=\"legend\"").count == 1, "one series needs no legend")
    }

    func testEverySeriesLooksDifferent() {
        let c = chart((0..<14).map { "s\($0)" })
        let looks = c.styles.map { "\($0.colour)/\($0.dash)" }
        XCTAssertEqual(Set(looks).count, 14)
        var roc = LineChart(title: "ROC", xLabel: "fpr", yLabel: "tpr",
                            series: [.init("chance", x: [0, 1], y: [0, 1], reference: true), .init("model", x: [0, 0.2, 1], y: [0, 0.9, 1])])
        roc.xRange = 0...1
        XCTAssertEqual(roc.styles[0].colour, LineChart.referenceColour)
        XCTAssertEqual(roc.styles[1].colour, LineChart.palette[0], "a reference line takes no colour from the data")
    }

    func testTheMarkerLabelClearsTheTitle() {
        var c = LineChart(title: "f1 by threshold", xLabel: "threshold", yLabel: "f1",
                          series: [.init("f1", x: [0.1, 0.5, 0.9], y: [0.2, 0.9, 0.4])])
        c.marker = (0.5, 0.9, "best: 0.9 at threshold 0.5")
        let svg = c.svg
        let titleY = attribute("y", of: "text", in: svg)[0]
        let labelY = attribute("y", of: "text", in: svg, class: "marker")[0]
        let plotTop = attribute("y", of: "rect", in: svg).last!
        XCTAssertGreaterThan(labelY - 11, plotTop, "the label's top is inside the plot")
        XCTAssertGreaterThan(labelY - 11, titleY + 4)
    }

    func testWholeNumberAxesHaveWholeTicks() {
        XCTAssertEqual(LineChart.ticks(1...3, whole: true), [1, 2, 3], "three epochs: no tick at 1.5")
        XCTAssertEqual(LineChart.ticks(0...20, whole: true), [0, 5, 10, 15, 20])
        XCTAssertTrue(LineChart.ticks(0...1).contains(0.2), "fractions stay fractional")
        let svg = chart(["loss"]).svg
        XCTAssertFalse(svg.contains(">1.5<"), "an epoch axis labels whole epochs")
    }
}
