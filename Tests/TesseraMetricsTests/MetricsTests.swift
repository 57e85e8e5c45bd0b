import Synchronization
import XCTest
@testable import TesseraMetrics

final class MetricsTests: XCTestCase {
    func testScoreOrderIsDescendingWithTiesByIndex() {
        let scores: [Double] = [0.5, -1, 0.5, .infinity, 0, -0.0, 2, 0.5, -.infinity, 1e-300]
        let order = ScoreOrder.descending(scores).map(Int.init)
        let expected = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
        // -0.0 and 0 are equal scores, kept in index order as the others.
        XCTAssertEqual(order, expected)
        XCTAssertEqual(ScoreOrder.descending([-0.0, 0.0, 1]).map(Int.init), [2, 0, 1])
        XCTAssertEqual(order.filter { scores[$0] == 0.5 }, [0, 2, 7])
        var rng = SystemRandomNumberGenerator()
        let many = (0..<50_000).map { _ in Double(Int.random(in: 0..<1000, using: &rng)) / 7 }
        let sorted = ScoreOrder.descending(many).map { many[Int($0)] }
        XCTAssertEqual(sorted, many.sorted(by: >))
    }

    func testSweepMatchesBruteForce() throws {
        var rng = SystemRandomNumberGenerator()
        let y = (0..<300).map { _ in Double(Int.random(in: 0...1, using: &rng)) }
        let s = y.map { ($0 * 0.3 + Double.random(in: 0...0.7, using: &rng) * 10).rounded() / 10 }
        let sweep = try ThresholdSweep(.numbers(y), s, metric: .f1, name: "f1")
        for (t, v) in zip(sweep.thresholds, sweep.values) {
            let p = s.map { $0 >= t ? 1.0 : 0.0 }
            let f = try ClassificationMetrics.scores(.numbers(y), .numbers(p), function: "f1").f
            XCTAssertEqual(v, f, accuracy: 1e-12, "threshold \(t)")
        }
    }

    /// F from the counts as scikit-learn computes it: the same bits, where the harmonic mean
    /// of precision and recall gave 0.8000000000000002 for scikit-learn's 0.8.
    func testFScoresAgreeWithScikitLearnToTheBit() throws {
        let t: [Double] = [0, 1, 1, 0, 1, 0, 1, 1], p: [Double] = [0, 1, 0, 0, 1, 1, 1, 1]
        XCTAssertEqual(try ClassificationMetrics.scores(.numbers(t), .numbers(p), function: "f1").f, 0.8)
        XCTAssertEqual(try ClassificationMetrics.scores(.numbers(t), .numbers(p), beta: 0.5, function: "fbeta").f, 0.8)
        // sklearn.metrics.f1_score([0, 1, 2, 2, 1, 0], [0, 2, 2, 2, 1, 1], average=...) (1.9.1)
        let t3: [Double] = [0, 1, 2, 2, 1, 0], p3: [Double] = [0, 2, 2, 2, 1, 1]
        XCTAssertEqual(try ClassificationMetrics.scores(.numbers(t3), .numbers(p3), average: .macro, function: "f1").f, 0.6555555555555556)
        XCTAssertEqual(try ClassificationMetrics.scores(.numbers(t3), .numbers(p3), average: .weighted, function: "f1").f, 0.6555555555555556)
        XCTAssertEqual(try ClassificationMetrics.scores(.numbers(t3), .numbers(p3), average: .micro, function: "f1").f, 0.6666666666666666)
        XCTAssertEqual(try ClassificationMetrics.scores(.numbers([0, 0]), .numbers([1, 0]), function: "f1").f, 0, "no true positive: 0, as scikit-learn")
        // A batch of negatives only (f1_score([0, 0], [0, 0]) is 0.0, with a warning); a
        // single class that is not a negative one stays an error, as there.
        for labels in [Labels.numbers([0, 0]), .texts(["false", "false"])] {
            let s = try ClassificationMetrics.scores(labels, labels, function: "f1")
            XCTAssertEqual([s.precision, s.recall, s.f], [0, 0, 0])
        }
        XCTAssertThrowsError(try ClassificationMetrics.scores(.texts(["cat", "cat"]), .texts(["cat", "cat"]), function: "f1"))
    }

    func testSpecLimitsAreClearErrors() throws {
        let o = MetricSpec.Objective("auc", .maximize)
        XCTAssertThrowsError(try MetricSpec(objectives: [o, o, o])) { XCTAssertTrue("\($0)".contains("one or two")) }
        let c = try MetricSpec.Constraint("precision", atLeast: 0.9)
        XCTAssertThrowsError(try MetricSpec(objectives: [o], constraints: Array(repeating: c, count: 5))) { XCTAssertTrue("\($0)".contains("at most 4")) }
        XCTAssertThrowsError(try MetricSpec(objectives: [o], stored: (0..<51).map { "m\($0)" })) { XCTAssertTrue("\($0)".contains("at most 50")) }
        XCTAssertThrowsError(try MetricSpec(objectives: [o], stored: ["auc"])) { XCTAssertTrue("\($0)".contains("named twice")) }
        XCTAssertThrowsError(try MetricSpec.Constraint("x", atLeast: 2, atMost: 1))
        XCTAssertTrue(c.isMet(by: 0.95))
        XCTAssertFalse(c.isMet(by: 0.5))
    }

    func testCostMatrixPerRowValues() throws {
        let m = CostMatrix(tp: .perRow { _, a in 50 + a! }, fp: .constant(-10), fn: .perRow { _, a in -a! }, tn: .constant(0))
        let total = try m.total(.numbers([1, 1, 0, 0]), .numbers([1, 0, 1, 0]), amount: [100, 200, 5, 7])
        XCTAssertEqual(total, 150 - 200 - 10)
        // A closure runs for the rows whose cell it is, once each (user closures are slow
        // next to a constant, and may count or log).
        let calls = Mutex([Int]())
        let counted = CostMatrix(tp: .perRow { i, _ in calls.withLock { $0.append(i) }; return 1 }, fp: .constant(-1))
        XCTAssertEqual(try counted.total(.numbers([1, 0, 1, 1]), .numbers([1, 1, 0, 1])), 1 - 1 + 0 + 1)
        XCTAssertEqual(calls.withLock { $0 }, [0, 3])
    }

    func testBinaryLabelsAsNumbersMatchTheirText() throws {
        // Numeric labels are classed once per distinct value, as their text would be:
        // -0.0 is the class "0", true and 1 are positive, a third class or an unknown
        // positive is the same error as for text labels.
        let m = CostMatrix(tp: .constant(1), fp: .constant(-1))
        XCTAssertEqual(try m.total(.numbers([1, -0.0, 0, 1]), .numbers([1, 1, 1, 1])), 1 - 1 - 1 + 1)
        XCTAssertEqual(try Check.binary("f", .numbers([0, 1, 1, -0.0])), try Check.binary("f", .texts(["0", "1", "1", "0"])))
        XCTAssertThrowsError(try Check.binary("f", .numbers([0, 1, 2]))) { error in
            XCTAssertTrue("\(error)".contains("3 classes"), "\(error)")
        }
        XCTAssertThrowsError(try Check.binary("f", .numbers([2, 3]))) { error in
            XCTAssertTrue("\(error)".contains("cannot tell the positive class"), "\(error)")
        }
        XCTAssertEqual(try Check.binary("f", .numbers([2, 3, 3]), positive: "3"), [false, true, true])
    }
}
