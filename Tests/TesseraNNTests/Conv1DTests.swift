import XCTest
@testable import TesseraNN
import TesseraTensor

/// Conv1D: outputs against a direct sum over the window, gradients against finite
/// differences, the padding mask (zeroed going in, kept when the length is), settings and
/// mistakes. PyTorch parity is in SequenceParityTests (conv1d_* golden files).
final class Conv1DTests: XCTestCase {
    /// The convolution written out: out[b, f, o] = bias[o] + Σ_j Σ_c w[o, c, j] · x[b, f·s - p + j, c].
    func direct(_ x: Tensor, _ layer: Conv1D) -> [Float] {
        let (n, length, c) = (x.shape[0], x.shape[1], x.shape[2])
        let w = layer.weight!.value.storage, bias = layer.bias?.value.storage
        let count = (length + 2 * layer.padding - layer.kernel) / layer.stride + 1
        var out: [Float] = []
        for b in 0..<n {
            for f in 0..<count {
                for o in 0..<layer.filters {
                    var sum = bias?[o] ?? 0
                    for j in 0..<layer.kernel {
                        let at = f * layer.stride - layer.padding + j
                        guard at >= 0 && at < length else { continue }
                        for ch in 0..<c { sum += w[(o * c + ch) * layer.kernel + j] * x.storage[(b * length + at) * c + ch] }
                    }
                    out.append(sum)
                }
            }
        }
        return out
    }

    func testOutputsAreTheSumOverEachWindow() throws {
        for (kernel, stride, padding) in [(3, 1, 1), (2, 2, 0), (4, 1, 3), (1, 1, 0)] {
            let layer = Conv1D(3, kernel: kernel, stride: stride, padding: padding)
            var rng = RandomGenerator(seed: 4)
            let shape = try layer.build(inputShape: [7, 5], rng: &rng)
            layer.bias!.value = randomTensor([3], seed: 9)
            let x = randomTensor([2, 7, 5], seed: 5)
            let y = try layer.forward(Variable(x), ForwardPass(tape: Tape(backend: OpenBLASBackend()), training: false))
            XCTAssertEqual(y.shape, [2] + shape, "\(layer)")
            XCTAssertEqual(shape, [(7 + 2 * padding - kernel) / stride + 1, 3])
            for (a, b) in zip(y.value.storage, direct(x, layer)) { XCTAssertEqual(a, b, accuracy: 1e-4, "\(layer)") }
        }
    }

    func testGradientsAgreeWithFiniteDifferences() throws {
        let mask = Tensor(shape: [2, 5], storage: [1, 1, 1, 0, 0, 1, 1, 1, 1, 1])
        try checkLayer(Conv1D(3, kernel: 3, padding: 1), input: [2, 5, 4], mask: mask)
        try checkLayer(Conv1D(2, kernel: 3, padding: 1, activation: .gelu), input: [2, 5, 4], mask: mask)
        try checkLayer(Conv1D(2, kernel: 2, stride: 2, activation: .relu), input: [2, 5, 3])
        try checkLayer(Conv1D(2, kernel: 3, activation: .tanh, useBias: false), input: [1, 4, 3])
    }

    func testPaddedPositionsAddNothingAndTheMaskGoesOn() throws {
        let layer = Conv1D(2, kernel: 3, padding: 1)
        var rng = RandomGenerator(seed: 4)
        _ = try layer.build(inputShape: [4, 3], rng: &rng)
        // The same first two positions; what stands at the padded ones must not matter.
        var a = randomTensor([1, 4, 3], seed: 6), b = a
        for i in 6..<12 { a.storage[i] = 5; b.storage[i] = -7 }
        let mask = Tensor(shape: [1, 4], storage: [1, 1, 0, 0])
        func run(_ x: Tensor) throws -> (Tensor, ForwardPass) {
            let pass = ForwardPass(tape: Tape(backend: ReferenceBackend()), training: false)
            pass.sequenceMask = mask
            return (try layer.forward(Variable(x), pass).value, pass)
        }
        let (ya, pass) = try run(a), (yb, _) = try run(b)
        XCTAssertEqual(Array(ya.storage[0..<4]), Array(yb.storage[0..<4]), "the last token's frame reads padding as zeros")
        XCTAssertEqual(pass.sequenceMask, mask, "the length is kept, so the mask is too")
        // A convolution that shortens the sequence ends the mask.
        let valid = Conv1D(2, kernel: 3)
        _ = try valid.build(inputShape: [4, 3], rng: &rng)
        let shortened = ForwardPass(tape: Tape(backend: ReferenceBackend()), training: false)
        shortened.sequenceMask = mask
        XCTAssertEqual(try valid.forward(Variable(a), shortened).shape, [1, 2, 2])
        XCTAssertNil(shortened.sequenceMask)
    }

    func testATextModelWithAConvolutionTrains() throws {
        // Which of two letters comes right after a marker: a job for a window of 2.
        var ids: [Float] = [], labels: [Float] = []
        var rng = RandomGenerator(seed: 3)
        for _ in 0..<64 {
            let label = rng.nextInt(2)
            var row = (0..<6).map { _ in Float(3 + rng.nextInt(3)) }
            let at = rng.nextInt(5)
            row[at] = 1
            row[at + 1] = Float(6 + label)
            ids += row
            labels.append(Float(label))
        }
        let model = Sequential([Embedding(8, 8), Conv1D(8, kernel: 2, activation: .relu), GlobalMaxPooling1D(), Dense(2)], seed: 1)
        let x = Tensor(shape: [64, 6], storage: ids), y = Tensor(shape: [64], storage: labels)
        let result = try Trainer(model: model, loss: .crossEntropy(), optimizer: Adam(lr: 0.03), backend: OpenBLASBackend(),
                                 options: TrainingOptions(epochs: 30, batchSize: 16)).fit(x, y)
        XCTAssertLessThan(result.epochs.last!["loss"]!, 0.05)
    }

    func testSettingsAndMistakes() throws {
        let layer = try Conv1D.make(["filters": .number(4), "kernel": .number(5), "padding": .number(2), "activation": .name("gelu")])
        XCTAssertEqual(layer.description, "Conv1D(4, kernel: 5, padding: 2, gelu)")
        XCTAssertEqual(try Conv1D.make(layer.settings).description, layer.description)
        var rng = RandomGenerator(seed: 1)
        XCTAssertThrowsError(try Conv1D(4).build(inputShape: [8], rng: &rng)) { XCTAssertTrue("\($0)".contains("[length, features]"), "\($0)") }
        XCTAssertThrowsError(try Conv1D(4, kernel: 9).build(inputShape: [8, 2], rng: &rng)) { XCTAssertTrue("\($0)".contains("does not fit a sequence of 8"), "\($0)") }
        XCTAssertThrowsError(try Conv1D(4, stride: 0).build(inputShape: [8, 2], rng: &rng)) { XCTAssertTrue("\($0)".contains("positive kernel and stride"), "\($0)") }
        XCTAssertThrowsError(try Conv1D.make(["filters": .number(0)]))
        let built = Conv1D(2)
        _ = try built.build(inputShape: [6, 3], rng: &rng)
        XCTAssertThrowsError(try built.forward(Variable(Tensor(zeros: [1, 6, 4])), ForwardPass(tape: Tape(backend: ReferenceBackend()), training: false))) {
            XCTAssertTrue("\($0)".contains("expects sequences [batch, length, 3]"), "\($0)")
        }
    }
}
