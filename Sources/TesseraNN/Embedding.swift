import TesseraTensor

/// Rows of a trainable table looked up by index: [batch] or [batch, length] of whole
/// numbers in 0..<vocabulary → [..., dimension]. The gradient adds each row's gradient
/// back into the table row it came from.
///
/// With a `padding` index (PyTorch's `padding_idx`, Keras's `mask_zero` for 0), that row
/// starts at zeros and gets no gradient, and the batch's positions that hold it are masked
/// for the layers after (`ForwardPass.sequenceMask`): a pooling over time leaves them out.
public final class Embedding: Layer {
    public let vocabulary: Int
    public let dimension: Int
    public let padding: Int?
    public private(set) var weight: Variable?

    public init(_ vocabulary: Int, _ dimension: Int, padding: Int? = nil) {
        self.vocabulary = vocabulary
        self.dimension = dimension
        self.padding = padding
    }

    public var description: String { "Embedding(\(vocabulary), \(dimension)\(padding.map { ", padding: \($0)" } ?? ""))" }
    public var parameters: [Parameter] { weight.map { [Parameter("weight", $0)] } ?? [] }

    public func build(inputShape: [Int], rng: inout RandomGenerator) throws(TensorError) -> [Int] {
        guard vocabulary > 0, dimension > 0 else { throw TensorError(.value, "Embedding needs a positive vocabulary and dimension") }
        if let padding, !(0..<vocabulary).contains(padding) {
            throw TensorError(.value, "\(description): the padding index \(padding) is not in 0..<\(vocabulary)")
        }
        try HostMemory.check(shape: [vocabulary, dimension], what: "\(description)'s table")
        // PyTorch's nn.Embedding draws from N(0, 1).
        var table = (0..<(vocabulary * dimension)).map { _ in Float(rng.nextNormal()) }
        // As PyTorch: the padding row starts at zeros (and, without gradient, stays there).
        if let padding { for j in 0..<dimension { table[padding * dimension + j] = 0 } }
        weight = Variable(Tensor(shape: [vocabulary, dimension], storage: table), requiresGrad: true)
        return inputShape + [dimension]
    }

    public func forward(_ x: Variable, _ pass: ForwardPass) throws(TensorError) -> Variable {
        guard let weight else { throw TensorError(.value, "\(description) is used before it was built") }
        let (vocabulary, description) = (vocabulary, description)
        let indices = try x.value.storage.enumerated().map { (i, v) throws(TensorError) -> Int32 in
            // Checked as a Float first: Int32(v) traps on 1e30, infinity or NaN.
            guard v.isFinite, v >= 0, v < Float(vocabulary), v < Float(Int32.max), v == v.rounded() else {
                throw TensorError(.value, "\(description): value \(v) at position \(i) is not an index in 0..<\(vocabulary)")
            }
            return Int32(v)
        }
        let rows = try pass.tape.gather(weight, IndexTensor(shape: x.shape, values: indices))
        guard let padding else { return rows }
        // Padding positions out: zero output and no gradient into the padding row.
        let mask = Tensor(shape: x.shape, storage: indices.map { $0 == Int32(padding) ? 0 : 1 })
        if x.shape.count == 2 { pass.sequenceMask = mask }
        return try pass.tape.multiply(rows, Variable(try pass.backend.prepare(mask.reshaped(x.shape + [1]))))
    }
}

extension Embedding: ConfigurableLayer {
    public static var kind: String { "Embedding" }
    public static var summary: String { "A trained row of `dimension` values per index 0..<vocabulary: [batch, tokens] of indices → [batch, tokens, dimension]." }
    public static var example: String { "Sequential([Embedding(100, 8), Flatten(), Dense(2)])" }
    public static var fields: [Setting] {
        [Setting("vocabulary", .count, positional: true, range: 1...Setting.largestCount, "how many indices"),
         Setting("dimension", .count, positional: true, range: 1...Setting.largestCount, "values per index"),
         Setting("padding", .count, default: SettingValue.none, range: 0...Setting.largestCount,
                 "the index that pads sequences (a Tokenizer's 0): its row stays zeros, and poolings over time leave its positions out")]
    }
    public var settings: [String: SettingValue] {
        ["vocabulary": .number(Double(vocabulary)), "dimension": .number(Double(dimension)), "padding": padding.map { .number(Double($0)) } ?? SettingValue.none]
    }
    public convenience init(settings s: Settings) { self.init(s.int("vocabulary"), s.int("dimension"), padding: s.optionalInt("padding")) }
}
