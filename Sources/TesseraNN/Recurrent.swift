import TesseraTensor

/// What LSTM and GRU share: the weights of each direction, the walk over a sequence's
/// positions, padding masks, both directions, and whether the layer gives every
/// position's state or the last one. A cell kind supplies its gate count and its walk.
///
/// Weights are named and shaped as PyTorch's nn.LSTM and nn.GRU name them
/// (`weight_ih_l0` [gates·units, features], `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`, and
/// `_reverse` for the backward direction) and start as PyTorch starts them, uniform in
/// ±1/√units, so weights move between the two unchanged.
///
/// Masks: positions the batch's sequence mask marks as padding (an Embedding with
/// `padding:` before it) leave the state as it was, so a right-padded sequence's last
/// state is the state at its last token, and the backward direction starts at that token;
/// a padding position's output is zeros. One batch runs as one walk over positions:
/// sequences of different lengths share it through the mask, not a loop per example.
public class Recurrent: Layer {
    public let units: Int
    public let returnSequences: Bool
    public let bidirectional: Bool
    let gates: Int
    let kindName: String

    /// One direction's weights.
    struct Weights {
        let inputs: Variable, state: Variable, inputBias: Variable, stateBias: Variable
    }
    private(set) var directions: [Weights] = []

    init(kind: String, gates: Int, units: Int, returnSequences: Bool, bidirectional: Bool) {
        self.kindName = kind
        self.gates = gates
        self.units = units
        self.returnSequences = returnSequences
        self.bidirectional = bidirectional
    }

    public var description: String {
        "\(kindName)(\(units)\(returnSequences ? ", returnSequences: true" : "")\(bidirectional ? ", bidirectional: true" : ""))"
    }

    public var parameters: [Parameter] {
        directions.enumerated().flatMap { (d, w) -> [Parameter] in
            let suffix = d == 0 ? "_l0" : "_l0_reverse"
            return [Parameter("weight_ih" + suffix, w.inputs), Parameter("weight_hh" + suffix, w.state),
                    Parameter("bias_ih" + suffix, w.inputBias), Parameter("bias_hh" + suffix, w.stateBias)]
        }
    }

    /// Features out per position: both directions' states side by side.
    var width: Int { units * (bidirectional ? 2 : 1) }

    public func build(inputShape: [Int], rng: inout RandomGenerator) throws(TensorError) -> [Int] {
        guard inputShape.count == 2, inputShape[0] > 0, inputShape[1] > 0 else {
            throw TensorError(.shape, "\(description) needs sequences of [length, features] per example (an Embedding before it gives them); it got \(inputShape)")
        }
        guard units > 0 else { throw TensorError(.value, "\(kindName) needs at least one unit, got \(units)") }
        let features = inputShape[1]
        try HostMemory.check(shape: [2 * gates * units, features + units + 2], what: "\(description)'s weights")
        let limit = 1 / Double(units).squareRoot()
        func uniform(_ shape: [Int]) -> Variable {
            Variable(Tensor(shape: shape, storage: (0..<shape.reduce(1, *)).map { _ in Float((rng.nextDouble() * 2 - 1) * limit) }), requiresGrad: true)
        }
        directions = (0..<(bidirectional ? 2 : 1)).map { _ in
            Weights(inputs: uniform([gates * units, features]), state: uniform([gates * units, units]),
                    inputBias: uniform([gates * units]), stateBias: uniform([gates * units]))
        }
        return returnSequences ? [inputShape[0], width] : [width]
    }

    /// The walk of one direction over time-major projections [length, batch, gates·units]
    /// (input bias added): the state after each position, time-major, carried over padding.
    func walk(_ projected: Variable, _ w: Weights, mask: Tensor?, reverse: Bool, _ tape: Tape) throws(TensorError) -> Variable {
        fatalError("a cell kind supplies its walk")
    }

    /// Whether the state's bias may be added once to every position's input projection
    /// (an LSTM's) rather than inside the step (a GRU's new gate scales it by the reset).
    var foldsStateBias: Bool { false }

    public func forward(_ x: Variable, _ pass: ForwardPass) throws(TensorError) -> Variable {
        guard let first = directions.first else { throw TensorError(.value, "\(description) is used before it was built") }
        let features = first.inputs.shape[1]
        guard x.value.rank == 3, x.shape[2] == features else {
            throw TensorError(.shape, "\(description) built for \(features) features per position got a batch of shape \(x.shape); it needs [batch, length, \(features)]")
        }
        let t = pass.tape
        let (batch, length) = (x.shape[0], x.shape[1])
        let mask = pass.sequenceMask.flatMap { $0.shape == [batch, length] ? $0 : nil }
        // Time-major rows, so each position's projections are one contiguous block.
        let rows = try t.reshape(try t.permute(x, [1, 0, 2]), [length * batch, features])
        var sequences: [Variable] = [], finals: [Variable] = []
        for (d, w) in directions.enumerated() {
            // Every position's input projection in one product.
            let bias = foldsStateBias ? try t.add(w.inputBias, w.stateBias) : w.inputBias
            let projected = try t.add(try t.matmul(rows, w.inputs, transpose: Transpose(b: true)), bias)
            let states = try walk(try t.reshape(projected, [length, batch, gates * units]), w, mask: mask, reverse: d == 1, t)
            if !returnSequences {
                // The last state: after the last position walked (padding carries it there).
                let end = d == 0 ? length - 1 : 0
                finals.append(try t.reshape(try t.slice(states, axis: 0, end..<(end + 1)), [batch, units]))
            } else {
                var out = try t.permute(states, [1, 0, 2])
                if let mask {
                    // A padding position's output is zeros.
                    out = try t.multiply(out, Variable(try pass.backend.prepare(mask.reshaped([batch, length, 1]))))
                }
                sequences.append(out)
            }
        }
        if returnSequences { return sequences.count == 1 ? sequences[0] : try t.concat(sequences, axis: 2) }
        // One vector per sequence: the mask has nothing left to mark.
        pass.sequenceMask = nil
        return finals.count == 1 ? finals[0] : try t.concat(finals, axis: 1)
    }

    static var recurrentFields: [Setting] {
        [Setting("units", .count, positional: true, range: 1...Setting.largestCount, "the size of the state (features out per direction)"),
         Setting("returnSequences", .flag, default: .flag(false), "give every position's state ([length, units]) rather than the last one ([units])"),
         Setting("bidirectional", .flag, default: .flag(false), "also read each sequence backwards, the two states side by side (2·units features)")]
    }
    var recurrentSettings: [String: SettingValue] {
        ["units": .number(Double(units)), "returnSequences": .flag(returnSequences), "bidirectional": .flag(bidirectional)]
    }
}
