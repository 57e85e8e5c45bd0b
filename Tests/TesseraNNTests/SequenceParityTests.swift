import Foundation
import XCTest
@testable import TesseraNN
import TesseraTensor

/// The sequence layers against PyTorch (golden files from scripts/parity_sequences.py, `make
/// parity`): each layer's output, the gradient of sum(output · R) with respect to its input
/// and its parameters, and three Adam steps of four small text models (a transformer
/// classifier over padded sequences, a bidirectional LSTM classifier, a causal language
/// model, a character-convolution classifier). Tolerances: 1e-4 relative (to values of at least 1) for outputs and gradients,
/// 1e-4 for losses and 1e-3 for weights after the steps, as ParityTests.
final class SequenceParityTests: XCTestCase {
    typealias Golden = GoldenFile

    /// The golden file's model, from its layers' settings as a checkpoint holds them.
    func model(_ golden: Golden, inputShape: [Int]) throws -> Sequential {
        let layers = try JSONSerialization.data(withJSONObject: ["layers": golden["layers"]!])
        let model = try Architecture.decode(String(decoding: layers, as: UTF8.self))
        try model.build(inputShape: inputShape)
        return model
    }

    static let layerCases = [
        "lstm_uni_last_masked", "lstm_uni_sequences_masked", "lstm_bi_last_masked", "lstm_bi_sequences_masked", "lstm_uni_sequences",
        "gru_uni_last_masked", "gru_uni_sequences_masked", "gru_bi_last_masked", "gru_bi_sequences_masked",
        "mha_masked", "mha_causal_masked", "block_masked", "block_causal_masked", "layernorm",
        "embedding_padding_average", "embedding_padding_max", "positional_sinusoidal", "positional_learned",
        "conv1d_same_gelu_masked", "conv1d_stride",
    ]

    func assertClose(_ got: Tensor, _ want: Tensor, _ what: String, tolerance: Float = 1e-4, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.shape, want.shape, "\(what): shape", file: file, line: line)
        let worst = zip(got.storage, want.storage).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
        XCTAssertLessThan(worst, tolerance, "\(what): largest relative difference", file: file, line: line)
    }

    func replayLayer(_ name: String, on backend: any Backend) throws {
        let golden = try Golden("sequences/" + name)
        let input = golden.tensor("input")
        let model = try model(golden, inputShape: Array(input.shape.dropFirst()))
        let ours = Dictionary(uniqueKeysWithValues: model.namedParameters.map { ($0.name, $0.variable) })
        let weights = golden["weights"] as! [String: Any]
        XCTAssertEqual(Set(ours.keys), Set(weights.keys), "\(name): parameter names")
        for (k, v) in weights { ours[k]!.value = Golden.tensor(v) }
        let tape = Tape(backend: backend)
        let pass = ForwardPass(tape: tape, training: true)
        // A layer alone gets the padding mask an Embedding before it would have set.
        let takesIds = model.layers.first is Embedding
        if golden["mask"] != nil, !takesIds { pass.sequenceMask = golden.tensor("mask") }
        let x = Variable(input, requiresGrad: !takesIds)
        let out = try model.forward(x, pass)
        assertClose(out.value, golden.tensor("output"), "\(name) on \(backend.name): output")
        try tape.backward(try tape.sum(try tape.multiply(out, Variable(golden.tensor("r")))))
        if !takesIds { assertClose(try XCTUnwrap(x.grad, "\(name): no input gradient"), golden.tensor("input_grad"), "\(name) on \(backend.name): input gradient") }
        for (k, v) in golden["grads"] as! [String: Any] {
            assertClose(try XCTUnwrap(ours[k]!.grad, "\(name): no gradient for \(k)"), Golden.tensor(v), "\(name) on \(backend.name): gradient of \(k)")
        }
    }

    func testEveryLayerMatchesPyTorch() throws {
        for name in Self.layerCases {
            for backend: any Backend in [ReferenceBackend(), OpenBLASBackend()] { try replayLayer(name, on: backend) }
        }
    }

    func replayModel(_ name: String, on backend: any Backend) throws {
        let golden = try Golden("sequences/" + name)
        let ids = golden.tensor("ids"), labels = golden.tensor("labels")
        let model = try model(golden, inputShape: Array(ids.shape.dropFirst()))
        let ours = Dictionary(uniqueKeysWithValues: model.namedParameters.map { ($0.name, $0.variable) })
        let initial = golden["initial"] as! [String: Any], final = golden["final"] as! [String: Any]
        XCTAssertEqual(Set(ours.keys), Set(initial.keys), "\(name): parameter names")
        for (k, v) in initial { ours[k]!.value = Golden.tensor(v) }
        let optimizer = Adam(lr: Float((golden["lr"] as! NSNumber).doubleValue))
        for (step, want) in (golden["losses"] as! [NSNumber]).map(\.doubleValue).enumerated() {
            let tape = Tape(backend: backend)
            let out = try model.forward(Variable(ids), ForwardPass(tape: tape, training: true))
            let loss = try Loss.crossEntropy().apply(out, labels, tape)
            XCTAssertEqual(Double(loss.value.storage[0]), want, accuracy: 1e-4 * max(1, abs(want)), "\(name) on \(backend.name): loss of step \(step)")
            try tape.backward(loss)
            try optimizer.step(model.namedParameters.map(\.variable), backend: backend)
        }
        for (k, v) in final {
            var got = ours[k]!.value, want = Golden.tensor(v)
            if k.hasSuffix("self_attn.in_proj_bias") {
                // The keys' bias adds the same q·b to every score of a query, which the softmax
                // cancels: its true gradient is 0, both sides hold rounding noise there, and Adam
                // turns any noise into steps of ±lr. Queries' and values' biases are compared.
                let e = want.count / 3
                got = Tensor(shape: [2 * e], storage: Array(got.storage[..<e] + got.storage[(2 * e)...]))
                want = Tensor(shape: [2 * e], storage: Array(want.storage[..<e] + want.storage[(2 * e)...]))
            }
            assertClose(got, want, "\(name) on \(backend.name): \(k) after the steps", tolerance: 1e-3)
        }
    }

    func testTextModelsTrainAsPyTorch() throws {
        for name in ["text_transformer_adam", "text_lstm_adam", "causal_lm_adam", "text_conv_adam"] {
            for backend: any Backend in [ReferenceBackend(), OpenBLASBackend()] { try replayModel(name, on: backend) }
        }
    }
}
