import XCTest
import TesseraKernel

/// A model is its pipeline, through the language: fitted on raw rows, saved in one file,
/// loaded in a fresh session, and checked against the rows it is given.
final class PipelineBindingTests: XCTestCase {
    let setup = """
        let raw = dataset("fraud", rows: 3000, seed: 2)
        let (train, test) = raw.split(0.8, stratify: "label", seed: 1)
        let model = Pipeline([Impute(.median), OneHot(["merchant_category"]), Standardize(), Sequential([Dense(8, activation: .relu), Dense(2)], seed: 1)])
        let h = model.fit(train, target: "label", epochs: 2, batchSize: 64)
        """

    func path(_ name: String) -> String { FileManager.default.temporaryDirectory.appendingPathComponent("tessera-pipeline-\(getpid())-\(name)").path }

    func testAPipelineSavedAndLoadedInAFreshSessionPredictsRawRowsBitForBit() {
        let k = KernelHarness()
        XCTAssertNil(k.execute(setup).error, k.execute("h").errorText)
        let file = path("fraud.safetensors")
        defer { try? FileManager.default.removeItem(atPath: file) }
        XCTAssertNil(k.execute("model.save(\"\(file)\")").error)
        let before = k.execute("model.predict(test).values").result
        XCTAssertNotNil(before)
        let fresh = KernelHarness()
        XCTAssertNil(fresh.execute("let test = dataset(\"fraud\", rows: 3000, seed: 2).split(0.8, stratify: \"label\", seed: 1).1\nlet back = load(\"\(file)\")").error)
        XCTAssertEqual(fresh.execute("back.predict(test).values").result, before, "the same numbers in a new session")
        XCTAssertEqual(fresh.execute("back.features.count").result, "12")
        XCTAssertEqual(fresh.execute("back.target").result, "\"label\"")
        XCTAssertTrue(fresh.execute("back.transforms").result?.contains("OneHot: merchant_category: 8 categories") ?? false)
        XCTAssertEqual(fresh.execute("back.evaluate(test, metrics: [\"accuracy\"]).keys.sorted()").result, "[\"accuracy\", \"loss\"]")
        // Columns in another order give the same numbers.
        XCTAssertEqual(fresh.execute("back.predict(test.select(test.columns.reversed())).values").result, before)
    }

    func testWrongColumnsAreClearErrorsAndStrictFalseIgnoresExtras() {
        let k = KernelHarness()
        XCTAssertNil(k.execute(setup).error)
        let missing = k.execute("model.predict(test.drop([\"hour\", \"amount\"]))")
        XCTAssertEqual(missing.error?.content["ename"]?.stringValue, "DataError")
        XCTAssertTrue(missing.errorText.contains("lacks: 'hour', 'amount'"), missing.errorText)
        XCTAssertNil(k.execute("let more = readCSV(\"\(writeExtraColumnCSV())\")").error)
        let extra = k.execute("model.predict(more)")
        XCTAssertTrue(extra.errorText.contains("not fitted with: 'note'") && extra.errorText.contains("strict: false"), extra.errorText)
        let lenient = k.execute("model.predict(more, strict: false).shape")
        XCTAssertEqual(lenient.result, "[3, 2]", lenient.errorText)
        XCTAssertTrue(lenient.stderr.contains("ignored a column the model was not fitted with: 'note'"), lenient.stderr)
        // A column that became text: named with the fix.
        let retyped = k.execute("model.predict(readCSV(\"\(writeRetypedCSV())\"))")
        XCTAssertTrue(retyped.errorText.contains("'hour' was int64 at fit and is string here"), retyped.errorText)
        // Tensors to a model fitted on a frame.
        XCTAssertTrue(k.execute("model.predict(randn([2, 12], seed: 1))").errorText.contains("give it a Frame of rows"))
        // A plain model fitted on a frame also takes its features as a tensor, in the fitted order.
        XCTAssertNil(k.execute("let plain = Sequential([Dense(3)], seed: 1)\nlet hp = plain.fit(dataset(\"iris\"), target: \"label\")").error)
        XCTAssertEqual(k.execute("plain.predict(tensor([[5.1, 3.5, 1.4, 0.2]])).shape").result, "[1, 3]")
        XCTAssertTrue(k.execute("model.evaluate(test, target: \"amount\")").errorText.contains("fitted with target 'label'"))
    }

    func testUnseenCategoriesAndDriftAreReportedWithCounts() {
        let k = KernelHarness()
        XCTAssertNil(k.execute(setup).error)
        let odd = k.execute("model.predict(readCSV(\"\(writeExtraColumnCSV(category: "crypto", amount: 90000))\", types: [\"hour\": \"int64\"]).drop([\"note\"])).shape")
        XCTAssertEqual(odd.result, "[3, 2]", odd.errorText)
        XCTAssertTrue(odd.stderr.contains("column 'merchant_category': 3 rows with a category not seen in training: 'crypto' (3); encoded as all zeros"), odd.stderr)
        XCTAssertTrue(odd.stderr.contains("3 of 3 rows lie outside the training data: 'amount' 3 rows"), odd.stderr)
        let drift = k.execute("let d = model.drift(readCSV(\"\(writeExtraColumnCSV(category: "crypto", amount: 90000))\").drop([\"note\"]))\n(d.outside, d.worst[0])")
        XCTAssertEqual(drift.result, "(3, \"amount\")", drift.errorText)
        XCTAssertNil(k.execute("model.drift(test).warning").error)
        XCTAssertEqual(k.execute("model.drift(train).outside").result, "0")
        XCTAssertTrue(k.execute("Sequential([Dense(1)]).drift(test)").errorText.contains("not fitted on a frame"))
    }

