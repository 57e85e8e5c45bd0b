import XCTest

/// The framework as a notebook drives it: define, fit, evaluate, save, load, grad.
final class NNBindingTests: XCTestCase {
    func testDefineFitEvaluateSaveLoad() {
        let k = KernelHarness()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertNil(k.execute("let (train, test) = dataset(\"iris\").split(0.8, stratify: \"label\", seed: 1)").error)
        XCTAssertNil(k.execute("let model = Sequential([Dense(16, activation: .relu), Dropout(0.1), Dense(3)], seed: 1)").error)
        XCTAssertTrue(k.execute("model").result?.contains("shapes known after the first batch") ?? false)
        let fit = k.execute("let h = model.fit(train, target: \"label\", epochs: 40, batchSize: 16, optimizer: Adam(lr: 0.01), validation: test, seed: 1)")
        XCTAssertNil(fit.error, fit.errorText)
        XCTAssertEqual(k.execute("h.epochs").result, "40")
        XCTAssertEqual(k.execute("h.names").result, "[\"loss\", \"val_loss\", \"val_accuracy\"]")
        XCTAssertGreaterThan(Double(k.execute("h.last[\"val_accuracy\"]").result ?? "0") ?? 0, 0.85)
        XCTAssertEqual(k.execute("h[\"loss\"].count").result, "40")
        let chart = k.execute("h.plot()")
        XCTAssertTrue(chart.messages.contains { $0.content["data"]?["image/svg+xml"]?.stringValue?.contains("val_loss") ?? false })
        let eval = k.execute("let e = model.evaluate(test, target: \"label\", metrics: [\"accuracy\", \"f1\", \"rocAUC\"])")
        XCTAssertNil(eval.error, eval.errorText)
        XCTAssertEqual(k.execute("e.keys.sorted()").result, "[\"accuracy\", \"f1\", \"loss\", \"rocAUC\"]")
        XCTAssertEqual(k.execute("e[\"accuracy\"] == h.last[\"val_accuracy\"]").result, "true")
        let summary = k.execute("model.summary()")
        XCTAssertTrue(summary.result?.contains("Dense(16, relu)  [batch, 16]           80") ?? false, summary.result ?? "")
        XCTAssertTrue(summary.messages.contains { $0.content["data"]?["text/html"]?.stringValue?.contains("<table") ?? false })
        XCTAssertNil(k.execute("model.save(\"\(path)\")").error)
        XCTAssertNil(k.execute("let again = load(\"\(path)\")").error)
        XCTAssertEqual(k.execute("abs(again.predict(test, target: \"label\") - model.predict(test, target: \"label\")).max()").result, "0.0")
        XCTAssertEqual(k.execute("model.predict(test, target: \"label\").shape").result, "[30, 3]")
        XCTAssertEqual(k.execute("model.predict(test.drop([\"label\"])).shape").result, "[30, 3]", "a frame of features only")
        // Training goes on where it stopped, with the kept optimizer.
        XCTAssertNil(k.execute("let h2 = model.fit(train, target: \"label\", epochs: 2)").error)
    }

    func testTensorsInAndConvolutions() {
        let k = KernelHarness()
        XCTAssertNil(k.execute("let x = randn([32, 1, 6, 6], seed: 1)\nlet y = (x.mean(axis: 3).mean(axis: 2).reshape([-1]) > 0) * 1").error)
        XCTAssertNil(k.execute("let cnn = Sequential([Conv2D(4, kernel: 3, padding: 1, activation: .relu), MaxPool2D(2), BatchNorm(), Flatten(), Dense(2)], seed: 2)").error)
        let fit = k.execute("let h = cnn.fit(x, y, epochs: 3, batchSize: 8, optimizer: SGD(lr: 0.05, momentum: 0.9), clipNorm: 5, schedule: cosine(steps: 12))")
        XCTAssertNil(fit.error, fit.errorText)
        XCTAssertEqual(k.execute("cnn.summary().text.contains(\"[batch, 4, 3, 3]\")").result, "true")
        XCTAssertEqual(k.execute("cnn.predict(x).shape").result, "[32, 2]")
        let flat = k.execute("Sequential([Conv2D(2, kernel: 3), Flatten(), Dense(2)]).fit(tensor([[1, 2, 3, 4]]), tensor([1]))")
        XCTAssertTrue(flat.errorText.contains("inputShape"), flat.errorText)
        XCTAssertNil(k.execute("let imgs = Sequential([Conv2D(2, kernel: 3), Flatten(), Dense(2)], inputShape: [1, 3, 3])").error)
        XCTAssertNil(k.execute("imgs.fit(zeros([4, 9]), tensor([0, 1, 0, 1]))").error, "flat rows are reshaped to the declared input shape")
    }

