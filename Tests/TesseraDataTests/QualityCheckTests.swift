import XCTest
@testable import TesseraData

/// Every check finds its planted defect in the dirty fraud set and stays quiet on the
/// clean one.
final class QualityCheckTests: XCTestCase {
    static let clean = try! FraudGenerator(rows: 20_000, seed: 7).frame()
    static let dirty = try! FraudGenerator(rows: 20_000, seed: 7).frame(dirty: true)

    func testTheCleanSetPassesEveryCheck() throws {
        let (train, test) = try Self.clean.split(0.8, stratify: "label", seed: 1)
        let report = try train.check(target: "label", test: test)
        for r in report.results {
            XCTAssertEqual(r.status, .pass, "\(r.name): \(r.detail)")
        }
    }

    func testEveryCheckFindsItsDefectInTheDirtySet() throws {
        // Drift was planted in time (the last fifth of the rows): a time-ordered split sees it.
        let (past, future) = try Self.dirty.split(0.8, seed: 1, orderBy: "time")
        XCTAssertNotEqual(try past.check(target: "label", test: future).status("drift"), .pass)
        // Duplicates land on both sides of a random split: overlap.
        let (train, test) = try Self.dirty.split(0.8, seed: 1)
        let report = try train.check(target: "label", test: test)
        let expected: [String: QualityReport.Status] = [
            "parse": .fail, "schema": .warn, "missing": .fail, "mixed_types": .fail, "constant": .warn,
            "duplicates": .warn, "conflicting_labels": .fail, "ranges": .fail, "non_finite": .fail, "outliers": .warn,
            "class_balance": .fail, "leakage": .fail, "overlap": .fail,
        ]
        for (name, status) in expected {
            let r = try XCTUnwrap(report.result(name), name)
            XCTAssertEqual(r.status, status, "\(name): \(r.detail)")
            XCTAssertFalse(r.advice.isEmpty, name)
        }
        XCTAssertEqual(Set(report.results.map(\.name)), Set(QualityReport.checkNames))
        XCTAssertTrue(report.result("leakage")!.detail.contains("chargeback"))
        XCTAssertTrue(report.result("mixed_types")!.detail.contains("distance_km"))
        XCTAssertTrue(report.result("constant")!.detail.contains("currency"))
        XCTAssertTrue(report.result("ranges")!.detail.contains("amount"))
        XCTAssertTrue(report.result("non_finite")!.detail.contains("amount_ratio"))
        XCTAssertTrue(try past.check(target: "label", test: future).result("drift")!.detail.contains("distance_km"))
    }

    func testFraudIsRareAndLargeFraudsCarryMostDollars() throws {
        let f = Self.clean
        let label = try f.column("label"), amount = try f.column("amount")
        var frauds = 0, fraudDollars = 0.0, largeDollars = 0.0
        for i in 0..<f.rowCount where label.double(at: i) == 1 {
            frauds += 1
            let a = amount.double(at: i)!
            fraudDollars += a
            if a >= 900 { largeDollars += a }
        }
        let rate = Double(frauds) / Double(f.rowCount)
        XCTAssertGreaterThan(rate, 0.005)
        XCTAssertLessThan(rate, 0.02)
        XCTAssertGreaterThan(largeDollars / fraudDollars, 0.5, "large frauds carry most fraud dollars")
        // The same seed gives the same data.
        XCTAssertEqual(try FraudGenerator(rows: 20_000, seed: 7).frame(), f)
    }
}
