import XCTest
@testable import TesseraMetrics

/// The catalog answers to the names users type and knows which way each metric is better.
final class MetricCatalogTests: XCTestCase {
    func testNamesAliasesAndScikitLearnForms() throws {
        XCTAssertEqual(MetricCatalog.resolve("auc")?.metric.name, "rocAUC")
        XCTAssertEqual(MetricCatalog.resolve("roc_auc")?.metric.name, "rocAUC")
        XCTAssertEqual(MetricCatalog.resolve("ROCAUC")?.metric.name, "rocAUC", "case does not matter")
        XCTAssertEqual(MetricCatalog.resolve("average_precision")?.metric.name, "prAUC")
        let f1 = try XCTUnwrap(MetricCatalog.resolve("f1_macro"))
        XCTAssertEqual(f1.metric.name, "f1")
        XCTAssertEqual(f1.average, .macro)
        let negLogLoss = try XCTUnwrap(MetricCatalog.resolve("neg_log_loss"))
        XCTAssertEqual(negLogLoss.metric.name, "logLoss")
        XCTAssertTrue(negLogLoss.negated)
        XCTAssertEqual(negLogLoss.direction, .maximize, "a negated loss grows as the model improves")
        XCTAssertEqual(MetricCatalog.resolve("logLoss")?.direction, .minimize)
        XCTAssertNil(MetricCatalog.resolve("latency"))
        XCTAssertNil(MetricCatalog.resolve("f1_sideways"))
    }

    func testEveryNameIsUniqueAndEveryComputationRuns() throws {
        let names = MetricCatalog.all.flatMap { [$0.name.lowercased()] + $0.aliases.map { $0.lowercased() } }
        XCTAssertEqual(names.count, Set(names).count, "no name or alias means two metrics")
        let truth = Labels.numbers([0, 1, 1, 0, 1, 0]), predicted = Labels.numbers([0, 1, 0, 0, 1, 1])
        let scores = [0.1, 0.9, 0.4, 0.3, 0.8, 0.6], amounts = [5.0, 900, 30, 12, 60, 8]
        for m in MetricCatalog.all {
            let v: Double
            switch m.computation {
            case .labels(let f): v = try f(truth, predicted, nil, .binary)
            case .scores(let f): v = try f(truth, scores, nil)
            case .values(let f): v = try f([1, 2, 3], [1.5, 2, 2.5], nil)
            case .amounts(let f): v = try f(truth, predicted, amounts)
            }
            XCTAssertTrue(v.isFinite, "\(m.name) gave \(v)")
            if m.sweep != nil { XCTAssertTrue([.labels, .amounts].contains(m.input), "\(m.name): only decision counts sweep") }
        }
    }
}