    func testErrorsAreClear() {
        let k = KernelHarness()
        XCTAssertNil(k.execute("let m = Sequential([Dense(4), Dense(1)])\nlet x = randn([16, 3], seed: 1)\nlet y = randn([16], seed: 2) * 1e30").error)
        let nan = k.execute("m.fit(x, y, epochs: 3, optimizer: SGD(lr: 1e10), loss: .mse)")
        XCTAssertEqual(nan.error?.content["ename"]?.stringValue, "TrainingError", nan.errorText)
        XCTAssertTrue(nan.errorText.contains("learning rate"), nan.errorText)
        XCTAssertTrue(k.execute("m.fit(x, y, loss: .mae)").errorText.contains("fit(loss:) is one of .crossEntropy"))
        XCTAssertTrue(k.execute("m.fit(x)").errorText.contains("needs targets"))
        XCTAssertTrue(k.execute("m.fit(x, y, epochs: 0)").errorText.contains("at least 1"))
        XCTAssertTrue(k.execute("Dense(3, activation: .swish)").errorText.contains(".relu, .gelu"))
        XCTAssertTrue(k.execute("Sequential([Dense(3), 4])").errorText.contains("element 1 is an Int, not a layer"))
        XCTAssertTrue(k.execute("load(\"/nonexistent.safetensors\")").errorText.contains("IOError: no checkpoint at"), "a file that is not there is an IOError, as for readCSV")
        XCTAssertTrue(k.execute("m.evaluate(x, y, metrics: [\"auc2\"])").error != nil)
        // Labels and indices far beyond an Int are errors, never traps.
        let huge = k.execute("Sequential([Dense(2)], seed: 1).evaluate(randn([4, 3], seed: 1), tensor([1e30, 0, 1, 0]), metrics: [\"accuracy\"])")
        XCTAssertTrue(huge.errorText.contains("not a class index"), huge.errorText)
        let index = k.execute("Sequential([Embedding(5, 2)], seed: 1).predict(tensor([[1e30, 1]]))")
        XCTAssertTrue(index.errorText.contains("is not an index in 0..<5"), index.errorText)
        XCTAssertTrue(k.execute("Adam(lr: -1)").errorText.contains("an Adam optimizer has lr -1; it must be above 0"))
        let shape = k.execute("m.predict(randn([2, 5], seed: 1))")
        XCTAssertEqual(shape.error?.content["ename"]?.stringValue, "ShapeError", shape.errorText)
    }

    func testGradOfAClosure() {
        let k = KernelHarness()
        XCTAssertNil(k.execute("let x = tensor([[1, 2], [3, 4], [5, 6]])\nlet w = tensor([0.5, -1])").error)
        // d/dw Σ (x w)² = 2 xᵀ x w
        XCTAssertEqual(k.execute("grad(of: { v in ((x @ v) ** 2).sum() }, at: w).values").result,
                       k.execute("((x.T @ (x @ w)) * 2).values").result)
        XCTAssertEqual(k.execute("grad(of: { v in (v * v).mean() + v.sum() }, at: w).values").result, "[1.5, 0.0]")
        XCTAssertEqual(k.execute("grad(of: { v in v.logSoftmax().sum() }, at: tensor([1, 1])).values").result, "[0.0, 0.0]")
        XCTAssertTrue(k.execute("grad(of: { v in 3 }, at: w)").errorText.contains("must return a tensor"))
        XCTAssertTrue(k.execute("grad(of: { v in v * 2 }, at: w)").errorText.contains("single-value loss"))
    }

