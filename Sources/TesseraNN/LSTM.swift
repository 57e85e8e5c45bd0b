import TesseraTensor

/// A long short-term memory layer over sequences [batch, length, features], as PyTorch's
/// nn.LSTM (one layer, batch first) and Keras's LSTM: the last state [batch, units], or
/// every position's with `returnSequences`, both directions with `bidirectional`.
public final class LSTM: Recurrent {
    public init(_ units: Int, returnSequences: Bool = false, bidirectional: Bool = false) {
        super.init(kind: "LSTM", gates: 4, units: units, returnSequences: returnSequences, bidirectional: bidirectional)
    }

    override var foldsStateBias: Bool { true }

    override func walk(_ projected: Variable, _ w: Weights, mask: Tensor?, reverse: Bool, _ tape: Tape) throws(TensorError) -> Variable {
        try tape.lstm(projected, weight: w.state, mask: mask, reverse: reverse)
    }
}

extension LSTM: ConfigurableLayer {
    public static var kind: String { "LSTM" }
    public static var summary: String { "A long short-term memory layer over sequences [length, features]: the last state, or every position's (returnSequences); bidirectional reads both ways." }
    public static var example: String { "Sequential([Embedding(100, 16, padding: 0), LSTM(32), Dense(2)])" }
    public static var fields: [Setting] { recurrentFields }
    public var settings: [String: SettingValue] { recurrentSettings }
    public convenience init(settings s: Settings) {
        self.init(s.int("units"), returnSequences: s.bool("returnSequences"), bidirectional: s.bool("bidirectional"))
    }
}
