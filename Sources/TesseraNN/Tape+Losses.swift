import TesseraTensor

/// Losses with fused gradients: each computes its value and the gradient with respect to
/// its input in closed form, instead of through the chain of its parts.
extension Tape {
    /// Cross-entropy of `logits` [n, classes] against class indices `labels` [n], as
    /// PyTorch's CrossEntropyLoss: per-class `weights` (the mean is weighted by the weight
    /// of each sample's class) and `labelSmoothing` ε (targets (1 - ε)·one-hot + ε/classes).
    /// Logits of sequences [n, length, classes] take labels [n, length]: every position is
    /// a sample (a language model's next-token loss).
    public func crossEntropy(_ logits: Variable, labels: Tensor, weights: [Float]? = nil, labelSmoothing: Float = 0) throws(TensorError) -> Variable {
        if logits.value.rank > 2, let c = logits.shape.last {
            let n = logits.shape.dropLast().reduce(1, *)
            guard labels.count == n else { throw TensorError(.shape, "cross-entropy: \(labels.count) labels for outputs of shape \(logits.shape); it needs one per position, \(Array(logits.shape.dropLast()))") }
            return try crossEntropy(try reshape(logits, [n, c]), labels: labels, weights: weights, labelSmoothing: labelSmoothing)
        }
        guard logits.value.rank == 2 else { throw TensorError(.shape, "cross-entropy needs logits [batch, classes]; got \(logits.shape)") }
        let (n, c) = (logits.shape[0], logits.shape[1])
        guard labels.count == n else { throw TensorError(.shape, "cross-entropy: \(labels.count) labels for a batch of \(n)") }
        if let weights, weights.count != c { throw TensorError(.shape, "cross-entropy: \(weights.count) class weights for \(c) classes") }
        guard labelSmoothing >= 0 && labelSmoothing < 1 else { throw TensorError(.value, "label smoothing must be in [0, 1), got \(labelSmoothing)") }
        // Each sample's loss is -Σ_k A[i, k] log p[i, k]; A holds the (weighted, smoothed) targets.
        var a = [Float](repeating: 0, count: n * c), rowTotal = [Float](repeating: 0, count: n)
        var norm: Double = 0
        let w = weights ?? [Float](repeating: 1, count: c)
        for (i, v) in labels.storage.enumerated() {
            // Checked as a Float first: Int(v) traps on 1e30, infinity or NaN.
            guard v.isFinite, v >= 0, v < Float(c), v == v.rounded() else {
                throw TensorError(.value, "cross-entropy: label \(v) of sample \(i) is not a class index in 0..<\(c)")
            }
            let y = Int(v)
            a[i * c + y] += (1 - labelSmoothing) * w[y]
            if labelSmoothing > 0 { for k in 0..<c { a[i * c + k] += labelSmoothing / Float(c) * w[k] } }
            rowTotal[i] = (0..<c).reduce(0) { $0 + a[i * c + $1] }
            norm += Double(w[y])
        }
        guard norm > 0 else { throw TensorError(.value, "cross-entropy: the samples' class weights sum to 0") }
        let targets = Tensor(shape: [n, c], storage: a), totals = Tensor(shape: [n, 1], storage: rowTotal)
        let logp = try backend.softmax(logits.value, axis: -1, log: true)
        let scale = Tape.constant(Float(-1 / norm))
        let loss = try backend.binary(.multiply, try backend.reduce(.sum, try backend.binary(.multiply, targets, logp), axis: nil), scale)
        return record(loss, [logits]) { [self] g throws(TensorError) in
            // d/dlogits = (Σ_k A[i, k]) p - A, over the norm.
            let p = try backend.unary(.exp, logp)
            let d = try backend.binary(.subtract, try backend.binary(.multiply, p, totals), targets)
            return [try backend.binary(.multiply, d, try backend.binary(.multiply, g, Tape.constant(Float(1 / norm))))]
        }
    }

