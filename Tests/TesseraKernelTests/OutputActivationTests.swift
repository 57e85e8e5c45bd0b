import XCTest

/// The Keras idiom: a last layer that outputs probabilities (`Dense(1, activation:
/// .sigmoid)` with binary cross-entropy, `Dense(k, activation: .softmax)` with
/// cross-entropy) trains exactly as its logits form, and predict gives probabilities for
/// both forms. Before, the loss applied the activation a second time and training failed
/// without a word (accuracy 0.52 where the logits form reached 0.985).
final class OutputActivationTests: XCTestCase {
    func number(_ k: KernelHarness, _ code: String, file: StaticString = #filePath, line: UInt = #line) -> Double {
        let r = k.execute(code)
        XCTAssertNil(r.error, r.errorText, file: file, line: line)
        return Double(r.result ?? "") ?? .nan
    }

    func testASigmoidOutputTrainsAsItsLogitsFormDoes() {
        let k = KernelHarness()
        XCTAssertNil(k.execute("""
            let data = dataset("breast_cancer")
            let (train, test) = Standardize().fit(data).apply(data).split(0.8, stratify: "label", seed: 1)
            func accuracyOf(_ last, _ loss) {
                let m = Sequential([Dense(16, activation: .relu), last], seed: 1)
                m.fit(train, target: "label", epochs: 15, batchSize: 32, optimizer: Adam(lr: 1e-3), loss: loss, seed: 1)
                return m.evaluate(test, target: "label", metrics: ["accuracy"])["accuracy"]
            }
            """).error)
        let probabilities = number(k, "accuracyOf(Dense(1, activation: .sigmoid), .binaryCrossEntropy)")
        let logits = number(k, "accuracyOf(Dense(1), .binaryCrossEntropy)")
        let inferred = number(k, "accuracyOf(Dense(1, activation: .sigmoid), nil)")
        XCTAssertGreaterThan(logits, 0.95)
        XCTAssertEqual(probabilities, logits, accuracy: 0.005)
        XCTAssertEqual(inferred, logits, accuracy: 0.005, "with no loss named, a sigmoid output gets binary cross-entropy")
    }

    func testASoftmaxOutputTrainsAsItsLogitsFormDoes() {
        let k = KernelHarness()
        XCTAssertNil(k.execute("""
            let (train, test) = dataset("iris").split(0.8, stratify: "label", seed: 1)
            func accuracyOf(_ last) {
                let m = Sequential([Dense(16, activation: .relu), last], seed: 3)
                m.fit(train, target: "label", epochs: 60, batchSize: 16, optimizer: Adam(lr: 0.01), seed: 1)
                return m.evaluate(test, target: "label", metrics: ["accuracy"])["accuracy"]
            }
            """).error)
        let probabilities = number(k, "accuracyOf(Dense(3, activation: .softmax))")
        let logits = number(k, "accuracyOf(Dense(3))")
        XCTAssertGreaterThan(logits, 0.85)
        XCTAssertEqual(probabilities, logits, accuracy: 0.005)
    }

    func testPredictGivesProbabilitiesForBothForms() {
        let k = KernelHarness()
        XCTAssertNil(k.execute("""
            let x = randn([64, 4], seed: 1)
            let y = (x.sum(axis: 1) > 0) * 1
            let sig = Sequential([Dense(1, activation: .sigmoid)], seed: 1)
            sig.fit(x, y, epochs: 5, batchSize: 16, loss: .binaryCrossEntropy)
            let raw = Sequential([Dense(1)], seed: 1)
            raw.fit(x, y, epochs: 5, batchSize: 16, loss: .binaryCrossEntropy)
            let soft = Sequential([Dense(3)], seed: 1)
            soft.fit(x, (x.sum(axis: 1) > 0) * 1 + (x.sum(axis: 1) > 1) * 1, epochs: 5)
            """).error)
        XCTAssertEqual(k.execute("abs(sig.predict(x) - raw.predict(x)).max() < 1e-6").result, "true", "the same weights, the same probabilities")
        XCTAssertEqual(k.execute("raw.predict(x).min() >= 0 && raw.predict(x).max() <= 1").result, "true")
        XCTAssertEqual(k.execute("raw.predictProba(x).shape").result, "[64, 2]")
        XCTAssertEqual(k.execute("abs(raw.predictProba(x).sum(axis: 1) - 1).max() < 1e-6").result, "true")
        XCTAssertEqual(k.execute("soft.predict(x).shape").result, "[64, 3]")
        XCTAssertEqual(k.execute("abs(soft.predict(x).sum(axis: 1) - 1).max() < 1e-5").result, "true", "softmax rows")
        XCTAssertEqual(k.execute("tensor([0.0]).sigmoid().item()").result, "0.5")
        XCTAssertEqual(k.execute("abs(tensor([1.0]).exp().log().item() - 1) < 1e-6").result, "true")
        XCTAssertEqual(k.execute("tensor([0.0]).tanh().item()").result, "0.0")
        // A regression model: outputs as they are, and no probabilities to give.
        XCTAssertNil(k.execute("let reg = Sequential([Dense(1)], seed: 1)\nreg.fit(x, x.sum(axis: 1), epochs: 2)").error)
        XCTAssertEqual(k.execute("reg.predictProba(x)").error?.content["ename"]?.stringValue, "TypeError")
    }

