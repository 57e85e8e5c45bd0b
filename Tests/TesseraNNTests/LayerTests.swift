import XCTest
@testable import TesseraNN
import TesseraTensor

/// Each layer's gradients (inputs and parameters) against finite differences, its shapes,
/// and its modes.
final class LayerTests: XCTestCase {
    let check = GradientCheck()

    /// Checks d(Σ w ⊙ layer(x))/d(x and every parameter) with the layer built for `x`.
    func checkLayer(_ layer: any Layer, _ x: Tensor, training: Bool = true, checkInput: Bool = true, file: StaticString = #filePath, line: UInt = #line) throws {
        var rng = RandomGenerator(seed: 3)
        _ = try layer.build(inputShape: Array(x.shape.dropFirst()), rng: &rng)
        let params = layer.parameters.map(\.variable)
        let originals = params.map(\.value)
        let inputs = (checkInput ? [x] : []) + originals
        try check.check(layer.description, inputs, file: file, line: line) { tape, vars in
            let input = checkInput ? vars[0] : Variable(x)
            // The layer's own parameters take the perturbed values.
            for (p, v) in zip(params, vars.dropFirst(checkInput ? 1 : 0)) { p.value = v.value }
            let pass = ForwardPass(tape: tape, training: training)
            // Route the parameters' gradients to the checker's variables.
            let y = try layer.forward(input, pass)
            let w = Variable(randomTensor(y.shape, seed: 77))
            let loss = try tape.sum(try tape.multiply(y, w))
            return loss
        } gradientsOf: { vars in
            (checkInput ? [vars[0].grad] : []) + params.map(\.grad)
        }
        for (p, o) in zip(params, originals) { p.value = o }
    }

    func testDense() throws {
        for a in Activation.allCases where a != .softmax {
            try checkLayer(Dense(3, activation: a), randomTensor([4, 5], seed: 1))
        }
        try checkLayer(Dense(3, activation: .softmax), randomTensor([2, 4], seed: 2))
        try checkLayer(Dense(2, useBias: false), randomTensor([3, 4], seed: 2))
    }

    func testConv2D() throws {
        try checkLayer(Conv2D(2, kernel: 3), randomTensor([2, 1, 5, 5], seed: 4))
        // tanh rather than relu: a finite difference across relu's kink is not its gradient.
        try checkLayer(Conv2D(3, kernel: 2, stride: 2, padding: 1, activation: .tanh), randomTensor([1, 2, 5, 4], seed: 5))
        try checkLayer(Conv2D(2, kernel: 3, padding: 1, useBias: false), randomTensor([2, 3, 4, 4], seed: 6))
    }

    /// A fused epilogue (`fused`) against the same steps on the tape (`plain`, before the
    /// ReLU): values and both gradients, with and without the ReLU.
    func checkEpilogue(_ what: String, product: Tensor, bias: Tensor, gradient g: Tensor,
                       fused: (Tape, Variable, Variable, Bool) throws -> Variable,
                       plain: (Tape, Variable, Variable) throws -> Variable, file: StaticString = #filePath, line: UInt = #line) throws {
        for relu in [true, false] {
            let t1 = Tape(backend: OpenBLASBackend()), p1 = Variable(product, requiresGrad: true), b1 = Variable(bias, requiresGrad: true)
            let y1 = try fused(t1, p1, b1, relu)
            try t1.backward(try t1.sum(try t1.multiply(y1, Variable(g))))
            let t2 = Tape(backend: OpenBLASBackend()), p2 = Variable(product, requiresGrad: true), b2 = Variable(bias, requiresGrad: true)
            var y2 = try plain(t2, p2, b2)
            if relu { y2 = try t2.relu(y2) }
            try t2.backward(try t2.sum(try t2.multiply(y2, Variable(g))))
            XCTAssertEqual(y1.value, y2.value, "\(what), relu \(relu): values", file: file, line: line)
            XCTAssertEqual(p1.grad, p2.grad, "\(what), relu \(relu): the products' gradient", file: file, line: line)
            for (x, y) in zip(b1.grad!.storage, b2.grad!.storage) {
                XCTAssertEqual(x, y, accuracy: 1e-5, "\(what), relu \(relu): the bias's gradient", file: file, line: line)
            }
        }
    }