    /// Binary cross-entropy of `logits` against 0/1 `targets` (same shape), as PyTorch's
    /// BCEWithLogitsLoss: `positiveWeight` multiplies the loss of positive targets.
    /// Computed through softplus, so large logits neither overflow nor lose precision.
    public func binaryCrossEntropy(_ logits: Variable, targets: Tensor, positiveWeight: Float = 1) throws(TensorError) -> Variable {
        guard logits.value.count == targets.count else {
            throw TensorError(.shape, "binary cross-entropy: logits \(logits.shape) and targets \(targets.shape) differ in size")
        }
        let x = logits.value, y = targets.reshaped(logits.shape), n = Float(Swift.max(1, x.count))
        let pw = Tape.constant(positiveWeight)
        // l = pw·y·softplus(-x) + (1 - y)·softplus(x)
        let py = try backend.binary(.multiply, pw, y), rest = try backend.binary(.subtract, Tape.one, y)
        let l = try backend.binary(.add, try backend.binary(.multiply, py, try softplus(try backend.unary(.negate, x))),
                                   try backend.binary(.multiply, rest, try softplus(x)))
        let loss = try backend.reduce(.mean, l, axis: nil)
        return record(loss, [logits]) { [self] g throws(TensorError) in
            // dl/dx = σ(x)(pw·y + 1 - y) - pw·y, over n.
            let s = try backend.unary(.sigmoid, x)
            let d = try backend.binary(.subtract, try backend.binary(.multiply, s, try backend.binary(.add, py, rest)), py)
            return [try backend.binary(.multiply, d, try backend.binary(.multiply, g, Tape.constant(1 / n)))]
        }
    }

    /// Mean squared error.
    public func meanSquaredError(_ prediction: Variable, _ target: Tensor) throws(TensorError) -> Variable {
        let d = try backend.binary(.subtract, prediction.value, target.reshaped(try sameCount(prediction, target, "mean squared error")))
        let n = Float(Swift.max(1, d.count))
        return record(try backend.reduce(.mean, try backend.binary(.multiply, d, d), axis: nil), [prediction]) { [self] g throws(TensorError) in
            [try backend.binary(.multiply, d, try backend.binary(.multiply, g, Tape.constant(2 / n)))]
        }
    }

    /// Huber loss (PyTorch's HuberLoss): quadratic within `delta` of the target, linear beyond.
    public func huber(_ prediction: Variable, _ target: Tensor, delta: Float = 1) throws(TensorError) -> Variable {
        guard delta > 0 else { throw TensorError(.value, "huber: delta must be positive, got \(delta)") }
        let d = try backend.binary(.subtract, prediction.value, target.reshaped(try sameCount(prediction, target, "huber loss")))
        let n = Float(Swift.max(1, d.count)), dl = Tape.constant(delta)
        // clamp(d, -δ, δ) is the gradient; the loss is clamp·(|d| - ½|clamp|).
        let clamped = try backend.binary(.maximum, try backend.binary(.minimum, d, dl), Tape.constant(-delta))
        let absolute = try backend.unary(.abs, d)
        let half = try backend.binary(.multiply, try backend.unary(.abs, clamped), Tape.constant(0.5))
        let l = try backend.binary(.multiply, try backend.unary(.abs, clamped), try backend.binary(.subtract, absolute, half))
        return record(try backend.reduce(.mean, l, axis: nil), [prediction]) { [self] g throws(TensorError) in
            [try backend.binary(.multiply, clamped, try backend.binary(.multiply, g, Tape.constant(1 / n)))]
        }
    }

    /// softplus(x) = log(1 + eˣ) = max(x, 0) + log(1 + e^-|x|), stable for any x.
    func softplus(_ x: Tensor) throws(TensorError) -> Tensor {
        let tail = try backend.unary(.log, try backend.binary(.add, Tape.one, try backend.unary(.exp, try backend.unary(.negate, try backend.unary(.abs, x)))))
        return try backend.binary(.add, try backend.unary(.relu, x), tail)
    }

    func sameCount(_ p: Variable, _ t: Tensor, _ what: String) throws(TensorError) -> [Int] {
        guard p.value.count == t.count else { throw TensorError(.shape, "\(what): predictions \(p.shape) and targets \(t.shape) differ in size") }
        return p.shape
    }
}
