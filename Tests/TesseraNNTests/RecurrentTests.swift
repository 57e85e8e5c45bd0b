import Foundation
import XCTest
@testable import TesseraNN
import TesseraTensor

/// LSTM and GRU: gradients against finite differences (the fused steps and whole layers,
/// both directions, with a padding mask), what a padding mask means (a padded sequence's
/// last state is the state at its last token, from either direction), and settings.
final class RecurrentTests: XCTestCase {
    let check = GradientCheck()

    func testFusedWalksAgreeWithFiniteDifferences() throws {
        // Three positions, two sequences, 3 units; the second sequence padded at its end.
        let mask = Tensor(shape: [2, 3], storage: [1, 1, 1, 1, 1, 0])
        for reverse in [false, true] {
            for m in [nil, mask] {
                try check.check("lstm walk reverse \(reverse) mask \(m != nil)", [randomTensor([3, 2, 12], seed: 1), randomTensor([12, 3], seed: 2, scale: 0.5)]) { tape, v in
                    let y = try tape.lstm(v[0], weight: v[1], mask: m, reverse: reverse)
                    return try tape.sum(try tape.multiply(y, Variable(self.randomTensor(y.shape, seed: 3))))
                }
                try check.check("gru walk reverse \(reverse) mask \(m != nil)", [randomTensor([3, 2, 9], seed: 4), randomTensor([9, 3], seed: 5, scale: 0.5), randomTensor([9], seed: 6)]) { tape, v in
                    let y = try tape.gru(v[0], weight: v[1], bias: v[2], mask: m, reverse: reverse)
                    return try tape.sum(try tape.multiply(y, Variable(self.randomTensor(y.shape, seed: 7))))
                }
            }
        }
        // Eleven units: a whole lane of eight and a partial one.
        try check.check("lstm walk, 11 units", [randomTensor([2, 2, 44], seed: 8), randomTensor([44, 11], seed: 9, scale: 0.3)]) { tape, v in
            try tape.sum(try tape.multiply(try tape.lstm(v[0], weight: v[1], mask: nil, reverse: false), Variable(self.randomTensor([2, 2, 11], seed: 10))))
        }
        try check.check("slice", [randomTensor([2, 5, 3], seed: 8)]) { tape, v in
            let y = try tape.slice(v[0], axis: 1, 1..<4)
            return try tape.sum(try tape.multiply(y, Variable(self.randomTensor(y.shape, seed: 9))))
        }
    }

    func testLayersAgreeWithFiniteDifferences() throws {
        let mask = Tensor(shape: [2, 4], storage: [1, 1, 1, 0, 1, 1, 1, 1])
        for layer in [LSTM(3, returnSequences: true, bidirectional: true), LSTM(3), GRU(3, bidirectional: true), GRU(3, returnSequences: true)] as [Recurrent] {
            try checkLayer(layer, input: [2, 4, 2], mask: mask)
        }
    }

    func testAPaddedSequenceEndsAtItsLastToken() throws {
        for make in [{ LSTM(4, bidirectional: true) }, { GRU(4, bidirectional: true) }] as [() -> Recurrent] {
            let layer = make()
            var rng = RandomGenerator(seed: 3)
            _ = try layer.build(inputShape: [5, 2], rng: &rng)
            let x = randomTensor([1, 5, 2], seed: 4)
            let padded = ForwardPass(tape: Tape(backend: OpenBLASBackend()), training: false)
            padded.sequenceMask = Tensor(shape: [1, 5], storage: [1, 1, 1, 0, 0])
            let a = try layer.forward(Variable(x), padded).value
            let short = try layer.forward(Variable(try x.slice(axis: 1, 0..<3)), ForwardPass(tape: Tape(backend: OpenBLASBackend()), training: false)).value
            XCTAssertEqual(a.shape, [1, 8])
            for (u, v) in zip(a.storage, short.storage) { XCTAssertEqual(u, v, accuracy: 1e-6, "\(layer): padding changed the state") }
            XCTAssertNil(padded.sequenceMask, "a last state has no positions left to mask")
        }
    }

    func testSettingsShapesAndErrors() throws {
        let model = Sequential([Embedding(20, 6, padding: 0), LSTM(5, returnSequences: true, bidirectional: true), GRU(4), Dense(2)], seed: 1)
        try model.build(inputShape: [7])
        XCTAssertEqual(model.shapes, [[7, 6], [7, 10], [4], [2]])
        XCTAssertEqual(model.namedParameters.map(\.name).filter { $0.hasPrefix("1.") },
                       ["1.weight_ih_l0", "1.weight_hh_l0", "1.bias_ih_l0", "1.bias_hh_l0",
                        "1.weight_ih_l0_reverse", "1.weight_hh_l0_reverse", "1.bias_ih_l0_reverse", "1.bias_hh_l0_reverse"])
        XCTAssertEqual(model.namedParameters.first { $0.name == "2.weight_hh_l0" }?.variable.shape, [12, 4])
        let copy = try Architecture.decode(try Architecture.encode(model))
        XCTAssertEqual(copy.layers.map(\.description), model.layers.map(\.description))
        XCTAssertThrowsError(try Sequential([LSTM(4)]).build(inputShape: [8])) { error in
            XCTAssertTrue("\(error)".contains("needs sequences of [length, features]"), "\(error)")
        }
        XCTAssertThrowsError(try LSTM.make(["units": .number(0)]))
    }
}

extension XCTestCase {
    /// A layer's gradients (input and every parameter) against finite differences, on a
    /// random input of `input` shape with an optional padding mask.
    func checkLayer(_ layer: any Layer, input: [Int], mask: Tensor? = nil, file: StaticString = #filePath, line: UInt = #line) throws {
        var rng = RandomGenerator(seed: 11)
        _ = try layer.build(inputShape: Array(input.dropFirst()), rng: &rng)
        let params = layer.parameters
        try GradientCheck().check(layer.description, [randomTensor(input, seed: 12)] + params.map(\.variable.value), file: file, line: line, { tape, v in
            for (p, value) in zip(params, v.dropFirst()) { p.variable.value = value.value }
            let pass = ForwardPass(tape: tape, training: true)
            pass.sequenceMask = mask
            let y = try layer.forward(v[0], pass)
            return try tape.sum(try tape.multiply(y, Variable(self.randomTensor(y.shape, seed: 13))))
        }, gradientsOf: { v in [v[0].grad] + params.map(\.variable.grad) })
    }
}
