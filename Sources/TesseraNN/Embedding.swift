import TesseraTensor

/// Rows of a trainable table looked up by index: [batch] or [batch, length] of whole
/// numbers in 0..<vocabulary → [..., dimension]. The gradient adds each row's gradient
/// back into the table row it came from.
public final class Embedding: Layer {
    public let vocabulary: Int
    public let dimension: Int
    public private(set) var weight: Variable?

    public init(_ vocabulary: Int, _ dimension: Int) {
        self.vocabulary = vocabulary
        self.dimension = dimension
    }

    public var description: String { "Embedding(\(vocabulary), \(dimension))" }
    public var parameters: [Parameter] { weight.map { [Parameter("weight", $0)] } ?? [] }

    public func build(inputShape: [Int], rng: inout RandomGenerator) throws(TensorError) -> [Int] {
        guard vocabulary > 0, dimension > 0 else { throw TensorError(.value, "Embedding needs a positive vocabulary and dimension") }
        try HostMemory.check(shape: [vocabulary, dimension], what: "\(description)'s table")
        // PyTorch's nn.Embedding draws from N(0, 1).
        weight = Variable(Tensor(shape: [vocabulary, dimension], storage: (0..<(vocabulary * dimension)).map { _ in Float(rng.nextNormal()) }),
                          requiresGrad: true)
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
        return try pass.tape.gather(weight, IndexTensor(shape: x.shape, values: indices))
    }
}

extension Embedding: ConfigurableLayer {
    public static var kind: String { "Embedding" }
    public static var summary: String { "A trained row of `dimension` values per index 0..<vocabulary: [batch, tokens] of indices → [batch, tokens, dimension]." }
    public static var example: String { "Sequential([Embedding(100, 8), Flatten(), Dense(2)])" }
    public static var fields: [Setting] {
        [Setting("vocabulary", .count, positional: true, range: 1...Setting.largestCount, "how many indices"),
         Setting("dimension", .count, positional: true, range: 1...Setting.largestCount, "values per index")]
    }
    public var settings: [String: SettingValue] { ["vocabulary": .number(Double(vocabulary)), "dimension": .number(Double(dimension))] }
    public convenience init(settings s: Settings) { self.init(s.int("vocabulary"), s.int("dimension")) }
}
