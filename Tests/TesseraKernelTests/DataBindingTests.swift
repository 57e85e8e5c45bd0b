import Foundation
import XCTest

/// The data piece of the prelude as a notebook uses it: names, labels, errors.
final class DataBindingTests: XCTestCase {
    func testReadCSVThroughTheLanguage() throws {
        let path = NSTemporaryDirectory() + "tessera-bind-\(UUID().uuidString).csv"
        try "id,amount,label\n1,10.5,0\n2,NA,1\n3,7,0\n4,9\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let k = KernelHarness()
        let read = k.execute("let f = readCSV(\"\(path)\", target: \"label\")")
        XCTAssertNil(read.error)
        // The short line 5 is read (its missing field empty) and said on stderr, not passed over.
        XCTAssertTrue(read.stderr.contains("1 line of") && read.stderr.contains("line 5:"), read.stderr)
        let clean = NSTemporaryDirectory() + "tessera-bind-clean-\(UUID().uuidString).csv"
        try "a,b\n1,2\n".write(toFile: clean, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: clean) }
        XCTAssertEqual(k.execute("readCSV(\"\(clean)\").rows").stderr, "", "a clean file warns of nothing")
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

    /// The frame essentials from the language: the idioms of a pandas user, and their mistakes.
    func testFrameEssentialsThroughTheLanguage() {
        let k = KernelHarness()
        XCTAssertNil(k.execute("let f = dataset(\"fraud\", rows: 2000, seed: 4)").error)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-essentials-\(getpid()).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertEqual(k.execute("readCSV(f.writeCSV(\"\(path)\")) == f").result, "true")
        XCTAssertEqual(k.execute("f == f.sort(by: \"hour\")").result, "false")
        XCTAssertEqual(k.execute("f.sort(by: \"amount\", ascending: false)[\"amount\"][0] == f[\"amount\"].max()").result, "true")
        XCTAssertEqual(k.execute("f.valueCounts(\"label\")[\"count\"].sum()").result, "2000.0")
        XCTAssertEqual(k.execute("f.groupBy(\"label\").aggregate([\"amount\": \"count\"])[\"amount_count\"].sum()").result, "2000.0")
        XCTAssertEqual(k.execute("f.groupBy([\"label\", \"foreign\"]).groupCount").result, "4")
        XCTAssertEqual(k.execute("f.groupBy(\"label\").mean().columns.count").result, "12", "every numeric column but the key, and the Bools")
        XCTAssertEqual(k.execute("f.groupBy(\"label\").count()[\"merchant_category\"].sum()").result, "2000.0")
        XCTAssertEqual(k.execute("concat([f.head(3), f.tail(4)]).rows").result, "7")
        XCTAssertEqual(k.execute("f.sample(fraction: 0.1, seed: 2).rows").result, "200")
        XCTAssertEqual(k.execute("f.apply(\"hour\", { h in h < 6 }, as: \"night\").dtypes[\"night\"]").result, "\"bool\"")
        // A for loop walks the rows, each the Row filter's closure is given.
        XCTAssertEqual(k.execute("var total = 0.0\nfor row in f { total += row.amount }\nabs(total - f[\"amount\"].values.reduce(0.0, +)) < 1e-6").result, "true")
        XCTAssertEqual(k.execute("var late = []\nfor (i, row) in f.head(50).enumerated() where row[\"hour\"] >= 22 { late.append(i) }\nlate == f.head(50)[\"hour\"].values.enumerated().filter { $0.1 >= 22 }.map { $0.0 }").result, "true")
        XCTAssertEqual(k.execute("f.head(3).enumerated().map { $0.0 }").result, "[0, 1, 2]")
        XCTAssertTrue(k.execute("f.iterrows()").errorText.contains("'enumerated'"), "pandas' name points to ours")
        // A Frame is a sequence of Rows to Swift's Array(_:) and map as well.
        XCTAssertEqual(k.execute("Array(f.head(4)).map { $0.hour } == f.head(4)[\"hour\"].values").result, "true")
        XCTAssertEqual(k.execute("f.map { $0.amount * 2 }.count").result, "2000")
        XCTAssertEqual(k.execute("f.head(3).map { row in row.hour } == Array(f[\"hour\"].values.prefix(3))").result, "true")
        XCTAssertTrue(k.execute("f.map { $0.nope }").errorText.contains("nope"))
        // Mistakes a newcomer makes: each a clear error naming the fix.
        XCTAssertTrue(k.execute("f.groupBy(\"label\").aggregate([\"amount\": \"average\"])").errorText.contains("\"mean\""))
        XCTAssertTrue(k.execute("f.sort(by: \"amout\")").errorText.contains("did you mean 'amount'?"))
        XCTAssertTrue(k.execute("f.apply(\"hour\", { h in h < 6 ? 1 : \"day\" })").errorText.contains("Int and String"))
        XCTAssertTrue(k.execute("f.sample(n: 5000)").errorText.contains("replace: true"))
        XCTAssertTrue(k.execute("f.join(f, on: \"nope\")").errorText.contains("no key column 'nope'"))
        XCTAssertTrue(k.execute("concat([f, tensor([1])])").errorText.contains("item 1 is a Tensor"))
        XCTAssertTrue(k.execute("concat([f, f], axis: 1)").errorText.contains("join them on a key column"))
        XCTAssertTrue(k.execute("f.log1p([\"merchant_category\"])").errorText.contains("not numbers"))
        XCTAssertEqual(k.execute("f.writeCSV(\"/nonexistent-folder/x.csv\")").error?.content["ename"]?.stringValue, "IOError")
        // pandas' element-wise Series: each operator's error writes the Tessera form, the
        // operands in the order written.
        XCTAssertTrue(k.execute("f[\"amount\"] * 2").errorText.contains("column.values.map { $0 * 2 }"))
        XCTAssertTrue(k.execute("100 - f[\"amount\"]").errorText.contains("tensor: 100 - tensor(column.values)"))
        XCTAssertTrue(k.execute("f[f[\"amount\"] > 100]").errorText.contains("frame.filter { row in row.amount > 100 }"))
        XCTAssertTrue(k.execute("f.mean()").errorText.contains("'describe'"))
        // Clip and Log1p are pipeline steps.
        XCTAssertNil(k.execute("let m = Pipeline([Clip([\"amount\"], quantiles: [0.01, 0.99]), Log1p([\"amount\"]), OneHot(), Standardize(), Sequential([Dense(2)], seed: 1)])\nlet h = m.fit(f, target: \"label\")").error)
        XCTAssertTrue(k.execute("m.transforms[0]").result?.contains("Clip: amount: at least") ?? false)
    }
}