    /// The CPU's fused epilogues (reorder, bias, ReLU in one pass) against the same steps on the tape.
    func testFusedEpiloguesMatchTheTape() throws {
        try checkEpilogue("convolution", product: randomTensor([4, 3, 10], seed: 21), bias: randomTensor([4], seed: 22), gradient: randomTensor([3, 4, 10], seed: 23),
                          fused: { t, p, b, relu in try t.channelsOut(p, bias: b, relu: relu) },
                          plain: { t, p, b in try t.add(try t.permute(p, [1, 0, 2]), try t.reshape(b, [4, 1])) })
        // 19 columns: two full eight-lane blocks and a tail.
        try checkEpilogue("dense", product: randomTensor([5, 19], seed: 31), bias: randomTensor([19], seed: 32), gradient: randomTensor([5, 19], seed: 33),
                          fused: { t, p, b, relu in try t.biasOut(p, bias: b, relu: relu) },
                          plain: { t, p, b in try t.add(p, b) })
    }

    func testPoolingFlattenAndActivation() throws {
        try checkLayer(MaxPool2D(2), randomTensor([2, 2, 4, 6], seed: 7))
        try checkLayer(MaxPool2D(3, stride: 2, padding: 1), randomTensor([1, 2, 5, 5], seed: 8))
        try checkLayer(AvgPool2D(2), randomTensor([2, 1, 4, 4], seed: 9))
        try checkLayer(AvgPool2D(3, stride: 1, padding: 1), randomTensor([1, 2, 3, 3], seed: 10))
        try checkLayer(Flatten(), randomTensor([2, 3, 2, 2], seed: 11))
        try checkLayer(ActivationLayer(.gelu), randomTensor([2, 3], seed: 12))
    }

    /// LayerNorm (added through its own file and Architecture.kinds alone): gradients, and
    /// each row normalized by its own statistics, the same in training and inference.
    func testLayerNorm() throws {
        try checkLayer(LayerNorm(), randomTensor([4, 5], seed: 21))
        try checkLayer(LayerNorm(epsilon: 1e-3), randomTensor([2, 3, 4], seed: 22))
        let ln = LayerNorm()
        var rng = RandomGenerator(seed: 0)
        _ = try ln.build(inputShape: [4], rng: &rng)
        let x = Tensor(shape: [2, 4], storage: [1, 2, 3, 4, 10, 10, 10, 50])
        for training in [true, false] {
            let y = try ln.forward(Variable(x), ForwardPass(tape: Tape(backend: ReferenceBackend()), training: training)).value.storage
            // Row 1: mean 2.5, variance 1.25.
            XCTAssertEqual(y[0], (1 - 2.5) / (1.25 + 1e-5).squareRoot(), accuracy: 1e-5)
            for row in [Array(y[0..<4]), Array(y[4..<8])] {
                XCTAssertEqual(row.reduce(0, +) / 4, 0, accuracy: 1e-5)
                XCTAssertEqual(row.map { $0 * $0 }.reduce(0, +) / 4, 1, accuracy: 1e-3)
            }
        }
        XCTAssertThrowsError(try LayerNorm.make(["epsilon": .number(0)])) { XCTAssertTrue("\($0)".contains("epsilon 0")) }
    }