    /// One tensor type: every member and operator works on the tensor a grad closure gets,
    /// and each one with a gradient gives the one finite differences give.
    func testEveryTensorOperationIsDifferentiableWhereItHasAGradient() {
        let k = KernelHarness()
        XCTAssertNil(k.execute("""
            let x = tensor([[0.3, -1.2, 2.2], [1.1, 0.7, -0.4]])
            let probe = tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
            func check(_ f) {
                let g = grad(of: { v in (f(v) * 1).sum() }, at: x)
                let h = 0.01
                var worst = 0.0
                for i in 0..<2 { for j in 0..<3 {
                    let e = tensor((0..<2).map { r in (0..<3).map { c in r == i && c == j ? h : 0.0 } })
                    let numeric = ((f(x + e) * 1).sum() - (f(x - e) * 1).sum()) / (2 * h)
                    worst = max(worst, abs(numeric - g[i][j]) / max(1.0, abs(numeric)))
                } }
                return worst
            }
            """).error)
        let cases = ["v + probe", "v - 2", "3 - v", "v * probe", "v / (abs(probe) + 1)", "1 / (v * v + 1)", "v @ probe.T", "probe.T @ v",
                     "(v ** 2) * probe", "2 ** v", "abs(v) ** (probe * 0 + 1.5)", "exp(v)", "log(v * v + 1)", "sqrt(v * v + 1)", "abs(v)",
                     "sin(v)", "cos(v)", "tan(v * 0.5)", "-v", "v.T", "v.sum(axis: 0)", "v.mean(axis: 1)", "v.max(axis: 1)",
                     "v.min(axis: 0)", "v.variance(axis: 1)", "v.max() * probe", "probe * (max(v) + min(v))", "v.reshape([3, 2]) @ probe",
                     "v.reshape([-1]).gather([0, 5, 5])", "v.permute([1, 0])", "v.softmax() * probe", "v.logSoftmax(axis: 0) * probe",
                     "v.sigmoid() * probe", "v.relu() * probe", "v.tanh()", "v.exp()", "(v * v + 1).log()", "v[1] * probe[0]", "v[0..<1] * probe",
                     "v * (v > 0)", "floor(v) + v", "round(v * 3) + ceil(v)",
                     "concat([v, v * v], axis: 0)", "concat([v, probe], axis: 1) * 2", "stack([v, sin(v)], axis: 1)"]
        for c in cases {
            let r = k.execute("check { v in \(c) }")
            XCTAssertNil(r.error, "\(c): \(r.errorText)")
            XCTAssertLessThan(Double(r.result ?? "1") ?? 1, 2e-2, "d/dv of \(c)")
        }
        // A traced tensor answers every member a tensor has.
        for name in k.execute("tensor([1]).shape").result == nil ? [] : ["shape", "dtype", "count", "rank", "values", "T"] {
            XCTAssertNil(k.execute("grad(of: { v in let m = v.\(name)\nreturn v.sum() }, at: x)").error, name)
        }
        XCTAssertEqual(k.execute("grad(of: { v in v.item() * 0 + v.sum() }, at: tensor([2.0])).values").result, "[1.0]")
        XCTAssertEqual(k.execute("grad(of: { v in (v.int().float() * 0 + v).sum() }, at: tensor([2.0])).values").result, "[1.0]")
        XCTAssertEqual(k.execute("grad(of: { v in v.argmax().float().sum() + v.sum() }, at: tensor([2.0, 3.0])).values").result, "[1.0, 1.0]")
        // A result that does not depend on the argument, and a bad axis inside the closure.
        XCTAssertTrue(k.execute("grad(of: { v in tensor([1.0]) }, at: x)").errorText.contains("does not depend on it"))
        XCTAssertEqual(k.execute("grad(of: { v in v.mean(axis: 5) }, at: x)").error?.content["ename"]?.stringValue, "ValueError")
        XCTAssertEqual(k.execute("grad(of: { v in v.softmax(axis: -3).sum() }, at: x)").error?.content["ename"]?.stringValue, "ValueError")
        // A method taken from a tensor outlives the expression that made it.
        XCTAssertEqual(k.execute("let f = tensor([1, 2]).sum\nf()").result, "3.0")
    }

