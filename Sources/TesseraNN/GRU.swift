import TesseraTensor

/// A gated recurrent unit layer over sequences [batch, length, features], as PyTorch's
/// nn.GRU (one layer, batch first; the reset gate scales the state's projection with its
/// bias, Keras's `reset_after`): the last state [batch, units], or every position's with
/// `returnSequences`, both directions with `bidirectional`.
public final class GRU: Recurrent {
    public init(_ units: Int, returnSequences: Bool = false, bidirectional: Bool = false) {
        super.init(kind: "GRU", gates: 3, units: units, returnSequences: returnSequences, bidirectional: bidirectional)
    }

    override func walk(_ projected: Variable, _ w: Weights, mask: Tensor?, reverse: Bool, _ tape: Tape) throws(TensorError) -> Variable {
        try tape.gru(projected, weight: w.state, bias: w.stateBias, mask: mask, reverse: reverse)
    }
}

extension GRU: ConfigurableLayer {
    public static var kind: String { "GRU" }
    public static var summary: String { "A gated recurrent unit layer over sequences [length, features]: the last state, or every position's (returnSequences); bidirectional reads both ways." }
    public static var example: String { "Sequential([Embedding(100, 16, padding: 0), GRU(32, bidirectional: true), Dense(2)])" }
    public static var fields: [Setting] { recurrentFields }
    public var settings: [String: SettingValue] { recurrentSettings }
    public convenience init(settings s: Settings) {
        self.init(s.int("units"), returnSequences: s.bool("returnSequences"), bidirectional: s.bool("bidirectional"))
    }
}
