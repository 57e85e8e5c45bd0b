import Foundation
import TesseraNN
import TesseraScript
import TesseraTensor

/// `model.generate(prompt, length:)`: a causal language model continuing a sequence of ids,
/// one sampled id at a time.
extension ModelObject {
    static let generateDeclaration = Declaration(
        "generate", [.positional("prompt", .any, "the ids to continue: an Array of Ints (tok.encode(text)) or a Tensor of them"),
                     .labelled("length", .int, range: .atLeast(1), "how many ids to add"),
                     .labelled("temperature", .double, default: .double(1), range: .atLeast(0), "divides the scores before sampling: below 1 is surer, above 1 more varied; 0 always takes the likeliest id"),
                     .labelled("seed", .int, default: .int(0), "the seed of the sampling")],
        returns: "[Int]",
        summary: "Continues a sequence with a causal language model (its attention causal, its recurrent layers one-directional): each new id is drawn from the model's next-id distribution at the end of the last context-length ids, and the prompt and the new ids come back.",
        example: "let tok = Tokenizer(.characters).fit([\"abcabcabc\"])\nlet (x, y) = tok.windows([\"abcabcabcabc\"], length: 4, stride: 1)\nlet lm = Sequential([Embedding(tok.size, 8), TransformerEncoderBlock(heads: 2, causal: true), Dense(tok.size)], seed: 1)\nlm.fit(x, y, epochs: 20, loss: .crossEntropy)\ntok.decode(lm.generate(tok.encode(\"ab\"), length: 6, temperature: 0))",
        errors: [(.value, "the model is not causal, or not built for sequences of ids"), (.type, "the prompt is not ids"),
                 (.interrupted, "the cell is interrupted (between two ids)")])

    func generate(_ a: Arguments, _ interp: Interpreter) throws -> Value {
        guard let shape = model.inputShape, shape.count == 1, let context = shape.first else {
            throw ScriptError(.value, "generate needs a language model built for sequences of ids [length]; this one is \(model.inputShape.map { "built for \($0)" } ?? "not built yet: fit it first")")
        }
        if let layer = model.layers.first(where: Self.seesAhead) {
            throw ScriptError(.value, "generate needs a causal model; \(layer.description) lets a position see later ones",
                              suggestion: "train a language model with TransformerEncoderBlock(heads:, causal: true) or MultiHeadAttention(heads:, causal: true), and one-directional LSTM/GRU")
        }
        var ids: [Int]
        switch a["prompt"] {
        case .array(let items): ids = try items.map { try Convert.int($0, "generate(_:)'s prompt") }
        case .object(let t as TensorObject): ids = try t.tensor.storage.map { v in
            guard v.isFinite, v == v.rounded(), v >= 0, v < 16_777_216 else { throw ScriptError(.type, "generate(_:)'s prompt holds \(v), not an id") }
            return Int(v)
        }
        default: throw ScriptError(.type, "generate(_:) takes ids: an Array of Ints (tok.encode(text)) or a Tensor; got \(a["prompt"].typeName)")
        }
        guard !ids.isEmpty else { throw ScriptError(.value, "generate(_:) needs a prompt of at least one id", suggestion: "e.g. tok.encode(\"The \")") }
        let length = try a.int("length"), temperature = try a.double("temperature")
        guard temperature >= 0, temperature.isFinite else { throw ScriptError(.value, "generate(temperature:) is 0 or above, got \(temperature)") }
        var rng = RandomGenerator(seed: UInt64(truncatingIfNeeded: try a.int("seed")))
        let backend = TensorRuntime.shared.backend
        for _ in 0..<length {
            // One id at a time: an interrupt stops between two (the ids so far are dropped).
            try interp.interrupt.check()
            // The last `context` ids, padded after: causal positions never see the padding.
            let window = Array(ids.suffix(context))
            let x = Tensor(shape: [1, context], storage: (window + [Int](repeating: 0, count: context - window.count)).map { Float($0) })
            let out = try ScriptError.converting { try model.predict(x, backend: backend, scores: true) }
            guard out.rank == 3, out.shape[1] == context, let vocabulary = out.shape.last else {
                throw ScriptError(.value, "generate needs scores per position [1, \(context), ids]; the model gives \(out.shape)", suggestion: "end the model with Dense(tok.size) on the sequence")
            }
            let scores = Array(out.storage[((window.count - 1) * vocabulary)..<(window.count * vocabulary)])
            ids.append(Self.sample(scores, temperature: temperature, &rng))
        }
        return .array(ids.map { .int($0) })
    }

    /// A layer through which a position sees later ones.
    static func seesAhead(_ layer: any Layer) -> Bool {
        switch layer {
        case let a as MultiHeadAttention: return !a.causal
        case let b as TransformerEncoderBlock: return !b.causal
        case let r as Recurrent: return r.bidirectional
        default: return false
        }
    }

    /// An id drawn from softmax(scores / temperature), or the likeliest at temperature 0.
    static func sample(_ scores: [Float], temperature: Double, _ rng: inout RandomGenerator) -> Int {
        guard temperature > 0 else { return scores.indices.max { scores[$0] < scores[$1] } ?? 0 }
        let largest = Double(scores.max() ?? 0)
        let weights = scores.map { Foundation.exp((Double($0) - largest) / temperature) }
        var pick = rng.nextDouble() * weights.reduce(0, +)
        for (i, w) in weights.enumerated() {
            pick -= w
            if pick < 0 { return i }
        }
        return weights.count - 1
    }
}
