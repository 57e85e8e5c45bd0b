import XCTest

/// A Keras user's workflow: compile(optimizer:loss:metrics:) then fit and evaluate with
/// their defaults, and one-hot targets (to_categorical's) for a categorical cross-entropy.
final class KerasHabitTests: XCTestCase {
    /// Runs `code`, which must fail with an error whose text contains `words`.
    func assertFails(_ k: KernelHarness, _ code: String, saying words: String, file: StaticString = #filePath, line: UInt = #line) {
        let text = k.execute(code).errorText
        XCTAssertTrue(text.contains(words), "\(code): \(text)", file: file, line: line)
    }

    let setup = """
        let x = randn([60, 4], seed: 2)
        let y = tensor((0..<60).map { $0 % 3 })
        let hot = oneHot(y, classes: 3)
        func net() { Sequential([Dense(8, activation: .relu), Dense(3, activation: .softmax)], seed: 1) }
        """

    func testCompileSetsTheOptimizerLossAndMetricsLaterCallsUse() {
        let k = KernelHarness()
        XCTAssertNil(k.execute(setup).error)
        XCTAssertNil(k.execute("let m = net()\nm.compile(optimizer: \"adam\", loss: .crossEntropy, metrics: [\"accuracy\"])").error)
        XCTAssertNil(k.execute("let h = m.fit(x, y, epochs: 3, verbose: 0)").error)
        XCTAssertEqual(k.execute("m.evaluate(x, y).keys.sorted()").result, "[\"accuracy\", \"loss\"]")
        // The same as naming them at the fit: the same steps, the same losses.
        XCTAssertNil(k.execute("let twin = net()\nlet h2 = twin.fit(x, y, epochs: 3, optimizer: Adam(), loss: .crossEntropy, verbose: 0)").error)
        XCTAssertEqual(k.execute("h.last[\"loss\"] == h2.last[\"loss\"]").result, "true")
        // evaluate's own metrics win over compile's.
        XCTAssertEqual(k.execute("m.evaluate(x, y, metrics: [\"f1\"]).keys.sorted()").result, "[\"f1\", \"loss\"]")
    }

    func testACompiledLossIsNotInferredOver() {
        let k = KernelHarness()
        XCTAssertNil(k.execute("let x = randn([40, 3], seed: 1)\nlet y = tensor((0..<40).map { Double($0 % 2) })").error)
        // 0/1 targets and one output would infer a binary cross-entropy; compile said mse.
        XCTAssertNil(k.execute("let m = Sequential([Dense(1)], seed: 1)\nm.compile(loss: .mse)\nm.fit(x, y, epochs: 2, verbose: 0)").error)
        XCTAssertEqual(k.execute("let d = m.predict(x).reshape([40]) - y\nabs(m.evaluate(x, y)[\"loss\"] - (d * d).mean()) < 1e-5").result, "true")
    }

    func testOneHotTargetsTrainAsTheirClassIndices() {
        let k = KernelHarness()
        XCTAssertNil(k.execute(setup).error)
        XCTAssertNil(k.execute("let a = net()\nlet ha = a.fit(x, y, epochs: 4, loss: .crossEntropy, validation: (x, y), verbose: 0)").error)
        let fit = k.execute("let b = net()\nlet hb = b.fit(x, hot, epochs: 4, loss: .crossEntropy, validation: (x, hot), verbose: 0)")
        XCTAssertNil(fit.error, fit.errorText)
        XCTAssertEqual(k.execute("ha[\"loss\"] == hb[\"loss\"] && ha[\"val_accuracy\"] == hb[\"val_accuracy\"]").result, "true")
        XCTAssertEqual(k.execute("b.evaluate(x, hot, metrics: [\"accuracy\", \"f1_macro\"]) == b.evaluate(x, y, metrics: [\"accuracy\", \"f1_macro\"])").result, "true")
        // Without a loss named, one-hot rows under a softmax are a cross-entropy's too.
        XCTAssertNil(k.execute("let c = net()\nc.fit(x, hot, epochs: 1, verbose: 0)").error)
        // Soft rows are not guessed at: the error says what the loss takes.
        let soft = k.execute("b.evaluate(x, hot * 0.5 + 0.5 / 3)")
        XCTAssertTrue(soft.errorText.contains("is not one-hot"), soft.errorText)
        XCTAssertTrue(soft.errorText.contains("argmax(axis: 1)"), soft.errorText)
    }