    func testBatchNorm() throws {
        try checkLayer(BatchNorm(), randomTensor([6, 3], seed: 13))
        try checkLayer(BatchNorm(), randomTensor([3, 2, 3, 3], seed: 14))
        // In inference it uses the running statistics: a fixed affine map per channel.
        let bn = BatchNorm()
        var rng = RandomGenerator(seed: 0)
        _ = try bn.build(inputShape: [2], rng: &rng)
        let x = Tensor(shape: [4, 2], storage: [1, 10, 3, 20, 5, 30, 7, 40])
        _ = try bn.forward(Variable(x), ForwardPass(tape: Tape(backend: ReferenceBackend()), training: true))
        XCTAssertEqual(bn.runningMean!.value.storage, [0.4, 2.5], "0.9·0 + 0.1·mean")
        XCTAssertEqual(bn.runningVariance!.value.storage[0], 0.9 + 0.1 * 20 / 3, accuracy: 1e-5, "unbiased variance 20/3")
        let y = try bn.forward(Variable(x), ForwardPass(tape: Tape(backend: ReferenceBackend()), training: false))
        XCTAssertEqual(y.value.storage[0], (1 - 0.4) / (0.9 + 0.1 * 20 / 3 + 1e-5).squareRoot(), accuracy: 1e-5)
        XCTAssertThrowsError(try bn.forward(Variable(Tensor(shape: [1, 2], storage: [1, 2])), ForwardPass(tape: Tape(backend: ReferenceBackend()), training: true))) {
            XCTAssertTrue("\($0)".contains("more than one value per channel"))
        }
    }

    func testEmbedding() throws {
        let layer = Embedding(5, 3)
        try checkLayer(layer, Tensor(shape: [2, 3], storage: [0, 4, 4, 2, 0, 1]), checkInput: false)
        XCTAssertThrowsError(try layer.forward(Variable(Tensor(shape: [1], storage: [5])), ForwardPass(tape: Tape(backend: ReferenceBackend()), training: true))) {
            XCTAssertTrue("\($0)".contains("not an index in 0..<5"))
        }
    }

    func testDropoutScalesWhileTrainingAndPassesInInference() throws {
        let layer = Dropout(0.25)
        var rng = RandomGenerator(seed: 0)
        _ = try layer.build(inputShape: [1000], rng: &rng)
        let x = Variable(Tensor(shape: [10, 1000], storage: [Float](repeating: 1, count: 10_000)))
        let y = try layer.forward(x, ForwardPass(tape: Tape(backend: ReferenceBackend()), training: true, rng: RandomGenerator(seed: 1)))
        let zeros = y.value.storage.filter { $0 == 0 }.count
        XCTAssertEqual(Double(zeros) / 10_000, 0.25, accuracy: 0.02)
        XCTAssertTrue(y.value.storage.allSatisfy { $0 == 0 || abs($0 - 4.0 / 3) < 1e-6 })
        XCTAssertTrue(try layer.forward(x, ForwardPass(tape: Tape(backend: ReferenceBackend()), training: false)) === x)
        XCTAssertThrowsError(try Dropout(1).build(inputShape: [3], rng: &rng))
    }

    func testSequentialInfersShapesAndNamesParameters() throws {
        let model = Sequential([Conv2D(4, kernel: 3, padding: 1, activation: .relu), MaxPool2D(2), Flatten(), Dense(10)])
        _ = try model.forward(Variable(Tensor(zeros: [2, 1, 8, 8])), ForwardPass(tape: Tape(backend: ReferenceBackend()), training: false))
        XCTAssertEqual(model.shapes, [[4, 8, 8], [4, 4, 4], [64], [10]])
        XCTAssertEqual(model.namedParameters.map(\.name), ["0.weight", "0.bias", "3.weight", "3.bias"])
        XCTAssertEqual(model.parameterCount, 4 * 9 + 4 + 64 * 10 + 10)
        XCTAssertEqual(model.summary().map(\.output), [[-1, 4, 8, 8], [-1, 4, 4, 4], [-1, 64], [-1, 10]])
        XCTAssertThrowsError(try model.forward(Variable(Tensor(zeros: [2, 1, 9, 9])), ForwardPass(tape: Tape(backend: ReferenceBackend()), training: false))) {
            XCTAssertTrue("\($0)".contains("built for examples of shape [1, 8, 8]"), "\($0)")
        }
        XCTAssertThrowsError(try Sequential([Dense(3)]).build(inputShape: [1, 2, 2])) {
            XCTAssertTrue("\($0)".contains("layer 0 Dense(3): Dense(3) needs flat inputs"), "\($0)")
        }
        // Sequences [length, features] map position by position.
        let perPosition = Sequential([Dense(3)])
        try perPosition.build(inputShape: [5, 2])
        XCTAssertEqual(perPosition.shapes, [[5, 3]])
    }
}
