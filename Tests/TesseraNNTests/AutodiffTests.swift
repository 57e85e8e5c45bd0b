import XCTest
@testable import TesseraNN
import TesseraTensor

/// Every differentiable op's gradient against finite differences, on small shapes with
/// broadcasting; and the tape's own behaviour.
final class AutodiffTests: XCTestCase {
    let check = GradientCheck()

    /// A scalar that depends on every element differently: Σ w ⊙ y for a fixed random w.
    func weighted(_ t: Tape, _ y: Variable, seed: UInt64 = 99) throws -> Variable {
        try t.sum(try t.multiply(y, Variable(randomTensor(y.shape, seed: seed))))
    }

    func testArithmeticWithBroadcasting() throws {
        let a = randomTensor([3, 4], seed: 1), row = randomTensor([4], seed: 2), col = randomTensor([3, 1], seed: 3)
        let positive = randomTensor([3, 4], seed: 4, positive: true)
        try check.check("add row", [a, row]) { t, v in try weighted(t, try t.add(v[0], v[1])) }
        try check.check("subtract column", [a, col]) { t, v in try weighted(t, try t.subtract(v[0], v[1])) }
        try check.check("multiply row", [a, row]) { t, v in try weighted(t, try t.multiply(v[0], v[1])) }
        try check.check("divide", [a, positive]) { t, v in try weighted(t, try t.divide(v[0], v[1])) }
        try check.check("scalar broadcast", [a, randomTensor([], seed: 5)]) { t, v in try weighted(t, try t.multiply(v[0], v[1])) }
        try check.check("scale", [a]) { t, v in try weighted(t, try t.scale(v[0], -2.5)) }
        try check.check("the same variable twice", [a]) { t, v in try weighted(t, try t.multiply(v[0], v[0])) }
    }

    func testMatmul() throws {
        try check.check("matmul", [randomTensor([3, 5], seed: 1), randomTensor([5, 2], seed: 2)]) { t, v in try weighted(t, try t.matmul(v[0], v[1])) }
        try check.check("batched matmul", [randomTensor([2, 3, 4], seed: 3), randomTensor([2, 4, 2], seed: 4)]) { t, v in
            try weighted(t, try t.matmul(v[0], v[1]))
        }
        // A matrix against a batch, either side: the matrix's gradient sums over the batch.
        for (sa, sb) in [([2, 3, 4], [4, 2]), ([3, 4], [2, 4, 5]), ([1, 3, 4], [4, 2])] {
            try check.check("matmul \(sa) @ \(sb)", [randomTensor(sa, seed: 7), randomTensor(sb, seed: 8)]) { t, v in
                try weighted(t, try t.matmul(v[0], v[1]))
            }
        }
        for (sa, sb, tr) in [([3, 4], [2, 5, 4], Transpose(b: true)), ([2, 4, 3], [2, 4], Transpose(a: true, b: true)),
                             ([4, 3], [2, 4, 5], Transpose(a: true)), ([2, 3, 4], [4, 2], Transpose.none)] {
            try check.check("matmul \(sa) \(sb) \(tr)", [randomTensor(sa, seed: 5), randomTensor(sb, seed: 6)]) { t, v in
                try weighted(t, try t.matmul(v[0], v[1], transpose: tr))
            }
        }
    }