    func testAnyModelFittedOnAFrameRemembersItsColumnsAndClasses() {
        let k = KernelHarness()
        XCTAssertNil(k.execute("let iris = dataset(\"iris\")\nlet m = Sequential([Dense(3)], seed: 1)\nlet h = m.fit(iris, target: \"label\", epochs: 2)").error)
        XCTAssertEqual(k.execute("m.features.count").result, "4")
        XCTAssertEqual(k.execute("(m.predict(iris.select(iris.columns.reversed())) - m.predict(iris)).abs().max()").result, "0.0")
        // A text target's classes, kept in the order of the outputs.
        XCTAssertNil(k.execute("let named = readCSV(\"\(writeTextTargetCSV())\", target: \"kind\")\nlet t = Sequential([Dense(2)], seed: 1)\nlet ht = t.fit(named, epochs: 1)").error)
        XCTAssertEqual(k.execute("t.classes").result, "[\"cat\", \"dog\"]")
        // A test split with one class only is scored against the classes of fit.
        XCTAssertNil(k.execute("t.evaluate(named.filter { r in r.kind == \"dog\" }, metrics: [\"accuracy\"])").error)
    }

    func testValidationSplitIsStratifiedSeededAndExclusiveWithValidation() {
        let k = KernelHarness()
        XCTAssertNil(k.execute("let d = dataset(\"iris\")\nlet m = Sequential([Dense(3)], seed: 1)\nlet h = m.fit(d, target: \"label\", epochs: 2, validationSplit: 0.2, seed: 3)").error)
        XCTAssertEqual(k.execute("h.names.sorted()").result, "[\"loss\", \"val_accuracy\", \"val_loss\"]")
        // The same seed, the same split and the same numbers; tensors split too.
        XCTAssertNil(k.execute("let m2 = Sequential([Dense(3)], seed: 1)\nlet h2 = m2.fit(d, target: \"label\", epochs: 2, validationSplit: 0.2, seed: 3)").error)
        XCTAssertEqual(k.execute("h.last == h2.last").result, "true")
        XCTAssertNil(k.execute("let x = randn([100, 4], seed: 1)\nlet y = tensor((0..<100).map { $0 % 2 })\nlet ht = Sequential([Dense(2)], seed: 1).fit(x, y, validationSplit: 0.25)").error)
        XCTAssertEqual(k.execute("ht.names.contains(\"val_loss\")").result, "true")
        XCTAssertTrue(k.execute("m.fit(d, target: \"label\", validation: d, validationSplit: 0.1)").errorText.contains("not both"))
        XCTAssertEqual(k.execute("m.fit(d, target: \"label\", validationSplit: 1.5)").error?.content["ename"]?.stringValue, "ValueError")
    }

    func testPipelineStepsAreChecked() {
        let k = KernelHarness()
        XCTAssertTrue(k.execute("Pipeline([Standardize(), Impute()])").errorText.contains("the last step must be the network"))
        XCTAssertTrue(k.execute("Pipeline([Dense(2), Sequential([Dense(1)])])").errorText.contains("step 0 is a Layer, not a transform"))
        XCTAssertTrue(k.execute("Pipeline([Standardize(), Sequential([Dense(1)])]).predict(dataset(\"iris\"))").errorText.contains("has not been fitted yet"))
        XCTAssertTrue(k.execute("Pipeline([Standardize(), Sequential([Dense(1)])]).fit(randn([4, 2], seed: 1), tensor([0, 1, 0, 1]))").errorText.contains("transforms work on a Frame"))
        XCTAssertNil(k.execute("let m = Sequential([Dense(3)], seed: 1)\nlet h = m.fit(dataset(\"iris\"), target: \"label\")").error)
        XCTAssertTrue(k.execute("Pipeline([Standardize(), m])").errorText.contains("already has a pipeline"))
    }

    // MARK: Files

    func write(_ name: String, _ text: String) -> String {
        let p = path(name)
        try? text.write(toFile: p, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: p) }
        return p
    }

    /// Three fraud rows with an extra 'note' column.
    func writeExtraColumnCSV(category: String = "grocery", amount: Double = 25) -> String {
        let header = "time,hour,amount,merchant_category,card_present,foreign,new_device,account_age_days,txn_count_24h,distance_km,avg_amount_30d,amount_ratio,note"
        let rows = (0..<3).map { i in "\(100 + i),\(10 + i),\(amount),\(category),true,false,false,400,2,3.5,40.0,1.1,hello" }
        return write("extra-\(category)-\(Int(amount)).csv", ([header] + rows).joined(separator: "\n") + "\n")
    }

    /// The same rows with an hour that reads as text.
    func writeRetypedCSV() -> String {
        let header = "time,hour,amount,merchant_category,card_present,foreign,new_device,account_age_days,txn_count_24h,distance_km,avg_amount_30d,amount_ratio"
        let rows = (0..<3).map { i in "\(100 + i),\(10 + i)h,25,grocery,true,false,false,400,2,3.5,40.0,1.1" }
        return write("retyped.csv", ([header] + rows).joined(separator: "\n") + "\n")
    }

    func writeTextTargetCSV() -> String {
        let rows = (0..<40).map { i in "\(Double(i) / 10),\(i % 3),\(i % 2 == 0 ? "cat" : "dog")" }
        return write("pets.csv", (["weight,legs,kind"] + rows).joined(separator: "\n") + "\n")
    }
}