    func testEveryLayerOptimizerAndScheduleFromTheLanguage() {
        let k = KernelHarness()
        // Sequences of word indices into an embedding, averaged by a pooling-free flatten.
        XCTAssertNil(k.execute("let words = tensor((rand([64, 5], seed: 1) * 20).values.map { r in r.map { v in Double(Int(v)) } })\nlet labels = (words.sum(axis: 1) > 47) * 1").error)
        let embed = k.execute("let text = Sequential([Embedding(20, 4), Flatten(), BatchNorm(), Dense(8, activation: .gelu), LayerNorm(), Dropout(0.1), Dense(2)], seed: 3)\nlet ht = text.fit(words, labels, epochs: 3, batchSize: 16, optimizer: AdamW(lr: 0.01, weightDecay: 0.01), schedule: warmup(steps: 4))")
        XCTAssertNil(embed.error, embed.errorText)
        XCTAssertEqual(k.execute("text.predict(words).shape").result, "[64, 2]")
        let images = k.execute("let imgs = randn([16, 2, 6, 6], seed: 2)\nlet cls = (imgs.mean(axis: 3).mean(axis: 2).mean(axis: 1) > 0) * 1\nlet avg = Sequential([Conv2D(3, kernel: 3, stride: 1, padding: 1, activation: .tanh), AvgPool2D(2), Activation(.relu), Flatten(), Dense(1)], seed: 4)\nlet ha = avg.fit(imgs, cls, epochs: 2, batchSize: 8, optimizer: RMSProp(lr: 0.01), loss: .binaryCrossEntropy, schedule: step(every: 2, factor: 0.5))")
        XCTAssertNil(images.error, images.errorText)
        XCTAssertEqual(k.execute("avg.evaluate(imgs, cls, metrics: [\"accuracy\", \"rocAUC\"]).keys.sorted()").result, "[\"accuracy\", \"loss\", \"rocAUC\"]")
        let regression = k.execute("let xs = randn([40, 3], seed: 5)\nlet ys = xs @ tensor([1, -2, 0.5])\nlet lin = Sequential([Dense(1)], seed: 6)\nlet hl = lin.fit(xs, ys, epochs: 30, batchSize: 8, optimizer: SGD(lr: 0.05, momentum: 0.9, nesterov: true), loss: .mse)")
        XCTAssertNil(regression.error, regression.errorText)
        XCTAssertLessThan(Double(k.execute("hl.last[\"loss\"]").result ?? "1") ?? 1, 0.01, "a linear model fits a linear target")
        XCTAssertEqual(k.execute("lin.evaluate(xs, ys, metrics: [\"r2\", \"mae\"]).keys.sorted()").result, "[\"loss\", \"mae\", \"r2\"]")
        XCTAssertNil(k.execute("let hh = lin.fit(xs, ys, epochs: 2, loss: .huber)").error)
        XCTAssertEqual(k.execute("Adam(lr: 0.5).lr").result, "0.5")
        // A schedule given with the optimizer: step(every: 5, factor: 0) stops learning after 5 steps.
        XCTAssertNil(k.execute("let frozen = Sequential([Dense(1)], seed: 6)\nlet hf = frozen.fit(xs, ys, epochs: 2, batchSize: 8, optimizer: SGD(lr: 0.05, schedule: step(every: 5, factor: 0)), loss: .mse)").error)
        XCTAssertEqual(k.execute("let w1 = frozen.predict(xs)\nlet hf2 = frozen.fit(xs, ys, epochs: 1, batchSize: 8)\n(frozen.predict(xs) - w1).abs().max()").result, "0.0", "t.abs() is abs(t)")
        XCTAssertEqual(k.execute("abs(frozen.predict(xs) - w1).max()").result, "0.0", "the schedule carried on with the optimizer (its step count)")
        // A new optimizer starts its own schedule from its own rate.
        XCTAssertNil(k.execute("let hf3 = frozen.fit(xs, ys, epochs: 1, batchSize: 8, optimizer: SGD(lr: 0.05))").error)
        XCTAssertNotEqual(k.execute("abs(frozen.predict(xs) - w1).max()").result, "0.0")
        XCTAssertTrue(k.execute("Adam(schedule: 3)").errorText.contains("cosine(steps:)"))
        XCTAssertEqual(k.execute("cosine(steps: 10)").result, "cosine(steps: 10)")
    }
}