    func testActivations() throws {
        let x = randomTensor([2, 5], seed: 7, scale: 1.5)
        try check.check("relu", [x]) { t, v in try weighted(t, try t.relu(v[0])) }
        try check.check("sigmoid", [x]) { t, v in try weighted(t, try t.sigmoid(v[0])) }
        try check.check("tanh", [x]) { t, v in try weighted(t, try t.tanh(v[0])) }
        try check.check("gelu", [x]) { t, v in try weighted(t, try t.gelu(v[0])) }
        try check.check("exp", [x]) { t, v in try weighted(t, try t.exp(v[0])) }
        try check.check("log", [randomTensor([2, 5], seed: 8, positive: true)]) { t, v in try weighted(t, try t.log(v[0])) }
        try check.check("negate", [x]) { t, v in try weighted(t, try t.negate(v[0])) }
        try check.check("softmax", [x]) { t, v in try weighted(t, try t.softmax(v[0])) }
        try check.check("log-softmax", [x]) { t, v in try weighted(t, try t.logSoftmax(v[0])) }
        try check.check("sin", [x]) { t, v in try weighted(t, try t.sin(v[0])) }
        try check.check("cos", [x]) { t, v in try weighted(t, try t.cos(v[0])) }
        try check.check("tan", [randomTensor([2, 5], seed: 10, scale: 0.4)]) { t, v in try weighted(t, try t.tan(v[0])) }
        try check.check("abs", [x]) { t, v in try weighted(t, try t.abs(v[0])) }
        try check.check("sqrt", [randomTensor([2, 5], seed: 8, positive: true)]) { t, v in try weighted(t, try t.sqrt(v[0])) }
        try check.check("power by a constant", [randomTensor([2, 5], seed: 8, positive: true)]) { t, v in try weighted(t, try t.power(v[0], 2.5)) }
        // Base and exponent both varying, with a broadcast exponent.
        try check.check("power", [randomTensor([2, 5], seed: 11, positive: true), randomTensor([5], seed: 12, scale: 0.5)]) { t, v in
            try weighted(t, try t.power(v[0], v[1]))
        }
        for axis in [0, 1, -1] {
            try check.check("softmax along \(axis)", [randomTensor([3, 4, 2], seed: 13)]) { t, v in try weighted(t, try t.softmax(v[0], axis: axis, log: false)) }
            try check.check("log-softmax along \(axis)", [randomTensor([3, 4, 2], seed: 14)]) { t, v in try weighted(t, try t.softmax(v[0], axis: axis, log: true)) }
        }
    }

    /// floor, ceil and round pass no gradient, but their result stays on the tape.
    func testRoundingHasAZeroGradient() throws {
        let tape = Tape(backend: ReferenceBackend())
        let x = Variable(Tensor(shape: [3], storage: [-1.5, 0.4, 2.5]), requiresGrad: true)
        for op in [UnaryOp.floor, .ceil, .round] {
            let y = try tape.rounded(op, x)
            XCTAssertEqual(y.value.storage, x.value.storage.map(op.apply))
            XCTAssertTrue(y.requiresGrad)
        }
        XCTAssertEqual(try tape.rounded(.round, x).value.storage, [-2, 0, 3], "halves away from zero")
        try tape.backward(try tape.sum(try tape.add(try tape.rounded(.floor, x), x)))
        XCTAssertEqual(x.grad?.storage, [1, 1, 1])
        XCTAssertThrowsError(try tape.rounded(.exp, x))
    }

    func testReductionsAndReshape() throws {
        let x = randomTensor([2, 3, 4], seed: 9)
        try check.check("sum", [x]) { t, v in try t.sum(try t.multiply(v[0], v[0])) }
        try check.check("mean", [x]) { t, v in try t.mean(try t.multiply(v[0], v[0])) }
        for axis in [0, 1, 2, -1] {
            try check.check("sum along \(axis)", [x]) { t, v in try weighted(t, try t.sum(v[0], axis: axis)) }
            try check.check("mean along \(axis)", [x]) { t, v in try weighted(t, try t.mean(v[0], axis: axis)) }
        }
        try check.check("reshape", [x]) { t, v in try weighted(t, try t.reshape(v[0], [6, 4])) }
        for axis in [nil, 0, 1, -1] {
            try check.check("max along \(String(describing: axis))", [x]) { t, v in try weighted(t, try t.extreme(v[0], max: true, axis: axis)) }
            try check.check("min along \(String(describing: axis))", [x]) { t, v in try weighted(t, try t.extreme(v[0], max: false, axis: axis)) }
            try check.check("variance along \(String(describing: axis))", [x]) { t, v in try weighted(t, try t.variance(v[0], axis: axis)) }
        }
        try check.check("gather with a repeated index", [randomTensor([4, 3], seed: 15)]) { t, v in
            try weighted(t, try t.gather(v[0], IndexTensor(shape: [2, 2], values: [3, 0, 3, 1])))
        }
        try check.check("permute", [x]) { t, v in try weighted(t, try t.permute(v[0], [2, 0, 1])) }
        for axis in [0, 1, -1] {
            try check.check("concat along \(axis)", [x, randomTensor([2, 3, 4], seed: 16)]) { t, v in try weighted(t, try t.concat([v[0], v[1], v[0]], axis: axis)) }
            try check.check("stack along \(axis)", [x, randomTensor([2, 3, 4], seed: 17)]) { t, v in try weighted(t, try t.stack([v[0], v[1]], axis: axis)) }
        }
    }