    func testTheLossIsKeptInACheckpoint() {
        let k = KernelHarness()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertNil(k.execute("""
            let x = randn([32, 4], seed: 1)
            let m = Sequential([Dense(1)], seed: 1)
            m.fit(x, (x.sum(axis: 1) > 0) * 1, epochs: 3, loss: .binaryCrossEntropy)
            m.save("\(path)")
            let back = load("\(path)")
            """).error)
        XCTAssertEqual(k.execute("abs(back.predict(x) - m.predict(x)).max() == 0").result, "true", "probabilities after a load too")
    }
}

/// What the docs say evaluate takes: scikit-learn's scorer names and aliases, Metric
/// values, and amount metrics that read their column from the frame.
final class EvaluateMetricsTests: XCTestCase {
    func testEvaluateTakesTheNamesUsersTypeAndMetricValues() {
        let k = KernelHarness()
        XCTAssertNil(k.execute("""
            let fraud = dataset("fraud", rows: 4000, seed: 2).drop(["merchant_category"])
            let (train, test) = fraud.split(0.8, stratify: "label", seed: 1)
            let m = Sequential([Dense(8, activation: .relu), Dense(1, activation: .sigmoid)], seed: 1)
            m.fit(train, target: "label", epochs: 3, batchSize: 64)
            let value = costMatrix(tp: { row in 50 + row.amount }, fp: -10, fn: { row in -row.amount })
            let e = m.evaluate(test, target: "label", metrics: ["auc", "roc_auc", "rocAUC", "neg_log_loss", "f1_macro", "balanced_accuracy", value, "amountRecall"], amount: "amount")
            """).error)
        XCTAssertEqual(k.execute("e.keys").result, "[\"loss\", \"auc\", \"roc_auc\", \"rocAUC\", \"neg_log_loss\", \"f1_macro\", \"balanced_accuracy\", \"costMatrix\", \"amountRecall\"]")
        XCTAssertEqual(k.execute("e.auc == e.rocAUC && e.roc_auc == e.rocAUC").result, "true")
        XCTAssertEqual(k.execute("e.neg_log_loss < 0").result, "true", "scikit-learn's neg_ scorers are negated")
        XCTAssertEqual(k.execute("e.amountRecall >= 0 && e.amountRecall <= 1").result, "true")
        XCTAssertEqual(k.execute("m.evaluate(test, target: \"label\", metrics: [\"amountRecall\"], amount: test[\"amount\"]).amountRecall == e.amountRecall").result,
                       "true", "the column by name, or its values")
        // The same numbers as the metric functions on the probabilities.
        XCTAssertEqual(k.execute("abs(e.auc - rocAUC(test[\"label\"], m.predict(test, target: \"label\").reshape([-1]))) < 1e-9").result, "true")
        XCTAssertTrue(k.execute("m.evaluate(test, target: \"label\", metrics: [\"amountRecall\"])").errorText.contains("needs amount:"))
        XCTAssertTrue(k.execute("m.evaluate(test, target: \"label\", metrics: [\"aucc\"])").errorText.contains("no metric named \"aucc\""))
    }
}
