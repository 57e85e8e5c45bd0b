import XCTest
@testable import TesseraData
import TesseraTensor

/// The checks over many data sets: the false-positive rate on clean fraud data (every
/// seed, 1,000 to 200,000 rows: no check may fail; from 5,000 rows none may even warn,
/// while a thousand rows may hold too few frauds to learn from, which class_balance says),
/// the planted defects of the dirty set found on every seed, and the edge cases users
/// meet first.
final class CheckSweepTests: XCTestCase {
    func testNoCheckFlagsCleanDataOverManySeedsAndSizes() throws {
        var failed: [String: Int] = [:], warned: [String: Int] = [:]
        var sets = 0
        for (seed, rows) in zip(1...30, [1_000, 2_000, 5_000, 10_000, 20_000, 50_000].cycled(30)) + [(3, 200_000)] {
            let report = try FraudGenerator(rows: rows, seed: UInt64(seed)).frame().check(target: "label")
            sets += 1
            for r in report.results where r.status != .pass {
                if r.status == .fail { failed[r.name, default: 0] += 1 } else { warned[r.name, default: 0] += 1 }
                print("seed \(seed), \(rows) rows: \(r.name) \(r.status): \(r.detail)")
                XCTAssertTrue(r.status == .warn && rows < 5_000, "seed \(seed), \(rows) rows: \(r.name) \(r.status): \(r.detail)")
            }
        }
        print("over \(sets) clean sets: failed \(failed.isEmpty ? "none" : "\(failed)"); warned \(warned.isEmpty ? "none" : "\(warned)")")
        XCTAssertEqual(failed, [:])
    }

    func testThePlantedDefectsAreFoundOnEverySeed() throws {
        for seed in [2, 5, 11] as [UInt64] {
            let report = try FraudGenerator(rows: 8_000, seed: seed).frame(dirty: true).check(target: "label")
            for name in ["parse", "missing", "mixed_types", "conflicting_labels", "ranges", "non_finite", "class_balance", "leakage"] {
                XCTAssertEqual(report.status(name), .fail, "seed \(seed): \(name): \(report.result(name)?.detail ?? "")")
            }
            for name in ["schema", "constant", "duplicates", "outliers"] {
                XCTAssertNotEqual(report.status(name), .pass, "seed \(seed): \(name)")
            }
        }
    }

    /// Leakage: any feature whose values alone give ROC AUC 0.95 or more, whatever its type.
    func testLeakageFlagsAFlagThatAgreesWithTheLabelNinetySevenPercentOfTheTime() throws {
        var rng = RandomGenerator(seed: 9)
        let n = 4000
        let label = (0..<n).map { _ in rng.nextDouble() < 0.5 }
        let flag = label.map { rng.nextDouble() < 0.97 ? $0 : !$0 }
        let weak = label.map { rng.nextDouble() < 0.80 ? $0 : !$0 }
        let score = label.map { ($0 ? 1.0 : 0.0) * 3.4 + rng.nextNormal() }  // AUC about 0.99
        let mild = label.map { ($0 ? 1.0 : 0.0) + rng.nextNormal() }          // AUC about 0.76
        let city = label.map { $0 ? (rng.nextDouble() < 0.98 ? "north" : "south") : (rng.nextDouble() < 0.98 ? "south" : "north") }
        let frame = try Frame(columns: [
            Column(name: "flag", storage: .bool(flag)), Column(name: "weak", storage: .bool(weak)),
            Column(name: "score", storage: .float64(score)), Column(name: "mild", storage: .float64(mild)),
            Column("city", strings: city), Column(name: "label", storage: .int64(label.map { $0 ? 1 : 0 })),
        ], target: "label")
        let leakage = try XCTUnwrap(try frame.check(target: "label").result("leakage"))
        XCTAssertEqual(leakage.status, .fail)
        for name in ["flag", "score", "city"] { XCTAssertTrue(leakage.detail.contains("\(name) (AUC 0.9"), "\(name): \(leakage.detail)") }
        for name in ["weak", "mild"] { XCTAssertFalse(leakage.detail.contains(name), leakage.detail) }
        // Several classes: one against the rest, averaged.
        let classes = (0..<n).map { _ in Int(rng.nextDouble() * 3) }
        let coded = classes.map { Double($0) * 10 + rng.nextNormal() }
        let noisy = classes.map { Double($0) + rng.nextNormal() * 3 }
        let multi = try Frame(columns: [Column(name: "coded", storage: .float64(coded)), Column(name: "noisy", storage: .float64(noisy)),
                                        Column(name: "label", storage: .int64(classes.map(Int64.init)))], target: "label")
        let detail = try XCTUnwrap(try multi.check(target: "label").result("leakage")).detail
        XCTAssertTrue(detail.contains("coded (AUC"), detail)
        XCTAssertFalse(detail.contains("noisy"), detail)
    }

    /// Ranges: zeros are plausible, standardized columns are negative by design, a few
    /// negatives in an otherwise non-negative column are not.
    func testRangesAcceptsZerosAndStandardizedColumns() throws {
        var rng = RandomGenerator(seed: 4)
        let n = 2000
        let time = (0..<n).map { Double($0) * 0.5 }  // starts at 0
        let amount = (0..<n).map { _ in exp(3 + rng.nextNormal()) }
        let meanAmount = amount.reduce(0, +) / Double(n)
        let sd = (amount.reduce(0) { $0 + ($1 - meanAmount) * ($1 - meanAmount) } / Double(n)).squareRoot()
        let scaled = amount.map { ($0 - meanAmount) / sd }
        var sentinel = (0..<n).map { _ in Double(Int(rng.nextDouble() * 100)) }
        sentinel[17] = -1
        let frame = try Frame(columns: [
            Column(name: "time", storage: .float64(time)), Column(name: "amount", storage: .float64(scaled)),
            Column(name: "score", storage: .float64(sentinel)), Column(name: "label", storage: .int64((0..<n).map { Int64($0 % 2) })),
        ], target: "label")
        let ranges = try XCTUnwrap(try frame.check(target: "label").result("ranges"))
        XCTAssertEqual(ranges.status, .fail)
        XCTAssertTrue(ranges.detail.contains("score has 1 negative value (lowest -1.0)"), ranges.detail)
        XCTAssertFalse(ranges.detail.contains("time") || ranges.detail.contains("amount"), ranges.detail)
    }

    /// Details say exactly what was seen.
    func testDetailsSayWhatWasSeen() throws {
        var text = (0..<47_790).map { String($0 % 97) }
        for i in [3, 900, 4000, 12_000, 30_000, 47_000] { text[i] = "unknown" }
        let frame = try Frame(columns: [Column("reading", strings: text), Column(name: "label", storage: .int64((0..<47_790).map { Int64($0 % 2) }))],
                              target: "label")
        let mixed = try XCTUnwrap(try frame.check(target: "label").result("mixed_types")).detail
        XCTAssertEqual(mixed, "reading has 6 text values (0.01%) among numbers, such as 'unknown'")
        let withMissing = try Frame(columns: [Column("city", strings: ["a", nil, "a", "b"]), Column(name: "n", storage: .float64([1, 2, .nan, 4]))])
        let fitted = try Impute(.median).fit(withMissing)
        XCTAssertTrue(fitted.summary.contains("city: most frequent 'a'"), "\(fitted.summary)")
    }
}

extension Array {
    /// The elements repeated in order until there are `count`.
    func cycled(_ count: Int) -> [Element] { (0..<count).map { self[$0 % self.count] } }
}
