import TesseraTensor

extension Tape {
    /// The sum over the ranks of each rank's `weight` × `v`: every rank gets the same value
    /// (a statistic of the whole global batch, as SyncBatchNorm needs). Its pullback sums
    /// the ranks' incoming gradients, each weighted by its rank's share of the batch
    /// (`share`), which is this rank's part of the global loss's gradient divided by its
    /// share: the gradient reducer multiplies by the share again when it sums the ranks.
    func allReduce(_ v: Variable, weight: Float, share: Float, _ world: any Communicator) throws(TensorError) -> Variable {
        var values = try backend.binary(.multiply, v.value, Tape.constant(weight)).storage
        try values.withUnsafeMutableBufferPointer { p throws(TensorError) in try world.allReduceSum(p) }
        let out = try backend.prepare(Tensor(shape: v.shape, storage: values))
        let backend = self.backend
        return record(out, [v]) { g throws(TensorError) in
            var grads = try backend.binary(.multiply, g, Tape.constant(share)).storage
            try grads.withUnsafeMutableBufferPointer { p throws(TensorError) in try world.allReduceSum(p) }
            return [try backend.prepare(Tensor(shape: g.shape, storage: grads))]
        }
    }
}
