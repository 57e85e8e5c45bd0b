import XCTest
@testable import TesseraData

final class CleaningTests: XCTestCase {
    func testCleanFixesTheDirtySetAndLogsEveryChange() throws {
        let dirty = QualityCheckTests.dirty
        var o = CleanOptions()
        o.impute = .median
        o.dropColumns = ["chargeback", "currency", "column16"]
        let cleaned = try dirty.clean(o)
        let log = cleaned.log.joined(separator: "\n")
        XCTAssertTrue(log.contains("dropped columns 'chargeback', 'currency', 'column16' (asked)"), log)
        XCTAssertTrue(log.contains("read 'distance_km' as numbers"), log)
        XCTAssertTrue(log.contains("infinite or NaN value"), log)
        XCTAssertTrue(log.contains("duplicate row"), log)
        XCTAssertTrue(log.contains("imputed"), log)
        XCTAssertEqual(try cleaned.column("distance_km").dtype, .float64)
        XCTAssertEqual(cleaned.columns.map(\.missingCount).reduce(0, +), 0)
        let report = try cleaned.check(target: "label")
        for name in ["duplicates", "missing", "mixed_types", "non_finite", "leakage", "constant"] {
            XCTAssertEqual(report.status(name), .pass, "\(name): \(report.result(name)!.detail)")
        }
    }

    func testTransformsFittedOnTrainNeverSeeTestRows() throws {
        let frame = try FraudGenerator(rows: 4000, seed: 3).frame()
        let (train, test) = try frame.split(0.75, stratify: "label", seed: 2)
        // Make the test rows wildly different: a fitted transform must not notice.
        let shifted = try test.setting(Column(name: "amount", storage: .float64((0..<test.rowCount).map { _ in 1e6 })))
        let fitted = try Standardize().fit(train)
        let amount = try XCTUnwrap(fitted.parameters.first { $0.name == "amount" })
        let trainAmounts = try train.column("amount").numericValues
        let trainMean = trainAmounts.reduce(0, +) / Double(trainAmounts.count)
        XCTAssertEqual(amount.mean, trainMean, accuracy: 1e-9)
        let applied = try fitted.apply(shifted)
        let again = try Standardize().fit(train)
        XCTAssertEqual(again.parameters.map(\.mean), fitted.parameters.map(\.mean))
        XCTAssertEqual(try applied.column("amount").double(at: 0)!, (1e6 - trainMean) / amount.std, accuracy: 1e-6)
        // Standardized train has mean 0 and std 1 per column.
        let z = try fitted.apply(train).column("amount").numericValues
        XCTAssertEqual(z.reduce(0, +) / Double(z.count), 0, accuracy: 1e-9)
        XCTAssertFalse(fitted.parameters.contains { $0.name == "label" }, "the target is never transformed")
    }

    func testOneHotUsesTrainCategoriesAndImputeTrainValues() throws {
        let train = try Frame(columns: [Column("color", strings: ["red", "blue", "red", nil]),
                                        Column("size", doubles: [1, 2, 3, nil]), Column("label", ints: [0, 1, 0, 1])], target: "label")
        let test = try Frame(columns: [Column("color", strings: ["green", "blue"]), Column("size", doubles: [nil, 10]),
                                       Column("label", ints: [1, 0])], target: "label")
        let onehot = try OneHot().fit(train)
        let encoded = try onehot.apply(test)
        XCTAssertEqual(encoded.columnNames, ["color=blue", "color=red", "size", "label"])
        XCTAssertEqual(try encoded.column("color=blue").text(at: 1), "true")
        XCTAssertEqual(try encoded.column("color=red").text(at: 0), "false", "an unseen category is all zeros")
        let impute = try Impute(.median).fit(train)
        let filled = try impute.apply(test)
        XCTAssertEqual(try filled.column("size").double(at: 0), 2, "the train median, not the test's")
        XCTAssertEqual(try impute.apply(train).column("color").text(at: 3), "red", "text gets the train's most frequent value")
    }

    func testSplitsAreStratifiedTimeOrderedAndSeeded() throws {
        let frame = try FraudGenerator(rows: 10_000, seed: 5).frame()
        let (train, test) = try frame.split(0.8, stratify: "label", seed: 1)
        func rate(_ f: Frame) throws -> Double { try f.column("label").numericValues.reduce(0, +) / Double(f.rowCount) }
        XCTAssertEqual(train.rowCount + test.rowCount, frame.rowCount)
        XCTAssertEqual(try rate(train), try rate(test), accuracy: 0.001)
        let (train2, _) = try frame.split(0.8, stratify: "label", seed: 1)
        XCTAssertEqual(train, train2)
        let (past, future) = try frame.split(0.8, orderBy: "time")
        XCTAssertLessThanOrEqual(try past.column("time").numericValues.max()!, try future.column("time").numericValues.min()!)
        XCTAssertThrowsError(try frame.split(1.5))
        XCTAssertThrowsError(try frame.split(0.8, stratify: "lable")) { XCTAssertTrue("\($0)".contains("did you mean 'label'")) }
    }

    func testTensorsForTraining() throws {
        let f = try Frame(columns: [Column("a", doubles: [1, 2]), Column("b", bools: [true, false]), Column("label", strings: ["yes", "no"])], target: "label")
        let (x, y, classes) = try f.tensors()
        XCTAssertEqual(x.shape, [2, 2])
        XCTAssertEqual(x.storage, [1, 1, 2, 0])
        XCTAssertEqual(y.storage, [1, 0])
        XCTAssertEqual(classes, ["no", "yes"])
        let text = try Frame(columns: [Column("c", strings: ["x", "y"]), Column("label", ints: [0, 1])], target: "label")
        XCTAssertThrowsError(try text.tensors()) { XCTAssertTrue("\($0)".contains("OneHot")) }
    }
}
