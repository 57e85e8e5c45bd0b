import Foundation
import XCTest

/// The data piece of the prelude as a notebook uses it: names, labels, errors.
final class DataBindingTests: XCTestCase {
    func testReadCSVThroughTheLanguage() throws {
        let path = NSTemporaryDirectory() + "tessera-bind-\(UUID().uuidString).csv"
        try "id,amount,label\n1,10.5,0\n2,NA,1\n3,7,0\n4,9\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let k = KernelHarness()
        XCTAssertNil(k.execute("let f = readCSV(\"\(path)\", target: \"label\")").error)
        XCTAssertEqual(k.execute("f.shape").result, "(4, 3)")
        XCTAssertEqual(k.execute("f[\"amount\"].missing").result, "1")
        XCTAssertEqual(k.execute("f[\"amount\"].dtype").result, "\"float64\"")
        XCTAssertEqual(k.execute("f.report.count").result, "1")
        XCTAssertEqual(k.execute("f.filter { row in row.id > 2 }.rows").result, "2")
        let strict = k.execute("readCSV(\"\(path)\", strict: true)")
        XCTAssertEqual(strict.error?.content["ename"]?.stringValue, "DataError")
        XCTAssertTrue(strict.errorText.contains("line 5"), strict.errorText)
        let missing = k.execute("readCSV(\"/no/such.csv\")")
        XCTAssertEqual(missing.error?.content["ename"]?.stringValue, "IOError")
        XCTAssertTrue(missing.errorText.contains("/no/such.csv"))
        let column = k.execute("f[\"amont\"]")
        XCTAssertTrue(column.errorText.contains("did you mean 'amount'?"), column.errorText)
    }

    func testCheckCleanAndTransforms() throws {
        let k = KernelHarness()
        XCTAssertNil(k.execute("let raw = dataset(\"fraud\", rows: 5000, seed: 2, dirty: true)").error)
        XCTAssertNil(k.execute("let report = raw.check(target: \"label\")").error)
        XCTAssertEqual(k.execute("report.status(\"leakage\")").result, "\"fail\"")
        XCTAssertEqual(k.execute("report.failed.contains(\"duplicates\") || report.warned.contains(\"duplicates\")").result, "true")
        let shown = k.execute("report")
        XCTAssertTrue(shown.messages.contains { $0.content["data"]?["text/html"]?.stringValue?.contains("tessera-quality") ?? false })
        XCTAssertEqual(k.execute("report.status(\"dupes\")").error?.content["ename"]?.stringValue, "KeyError")
        XCTAssertNil(k.execute("let clean = raw.clean(impute: .median, dropColumns: [\"chargeback\"])").error)
        XCTAssertEqual(k.execute("clean.log.count > 2").result, "true")
        XCTAssertNil(k.execute("let (train, test) = clean.split(0.8, stratify: \"label\", seed: 1)").error)
        XCTAssertNil(k.execute("let t = Standardize().fit(train)\nlet z = t.apply(test)").error)
        XCTAssertEqual(k.execute("abs(t.apply(train)[\"amount\"].mean()) < 1e-9").result, "true")
        XCTAssertEqual(k.execute("Impute(.medium)").error?.content["ename"]?.stringValue, "ValueError")
        XCTAssertTrue(k.execute("dataset(\"iriss\")").errorText.contains("did you mean 'iris'?"))
    }
}