    /// A tie shares the gradient of max evenly, as PyTorch's amax does.
    func testMaxSharesTheGradientAmongTies() throws {
        let tape = Tape(backend: ReferenceBackend())
        let x = Variable(Tensor(shape: [4], storage: [1, 3, 3, 2]), requiresGrad: true)
        try tape.backward(try tape.extreme(x, max: true))
        XCTAssertEqual(x.grad?.storage, [0, 0.5, 0.5, 0])
    }

    func testLosses() throws {
        let logits = randomTensor([4, 3], seed: 11, scale: 2), labels = Tensor(shape: [4], storage: [2, 0, 1, 2])
        try check.check("cross-entropy", [logits]) { t, v in try t.crossEntropy(v[0], labels: labels) }
        try check.check("cross-entropy, weighted and smoothed", [logits]) { t, v in
            try t.crossEntropy(v[0], labels: labels, weights: [0.5, 2, 1], labelSmoothing: 0.1)
        }
        let targets = Tensor(shape: [6], storage: [1, 0, 1, 1, 0, 0])
        try check.check("binary cross-entropy", [randomTensor([6], seed: 12, scale: 3)]) { t, v in
            try t.binaryCrossEntropy(v[0], targets: targets, positiveWeight: 3)
        }
        let y = randomTensor([3, 2], seed: 13)
        try check.check("mse", [randomTensor([3, 2], seed: 14)]) { t, v in try t.meanSquaredError(v[0], y) }
        try check.check("huber", [randomTensor([3, 2], seed: 15, scale: 2)]) { t, v in try t.huber(v[0], y, delta: 0.7) }
    }

    /// Values against closed forms (the gradient checks cannot see a wrong forward pass).
    func testLossValues() throws {
        let t = Tape(backend: ReferenceBackend())
        let logits = Variable(Tensor(shape: [2, 3], storage: [1, 2, 3, 0, 0, 0]))
        let ce = try t.crossEntropy(logits, labels: Tensor(shape: [2], storage: [2, 1])).value.storage[0]
        let expected = (-log(exp(3.0) / (exp(1.0) + exp(2.0) + exp(3.0))) + log(3.0)) / 2
        XCTAssertEqual(Double(ce), expected, accuracy: 1e-6)
        let bce = try t.binaryCrossEntropy(Variable(Tensor(shape: [2], storage: [0, 100])), targets: Tensor(shape: [2], storage: [1, 0]), positiveWeight: 2)
        XCTAssertEqual(Double(bce.value.storage[0]), (2 * log(2.0) + 100) / 2, accuracy: 1e-4, "no overflow at a logit of 100")
        let huber = try t.huber(Variable(Tensor(shape: [2], storage: [0.5, 3])), Tensor(shape: [2], storage: [0, 0]), delta: 1)
        XCTAssertEqual(huber.value.storage[0], (0.125 + 2.5) / 2, accuracy: 1e-6)
        XCTAssertThrowsError(try t.crossEntropy(logits, labels: Tensor(shape: [2], storage: [3, 0]))) {
            XCTAssertTrue("\($0)".contains("label 3.0 of sample 0 is not a class index in 0..<3"), "\($0)")
        }
    }

    func testTapeRecordsOnlyWhatNeedsGradients() throws {
        let t = Tape(backend: ReferenceBackend())
        let x = Variable(randomTensor([2, 2], seed: 1)), w = Variable(randomTensor([2, 2], seed: 2), requiresGrad: true)
        _ = try t.relu(try t.matmul(x, x))
        XCTAssertEqual(t.count, 0, "nothing requires a gradient: nothing is recorded")
        let loss = try t.sum(try t.matmul(x, w))
        XCTAssertEqual(t.count, 2)
        try t.backward(loss)
        XCTAssertNotNil(w.grad)
        XCTAssertNil(x.grad)
        XCTAssertEqual(t.count, 0, "backward releases the recorded operations")
        XCTAssertThrowsError(try t.backward(try t.matmul(x, w))) { XCTAssertTrue("\($0)".contains("single-value loss")) }
    }
}
