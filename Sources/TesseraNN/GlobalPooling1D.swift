import TesseraTensor

/// The mean (or the largest value) of each feature over a sequence's positions: [batch,
/// length, features] → [batch, features], as Keras's GlobalAveragePooling1D and
/// GlobalMaxPooling1D. Positions the batch's sequence mask marks as padding (an Embedding
/// with `padding:` before it) are left out: a short text's mean is over its own tokens.
public class GlobalPooling1D: Layer {
    public let takesMax: Bool

    init(max: Bool) { takesMax = max }

    public var description: String { takesMax ? "GlobalMaxPooling1D()" : "GlobalAveragePooling1D()" }
    public var parameters: [Parameter] { [] }

    public func build(inputShape: [Int], rng: inout RandomGenerator) throws(TensorError) -> [Int] {
        guard inputShape.count == 2 else {
            throw TensorError(.shape, "\(description) needs sequences of [length, features] per example; it got \(inputShape)")
        }
        return [inputShape[1]]
    }

    public func forward(_ x: Variable, _ pass: ForwardPass) throws(TensorError) -> Variable {
        guard x.value.rank == 3 else { throw TensorError(.shape, "\(description) got a batch of shape \(x.shape); it needs [batch, length, features]") }
        let t = pass.tape
        guard let mask = pass.sequenceMask, mask.shape == Array(x.shape.prefix(2)) else {
            return takesMax ? try t.extreme(x, max: true, axis: 1) : try t.mean(x, axis: 1)
        }
        let (batch, length) = (x.shape[0], x.shape[1])
        let m = Variable(try pass.backend.prepare(mask.reshaped([batch, length, 1])))
        if takesMax {
            // Padding pushed far below any value, so it is never the largest (a sequence that is
            // all padding gives that floor; it has no value to give).
            let floor = Tensor(shape: [batch, length, 1], storage: mask.storage.map { $0 == 0 ? -3e38 : 0 })
            return try t.extreme(try t.add(try t.multiply(x, m), Variable(try pass.backend.prepare(floor))), max: true, axis: 1)
        }
        // Tokens per sequence (at least 1: a sequence of padding alone gives 0, not NaN).
        let counts = try pass.backend.reduce(.sum, m.value, axis: 1)
        let divisor = try pass.backend.binary(.maximum, counts, Tape.constant(1))
        return try t.divide(try t.sum(try t.multiply(x, m), axis: 1), Variable(divisor))
    }
}

/// The mean of each feature over a sequence's positions (padding left out).
public final class GlobalAveragePooling1D: GlobalPooling1D {
    public init() { super.init(max: false) }
}

/// The largest value of each feature over a sequence's positions (padding left out).
public final class GlobalMaxPooling1D: GlobalPooling1D {
    public init() { super.init(max: true) }
}

extension GlobalAveragePooling1D: ConfigurableLayer {
    public static var kind: String { "GlobalAveragePooling1D" }
    public static var summary: String { "The mean of each feature over a sequence's positions, padding left out: [batch, length, features] → [batch, features]." }
    public static var example: String { "Sequential([Embedding(100, 8, padding: 0), GlobalAveragePooling1D(), Dense(2)])" }
    public static var fields: [Setting] { [] }
    public var settings: [String: SettingValue] { [:] }
    public convenience init(settings: Settings) { self.init() }
}

extension GlobalMaxPooling1D: ConfigurableLayer {
    public static var kind: String { "GlobalMaxPooling1D" }
    public static var summary: String { "The largest value of each feature over a sequence's positions, padding left out: [batch, length, features] → [batch, features]." }
    public static var example: String { "Sequential([Embedding(100, 8, padding: 0), GlobalMaxPooling1D(), Dense(2)])" }
    public static var fields: [Setting] { [] }
    public var settings: [String: SettingValue] { [:] }
    public convenience init(settings: Settings) { self.init() }
}
