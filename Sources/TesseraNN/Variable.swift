import TesseraTensor

/// A tensor in a computation that gradients flow through: a network's parameter (a leaf
/// that keeps its gradient after `Tape.backward`), an input, or an operation's result.
public final class Variable {
    /// The current value; an optimizer replaces a parameter's value in place.
    public var value: Tensor
    /// d(loss)/d(value) after `Tape.backward`, for variables that require it.
    public var grad: Tensor?
    /// Whether gradients flow to this variable (parameters, and results computed from them).
    public let requiresGrad: Bool

    public init(_ value: Tensor, requiresGrad: Bool = false) {
        self.value = value
        self.requiresGrad = requiresGrad
    }

    public var shape: [Int] { value.shape }
}

/// Records operations as they run (the forward pass) so that `backward` can apply each
/// one's pullback in reverse. Operations are recorded in the order they run, which is a
/// topological order, so the reverse walk needs no graph search. Only operations with an
/// input that requires a gradient are recorded: inference costs nothing extra.
public final class Tape {
    /// The backend every recorded operation (and its pullback) runs on.
    public let backend: any Backend

    struct Record {
        let output: Variable
        let inputs: [Variable]
        /// The output's gradient → each input's gradient (nil where none flows).
        let pullback: (Tensor) throws(TensorError) -> [Tensor?]
    }
    private var records: [Record] = []

    /// False for inference: nothing is recorded, whatever requires a gradient, so no
    /// intermediate result is kept alive for a backward pass that will not come.
    public let isRecording: Bool

    public init(backend: any Backend, recording: Bool = true) {
        self.backend = backend
        self.isRecording = recording
    }

    /// The number of operations recorded so far.
    public var count: Int { records.count }

    /// A result of `inputs`, with its pullback recorded when a gradient can flow.
    func record(_ value: Tensor, _ inputs: [Variable], _ pullback: @escaping (Tensor) throws(TensorError) -> [Tensor?]) -> Variable {
        let needs = isRecording && inputs.contains { $0.requiresGrad }
        let out = Variable(value, requiresGrad: needs)
        if needs { records.append(Record(output: out, inputs: inputs, pullback: pullback)) }
        return out
    }

    /// Computes the gradient of `loss` (a one-element variable) with respect to every
    /// variable that requires one, and stores it in the leaves' `grad` (replacing what was
    /// there). Intermediate gradients are freed as the walk passes them.
    ///
    /// `leafReady` is called for each leaf (a parameter) as soon as its gradient is
    /// complete, while the walk goes on: a data-parallel fit starts reducing it across
    /// ranks there, overlapping communication with the rest of the backward pass.
    public func backward(_ loss: Variable, leafReady: ((Variable) throws(TensorError) -> Void)? = nil) throws(TensorError) {
        guard loss.value.count == 1 else {
            throw TensorError(.shape, "backward needs a single-value loss; this one has shape \(loss.shape) (reduce it with a sum or a mean)")
        }
        var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(loss): Tensor(shape: loss.shape, storage: [1])]
        var produced = Set<ObjectIdentifier>()
        for r in records { produced.insert(ObjectIdentifier(r.output)) }
        // A leaf's gradient is complete once the walk has passed its first use.
        var firstUse: [ObjectIdentifier: Int] = [:]
        if leafReady != nil {
            for (i, r) in records.enumerated() {
                for input in r.inputs where input.requiresGrad && !produced.contains(ObjectIdentifier(input)) && firstUse[ObjectIdentifier(input)] == nil {
                    firstUse[ObjectIdentifier(input)] = i
                }
            }
        }
        for (i, r) in records.enumerated().reversed() {
            if let g = grads.removeValue(forKey: ObjectIdentifier(r.output)) {
                let inputGrads = try r.pullback(g)
                for (input, ig) in zip(r.inputs, inputGrads) where input.requiresGrad {
                    guard let ig else { continue }
                    let key = ObjectIdentifier(input)
                    if let existing = grads[key] {
                        grads[key] = try backend.binary(.add, existing, ig)
                    } else {
                        grads[key] = ig
                    }
                }
            }
            if let leafReady {
                for input in r.inputs where firstUse[ObjectIdentifier(input)] == i {
                    firstUse[ObjectIdentifier(input)] = nil  // an input used twice by one record is ready once
                    input.grad = grads[ObjectIdentifier(input)]
                    try leafReady(input)
                }
            }
        }
        // What is left are the leaves' gradients (parameters and inputs that asked for one);
        // a leaf no gradient reached gets none, not a stale one from an earlier step.
        for r in records {
            for input in r.inputs where input.requiresGrad && !produced.contains(ObjectIdentifier(input)) {
                input.grad = grads[ObjectIdentifier(input)]
            }
        }
        records.removeAll()
    }
}