    func testKerasNamesRunOrSayOurs() {
        let k = KernelHarness()
        XCTAssertNil(k.execute(setup + "\nlet m = net()\nlet h = m.fit(x, y, epochs: 3, verbose: 0)").error)
        XCTAssertEqual(k.execute("h.history[\"loss\"] == h[\"loss\"] && h.history.keys.sorted() == h.names.sorted()").result, "true")
        XCTAssertEqual(k.execute("m.predict(x, verbose: 0).shape").result, "[60, 3]")
        XCTAssertEqual(k.execute("m.evaluate(x, y, verbose: 0).keys.sorted()").result, "[\"loss\"]")
        assertFails(k, "m.fit(x, y, validation_data: (x, y))", saying: "did you mean 'validation'?")
        assertFails(k, "Adam(learning_rate: 0.01)", saying: "did you mean 'lr'?")
        assertFails(k, "m.count_params()", saying: "model.parameters")
        assertFails(k, "m.fit(x, y, batch_size: 8)", saying: "did you mean 'batchSize'?")
        // Keyword arguments in a Python hand's order, and a clip that would climb the loss.
        XCTAssertEqual(k.execute("m.fit(x, y, verbose: 0, epochs: 2, batchSize: 16).epochs").result, "2")
        assertFails(k, "m.fit(x, y, clipNorm: 0)", saying: "fit(clipNorm:) is the largest gradient norm a step keeps, above 0")
    }

    func testLayersAddedOneByOne() {
        let k = KernelHarness()
        XCTAssertNil(k.execute(setup).error)
        XCTAssertNil(k.execute("let m = Sequential(seed: 1)\nm.add(Dense(8, activation: .relu))\nm.add(Dense(3, activation: .softmax))").error)
        // The same network as one built from the list: the same weights, the same losses.
        XCTAssertNil(k.execute("let a = m.fit(x, y, epochs: 3, verbose: 0)\nlet b = net().fit(x, y, epochs: 3, verbose: 0)").error)
        XCTAssertEqual(k.execute("a[\"loss\"] == b[\"loss\"]").result, "true")
        assertFails(k, "m.add(Dense(2))", saying: "add layers before the model is built")
        assertFails(k, "Sequential().fit(x, y)", saying: "the model has no layers")
        assertFails(k, "Sequential().add(3)", saying: "needs a Layer")
    }

    func testKerasStringsForChoices() {
        let k = KernelHarness()
        XCTAssertNil(k.execute(setup).error)
        // activation: "relu" is .relu, loss: "sparse_categorical_crossentropy" the cross-entropy.
        XCTAssertNil(k.execute("let m = Sequential([Dense(8, activation: \"relu\"), Dense(3, activation: \"softmax\")], seed: 1)\nm.compile(optimizer: \"adam\", loss: \"sparse_categorical_crossentropy\")").error)
        XCTAssertNil(k.execute("let h = m.fit(x, y, epochs: 3, verbose: 0)\nlet h2 = net().fit(x, y, epochs: 3, loss: .crossEntropy, verbose: 0)").error)
        XCTAssertEqual(k.execute("h[\"loss\"] == h2[\"loss\"]").result, "true")
        let typo = k.execute("Dense(8, activation: \"rellu\")")
        XCTAssertTrue(typo.errorText.contains("ValueError") && typo.errorText.contains("did you mean .relu?"), typo.errorText)
        assertFails(k, "Dense(8, activation: 3)", saying: "TypeError")
    }

    func testCompileMistakesAreClear() {
        let k = KernelHarness()
        XCTAssertNil(k.execute(setup + "\nlet m = net()").error)
        assertFails(k, "m.compile(optimizer: \"adamax\")", saying: "unknown optimizer \"adamax\"")
        assertFails(k, "m.compile(metrics: [\"acuracy\"])", saying: "did you mean \"accuracy\"?")
        assertFails(k, "m.compile(loss: .crossEntropyy)", saying: "crossEntropy")
        assertFails(k, "m.compile(optimizer: 3)", saying: "takes an Optimizer")
        // A failed compile changes nothing: not the metrics, not the optimizer, not the loss.
        XCTAssertNil(k.execute("m.compile(metrics: [\"accuracy\"])").error)
        assertFails(k, "m.compile(optimizer: \"sgd\", loss: .mse, metrics: [\"f1\", \"nope\"])", saying: "no metric \"nope\"")
        XCTAssertNil(k.execute("m.fit(x, y, epochs: 1, verbose: 0)").error)
        XCTAssertEqual(k.execute("m.evaluate(x, y).keys.sorted()").result, "[\"accuracy\", \"loss\"]")
        XCTAssertEqual(k.execute("let twin = net()\ntwin.fit(x, y, epochs: 1, verbose: 0)\nm.evaluate(x, y)[\"loss\"] == twin.evaluate(x, y)[\"loss\"]").result, "true",
                       "Adam and the cross-entropy, as before the failed compile")
    }
}
