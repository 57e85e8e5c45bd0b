import Foundation
import TesseraTensor

/// Sums the gradients of a data-parallel step over the ranks, as PyTorch's
/// DistributedDataParallel does: the parameters are grouped in buckets in the order the
/// backward pass completes them (the last layer first), each bucket is a buffer allocated
/// once and reused every step, and a bucket's reduction starts as soon as its last
/// gradient is in, while the backward pass goes on. Buckets start in the same order on
/// every rank, as the collectives require.
///
/// Each rank's gradient is the mean over its own rows; it enters the sum weighted by its
/// share of the global batch (its rows / the batch's rows), so the sum is the gradient of
/// the mean loss over the whole batch: what one process computes from the same rows.
final class GradientReducer {
    private let communicator: any Communicator
    private let parameters: [Variable]
    /// Parameter indices per bucket, and each parameter's bucket and offset in it.
    private let buckets: [[Int]]
    private let place: [ObjectIdentifier: (index: Int, bucket: Int, offset: Int)]
    private let buffers: [UnsafeMutableBufferPointer<Float>]
    private var filled: [Int]
    private var pending: [(any PendingReduction)?]
    private var started = 0
    private var scale: Float = 1
    /// Which parameters had a gradient on this rank this step (the others stay without one).
    private var hadGradient: [Bool]

    /// The first bucket is small, so the first reduction starts early; the rest hold about
    /// `bucketFloats` values each (DDP's defaults: 1 MB, then 25 MB).
    init(parameters: [Variable], communicator: any Communicator, firstBucketFloats: Int = 1 << 18, bucketFloats: Int = 25 << 18) {
        self.communicator = communicator
        self.parameters = parameters
        var buckets: [[Int]] = [], current: [Int] = [], size = 0
        for i in parameters.indices.reversed() {
            current.append(i)
            size += parameters[i].value.count
            if size >= (buckets.isEmpty ? firstBucketFloats : bucketFloats) { buckets.append(current); current = []; size = 0 }
        }
        if !current.isEmpty { buckets.append(current) }
        var place: [ObjectIdentifier: (Int, Int, Int)] = [:]
        var buffers: [UnsafeMutableBufferPointer<Float>] = []
        for (b, members) in buckets.enumerated() {
            var offset = 0
            for i in members { place[ObjectIdentifier(parameters[i])] = (i, b, offset); offset += parameters[i].value.count }
            let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: Swift.max(1, offset))
            buffer.initialize(repeating: 0)
            buffers.append(UnsafeMutableBufferPointer(rebasing: buffer[0..<offset]))
        }
        self.buckets = buckets
        self.place = place
        self.buffers = buffers
        filled = Array(repeating: 0, count: buckets.count)
        pending = Array(repeating: nil, count: buckets.count)
        hadGradient = Array(repeating: false, count: parameters.count)
    }

    deinit {
        for b in buffers { UnsafeMutableBufferPointer(start: b.baseAddress, count: Swift.max(1, b.count)).deallocate() }
    }

    /// A new step, where this rank's rows are `share` of the global batch.
    func begin(share: Float) {
        scale = share
        started = 0
        for b in filled.indices { filled[b] = 0; pending[b] = nil }
        for i in hadGradient.indices { hadGradient[i] = false }
    }

    /// A parameter's gradient is complete (the backward pass's `leafReady`).
    func ready(_ v: Variable) throws(TensorError) {
        guard let (i, b, offset) = place[ObjectIdentifier(v)] else { return }
        let n = v.value.count
        if let g = v.grad {
            let values = g.storage
            let out = buffers[b].baseAddress! + offset
            let s = scale
            values.withUnsafeBufferPointer { p in for k in 0..<n { out[k] = p[k] * s } }
            hadGradient[i] = true
        } else {
            (buffers[b].baseAddress! + offset).update(repeating: 0, count: n)
        }
        filled[b] += 1
        try startReady()
    }

    /// This rank has no rows in the step (a last batch smaller than the world): it adds
    /// zeros to every sum and takes the summed gradients like the others.
    func contributeNothing() throws(TensorError) {
        for b in buffers where b.count > 0 { b.baseAddress!.update(repeating: 0, count: b.count) }
        for i in hadGradient.indices { hadGradient[i] = true }
        for b in filled.indices { filled[b] = buckets[b].count }
        try startReady()
    }

    /// Starts, in bucket order, every bucket whose gradients are all in.
    private func startReady() throws(TensorError) {
        while started < buckets.count && filled[started] == buckets[started].count {
            pending[started] = try communicator.startAllReduceSum(buffers[started])
            started += 1
        }
    }

    /// Ends the step: fills in what the backward pass never reached (zeros), waits for every
    /// bucket, and puts the summed gradients back on the parameters (on the backend's device).
    func finish(backend: any Backend) throws(TensorError) {
        for (b, members) in buckets.enumerated() where filled[b] < members.count {
            // Parameters no gradient reached add zeros to the sum (the same on every rank:
            // the ranks run the same model).
            for i in members where !hadGradient[i] {
                let (_, _, offset) = place[ObjectIdentifier(parameters[i])]!
                (buffers[b].baseAddress! + offset).update(repeating: 0, count: parameters[i].value.count)
            }
            filled[b] = members.count
        }
        try startReady()
        for b in buckets.indices { try pending[b]?.wait() }
        for (b, members) in buckets.enumerated() {
            // A parameter no gradient reached keeps none, as in one process.
            for i in members where hadGradient[i] {
                let p = parameters[i]
                let (_, _, offset) = place[ObjectIdentifier(p)]!
                let summed = Array(UnsafeBufferPointer(start: buffers[b].baseAddress! + offset, count: p.value.count))
                p.grad = try backend.prepare(Tensor(shape: p.value.shape, storage: summed))
            }
        }
    }
}
