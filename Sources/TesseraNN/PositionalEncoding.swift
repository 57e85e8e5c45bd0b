import Foundation
import TesseraTensor

/// Adds each position's code to the features of a sequence [batch, length, features], so
/// that attention, which treats positions as a set, knows their order. Sinusoidal (the
/// default, as in "Attention Is All You Need": sin and cos of the position at geometric
/// frequencies, nothing trained) or learned (a trained row per position, as BERT and
/// GPT-2, starting from N(0, 0.02²)). The length is the model's input length.
public final class PositionalEncoding: Layer {
    public let learned: Bool
    /// The trained table [length, features] (learned), or the fixed one.
    public private(set) var table: Variable?

    public init(learned: Bool = false) { self.learned = learned }

    public var description: String { learned ? "PositionalEncoding(learned: true)" : "PositionalEncoding()" }
    public var parameters: [Parameter] { learned ? table.map { [Parameter("weight", $0)] } ?? [] : [] }

    public func build(inputShape: [Int], rng: inout RandomGenerator) throws(TensorError) -> [Int] {
        guard inputShape.count == 2, inputShape[0] > 0, inputShape[1] > 0 else {
            throw TensorError(.shape, "\(description) needs sequences of [length, features] per example (an Embedding before it gives them); it got \(inputShape)")
        }
        let (length, features) = (inputShape[0], inputShape[1])
        try HostMemory.check(shape: inputShape, what: "\(description)'s table")
        if learned {
            table = Variable(Tensor(shape: inputShape, storage: (0..<(length * features)).map { _ in Float(rng.nextNormal() * 0.02) }), requiresGrad: true)
        } else {
            table = Variable(Self.sinusoids(length: length, features: features))
        }
        return inputShape
    }

    /// PE[p, 2i] = sin(p / 10000^(2i/features)), PE[p, 2i + 1] = cos(the same).
    public static func sinusoids(length: Int, features: Int) -> Tensor {
        var values = [Float](repeating: 0, count: length * features)
        for p in 0..<length {
            for j in 0..<features {
                let angle = Double(p) / Foundation.pow(10000, Double(j - j % 2) / Double(features))
                values[p * features + j] = Float(j % 2 == 0 ? Foundation.sin(angle) : Foundation.cos(angle))
            }
        }
        return Tensor(shape: [length, features], storage: values)
    }

    public func forward(_ x: Variable, _ pass: ForwardPass) throws(TensorError) -> Variable {
        guard let table else { throw TensorError(.value, "\(description) is used before it was built") }
        guard x.value.rank == 3, Array(x.shape.dropFirst()) == table.shape else {
            throw TensorError(.shape, "\(description) built for sequences \(table.shape) got a batch of shape \(x.shape)")
        }
        if table.value.device == nil, x.value.device != nil { table.value = try pass.backend.prepare(table.value) }
        return try pass.tape.add(x, table)
    }
}

extension PositionalEncoding: ConfigurableLayer {
    public static var kind: String { "PositionalEncoding" }
    public static var summary: String { "Adds each position's code to a sequence's features: sinusoidal (fixed), or learned (a trained row per position)." }
    public static var example: String { "Sequential([Embedding(100, 32, padding: 0), PositionalEncoding(), TransformerEncoderBlock(heads: 4), GlobalAveragePooling1D(), Dense(2)])" }
    public static var fields: [Setting] { [Setting("learned", .flag, default: .flag(false), "a trained row per position instead of fixed sinusoids")] }
    public var settings: [String: SettingValue] { ["learned": .flag(learned)] }
    public convenience init(settings s: Settings) { self.init(learned: s.bool("learned")) }
}
