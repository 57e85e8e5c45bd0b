import Foundation
import XCTest
@testable import TesseraNN
import TesseraTensor

/// MultiHeadAttention, TransformerEncoderBlock and positional encodings: gradients against
/// finite differences with padding and causal masks, what the masks mean, and settings.
final class AttentionTests: XCTestCase {
    let check = GradientCheck()
    let mask = Tensor(shape: [2, 4], storage: [1, 1, 1, 0, 1, 1, 0, 0])

    func testAttentionWeightsAgreeWithFiniteDifferences() throws {
        for causal in [false, true] {
            try check.check("attentionWeights causal \(causal)", [randomTensor([4, 4, 4], seed: 1)]) { tape, v in
                let y = try tape.attentionWeights(v[0], scale: 0.5, keyMask: self.mask, causal: causal, heads: 2)
                return try tape.sum(try tape.multiply(y, Variable(self.randomTensor(y.shape, seed: 2))))
            }
        }
    }

    func testLayersAgreeWithFiniteDifferences() throws {
        try checkLayer(MultiHeadAttention(heads: 2), input: [2, 4, 4], mask: mask)
        try checkLayer(MultiHeadAttention(heads: 2, causal: true), input: [2, 4, 4])
        try checkLayer(TransformerEncoderBlock(heads: 2, feedForward: 6, dropout: 0), input: [2, 4, 4], mask: mask)
        try checkLayer(TransformerEncoderBlock(heads: 1, dropout: 0, causal: true), input: [1, 3, 4])
        try checkLayer(PositionalEncoding(learned: true), input: [2, 3, 4])
        try checkLayer(LayerNorm(), input: [2, 3, 4])
        // Twenty features: two whole lanes of eight and a partial one, in the fused loops.
        try checkLayer(LayerNorm(), input: [2, 3, 20])
        try checkLayer(Dense(3, activation: .gelu), input: [2, 3, 4])
        try checkLayer(Dense(19, activation: .gelu), input: [2, 3, 5])
    }

    func testMasksHideWhatTheyShould() throws {
        let layer = MultiHeadAttention(heads: 2, causal: true)
        var rng = RandomGenerator(seed: 5)
        _ = try layer.build(inputShape: [4, 4], rng: &rng)
        let x = randomTensor([1, 4, 4], seed: 6)
        func run(_ x: Tensor, _ mask: Tensor? = nil) throws -> Tensor {
            let pass = ForwardPass(tape: Tape(backend: OpenBLASBackend()), training: false)
            pass.sequenceMask = mask
            return try layer.forward(Variable(x), pass).value
        }
        // Causal: changing the last position changes no earlier output.
        var later = x
        for j in 12..<16 { later.storage[j] += 5 }
        let (a, b) = (try run(x), try run(later))
        for i in 0..<12 { XCTAssertEqual(a.storage[i], b.storage[i], accuracy: 1e-6) }
        XCTAssertNotEqual(a.storage[12], b.storage[12])
        // Padding: a padded key changes nothing at all.
        let padded = Tensor(shape: [1, 4], storage: [1, 1, 0, 0])
        let c = try run(x, padded), d = try run(later, padded)
        for i in 0..<8 { XCTAssertEqual(c.storage[i], d.storage[i], accuracy: 1e-6) }
        // A query that may see nothing gets zeros, not NaN.
        let none = try Tape(backend: ReferenceBackend()).attentionWeights(Variable(randomTensor([1, 2, 2], seed: 7)), scale: 1,
                                                                         keyMask: Tensor(shape: [1, 2], storage: [0, 0]), causal: false, heads: 1)
        XCTAssertEqual(none.value.storage, [0, 0, 0, 0])
    }

    func testSinusoids() {
        let pe = PositionalEncoding.sinusoids(length: 3, features: 4)
        XCTAssertEqual(Array(pe.storage[0..<4]), [0, 1, 0, 1])
        XCTAssertEqual(pe.storage[4], Float(sin(1.0)), accuracy: 1e-6)
        XCTAssertEqual(pe.storage[6], Float(sin(0.01)), accuracy: 1e-6)
        XCTAssertEqual(pe.storage[7], Float(cos(0.01)), accuracy: 1e-6)
    }

    func testSettingsShapesAndErrors() throws {
        let model = Sequential([Embedding(30, 8, padding: 0), PositionalEncoding(learned: true), TransformerEncoderBlock(heads: 2),
                                MultiHeadAttention(heads: 4, causal: true), GlobalAveragePooling1D(), Dense(3)], seed: 4)
        try model.build(inputShape: [6])
        XCTAssertEqual(model.shapes, [[6, 8], [6, 8], [6, 8], [6, 8], [8], [3]])
        XCTAssertEqual(model.namedParameters.first { $0.name == "2.linear1.weight" }?.variable.shape, [32, 8], "feed-forward 4 × the features")
        XCTAssertEqual(model.namedParameters.first { $0.name == "3.in_proj_weight" }?.variable.shape, [24, 8])
        let copy = try Architecture.decode(try Architecture.encode(model))
        XCTAssertEqual(copy.layers.map(\.description), model.layers.map(\.description))
        XCTAssertThrowsError(try Sequential([MultiHeadAttention(heads: 3)]).build(inputShape: [5, 8])) { error in
            XCTAssertTrue("\(error)".contains("do not split into 3 heads"), "\(error)")
        }
        XCTAssertThrowsError(try Sequential([Dense(4)]).build(inputShape: [1, 8, 8])) { error in
            XCTAssertTrue("\(error)".contains("Flatten()"), "\(error)")
        }
    }

    func testATinyCausalModelLearnsToCopyThePreviousToken() throws {
        // Next token = the token before: only attention to the previous position solves it.
        var rng = RandomGenerator(seed: 9)
        let (n, length) = (256, 8)
        var ids = [Float](), next = [Float]()
        for _ in 0..<n {
            let row = (0...length).map { _ in Float(1 + rng.nextInt(6)) }
            ids += row[0..<length]
            next += [row[0]] + row[0..<(length - 1)]
        }
        let model = Sequential([Embedding(7, 16), PositionalEncoding(learned: true), TransformerEncoderBlock(heads: 2, dropout: 0, causal: true), Dense(7)], seed: 3)
        let x = Tensor(shape: [n, length], storage: ids)
        _ = try Trainer(model: model, loss: .crossEntropy(), optimizer: Adam(lr: 0.01), backend: OpenBLASBackend(),
                        options: TrainingOptions(epochs: 25, batchSize: 32)).fit(x, Tensor(shape: [n, length], storage: next))
        let predicted = try OpenBLASBackend().argmax(try model.predict(x, backend: OpenBLASBackend()), axis: -1).values
        let right = zip(predicted, next).filter { Float($0) == $1 }.count
        XCTAssertGreaterThan(Double(right) / Double(n * length), 0.95)
        // Validation accuracy is per position, a fraction (not positions right per row).
        let metrics = try Trainer(model: model, loss: .crossEntropy(), optimizer: Adam(), backend: OpenBLASBackend(), options: TrainingOptions())
            .evaluate(x, Tensor(shape: [n, length], storage: next))
        XCTAssertEqual(metrics["val_accuracy"] ?? -1, Double(right) / Double(n * length), accuracy: 1e-9)
    }
}
