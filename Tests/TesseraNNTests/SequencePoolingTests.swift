import Foundation
import XCTest
@testable import TesseraNN
import TesseraTensor

/// Embedding's padding index and the poolings over time: the padding row stays zeros and gets
/// no gradient, padded positions never count in a mean or a max, gradients agree with finite
/// differences, and the layers go through checkpoints by their settings.
final class SequencePoolingTests: XCTestCase {
    let check = GradientCheck()

    /// Ids [2, 4] with padding (0) at the end of the first row.
    let ids = Tensor(shape: [2, 4], storage: [3, 1, 0, 0, 2, 2, 1, 3])

    func pooled(_ pool: any Layer, _ embedding: Embedding) throws -> (Tensor, Tensor) {
        var rng = RandomGenerator(seed: 1)
        _ = try embedding.build(inputShape: [4], rng: &rng)
        _ = try pool.build(inputShape: [4, 3], rng: &rng)
        let pass = ForwardPass(tape: Tape(backend: ReferenceBackend()), training: true)
        let e = try embedding.forward(Variable(ids), pass)
        return (e.value, try pool.forward(e, pass).value)
    }

    func testAveragePoolingLeavesPaddingOut() throws {
        let (e, y) = try pooled(GlobalAveragePooling1D(), Embedding(4, 3, padding: 0))
        XCTAssertEqual(Array(e.storage[6..<12]), [0, 0, 0, 0, 0, 0], "padding positions are zeros")
        for j in 0..<3 {
            XCTAssertEqual(y.storage[j], (e.storage[j] + e.storage[3 + j]) / 2, accuracy: 1e-6, "the first row's mean is over its 2 tokens")
            XCTAssertEqual(y.storage[3 + j], (12..<24).filter { $0 % 3 == j }.map { e.storage[$0] }.reduce(0, +) / 4, accuracy: 1e-6)
        }
        // Without a padding index every position counts.
        let (plain, mean) = try pooled(GlobalAveragePooling1D(), Embedding(4, 3))
        XCTAssertEqual(mean.storage[0], (0..<4).map { plain.storage[$0 * 3] }.reduce(0, +) / 4, accuracy: 1e-6)
    }

    func testMaxPoolingNeverPicksPadding() throws {
        let (e, y) = try pooled(GlobalMaxPooling1D(), Embedding(4, 3, padding: 0))
        for j in 0..<3 { XCTAssertEqual(y.storage[j], max(e.storage[j], e.storage[3 + j]), "a padded zero would win over negative values") }
    }

    func testThePaddingRowStaysZeroThroughTraining() throws {
        let model = Sequential([Embedding(5, 4, padding: 0), GlobalAveragePooling1D(), Dense(2)], seed: 2)
        let x = Tensor(shape: [4, 3], storage: [1, 2, 0, 3, 0, 0, 4, 4, 1, 2, 3, 4])
        let y = Tensor(shape: [4], storage: [0, 1, 0, 1])
        _ = try Trainer(model: model, loss: .crossEntropy(), optimizer: Adam(lr: 0.05), backend: OpenBLASBackend(),
                        options: TrainingOptions(epochs: 5, batchSize: 2)).fit(x, y)
        let table = model.namedParameters[0].variable.value.storage
        XCTAssertEqual(Array(table[0..<4]), [0, 0, 0, 0])
        XCTAssertTrue(table[4..<20].contains { $0 != 0 })
    }

    func testGradientsAgreeWithFiniteDifferences() throws {
        let mask = Tensor(shape: [2, 3], storage: [1, 1, 0, 1, 1, 1])
        for pool in [GlobalAveragePooling1D(), GlobalMaxPooling1D()] as [GlobalPooling1D] {
            try check.check(pool.description, [randomTensor([2, 3, 4], seed: 5)]) { tape, v in
                let pass = ForwardPass(tape: tape, training: true)
                pass.sequenceMask = mask
                let y = try pool.forward(v[0], pass)
                return try tape.sum(try tape.multiply(y, Variable(randomTensor(y.shape, seed: 6))))
            }
        }
    }

    func testSettingsAndErrors() throws {
        let e = try Embedding.make(["vocabulary": .number(10), "dimension": .number(4), "padding": .number(0)])
        XCTAssertEqual(e.padding, 0)
        XCTAssertEqual(e.description, "Embedding(10, 4, padding: 0)")
        var rng = RandomGenerator(seed: 1)
        XCTAssertThrowsError(try Embedding(4, 2, padding: 4).build(inputShape: [3], rng: &rng)) { XCTAssertTrue("\($0)".contains("not in 0..<4")) }
        XCTAssertThrowsError(try GlobalAveragePooling1D().build(inputShape: [4], rng: &rng)) { XCTAssertTrue("\($0)".contains("[length, features]")) }
    }
}
