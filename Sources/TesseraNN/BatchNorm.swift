import TesseraTensor

/// Batch normalization of features [batch, features] (1-D) or channels of images
/// [batch, channels, h, w] (2-D), as PyTorch's BatchNorm1d/2d: while training it
/// normalizes with the batch's mean and (biased) variance and updates running estimates
/// (momentum 0.1, unbiased variance); in inference it uses the running estimates.
///
/// In a data-parallel fit each rank normalizes with its own share of the batch (PyTorch's
/// default), unless `synchronized` (PyTorch's SyncBatchNorm, Keras's
/// `BatchNormalization(synchronized=True)`): then the mean and variance are those of the
/// whole global batch, reduced across the ranks in the forward pass and in its gradient.
public final class BatchNorm: Layer {
    public let momentum: Float
    public let epsilon: Float
    public let synchronized: Bool
    public private(set) var gamma: Variable?
    public private(set) var beta: Variable?
    public private(set) var runningMean: Variable?
    public private(set) var runningVariance: Variable?

    public init(momentum: Float = 0.1, epsilon: Float = 1e-5, synchronized: Bool = false) {
        self.momentum = momentum
        self.epsilon = epsilon
        self.synchronized = synchronized
    }

    public var description: String { synchronized ? "BatchNorm(synchronized: true)" : "BatchNorm()" }

    public var parameters: [Parameter] {
        [gamma.map { Parameter("weight", $0) }, beta.map { Parameter("bias", $0) }].compactMap { $0 }
    }

    public var buffers: [Parameter] {
        [runningMean.map { Parameter("running_mean", $0) }, runningVariance.map { Parameter("running_var", $0) }].compactMap { $0 }
    }

    public func build(inputShape: [Int], rng: inout RandomGenerator) throws(TensorError) -> [Int] {
        guard inputShape.count == 1 || inputShape.count == 3 else {
            throw TensorError(.shape, "BatchNorm needs features [f] or images [c, h, w] per example; it got \(inputShape)")
        }
        let c = inputShape[0]
        try HostMemory.check(shape: [4, c], what: "BatchNorm's statistics for \(c) channels")
        gamma = Variable(Tensor(shape: [c], storage: [Float](repeating: 1, count: c)), requiresGrad: true)
        beta = Variable(Tensor(zeros: [c]), requiresGrad: true)
        runningMean = Variable(Tensor(zeros: [c]))
        runningVariance = Variable(Tensor(shape: [c], storage: [Float](repeating: 1, count: c)))
        return inputShape
    }

    public func forward(_ x: Variable, _ pass: ForwardPass) throws(TensorError) -> Variable {
        guard let gamma, let beta, let runningMean, let runningVariance else { throw TensorError(.value, "BatchNorm is used before it was built") }
        let t = pass.tape
        let c = gamma.shape[0]
        guard (x.value.rank == 2 || x.value.rank == 4) && x.shape[1] == c else {
            throw TensorError(.shape, "BatchNorm built for \(c) features or channels got a batch of shape \(x.shape)")
        }
        // As [n, c, positions] (positions 1 for features): statistics per channel over the
        // batch and the positions, broadcast back as [c, 1] bands. No transposition.
        let images = x.value.rank == 4
        let positions = images ? x.shape[2] * x.shape[3] : 1
        let rows = try t.reshape(x, [x.shape[0], c, positions])
        let m = x.shape[0] * positions
        let perChannel = [c, 1]
        // Synchronized, a channel's statistic is the global batch's: each rank's, weighted by its share.
        let world = pass.communicator
        let across = synchronized && world.size > 1
        func channelMean(_ v: Variable) throws(TensorError) -> Variable {
            let local = try t.mean(try t.mean(v, axis: 2), axis: 0)
            return across ? try t.allReduce(local, weight: pass.share, share: pass.share, world) : local
        }
        // The values per channel the statistics cover: this rank's, or the global batch's.
        let count = across ? Int((Float(m) / pass.share).rounded()) : m
        let normalized: Variable
        if pass.training {
            guard count > 1 else { throw TensorError(.value, "BatchNorm needs more than one value per channel to train (batch of \(x.shape[0])); use a larger batch") }
            let mean = try channelMean(rows)
            let centered = try t.subtract(rows, try t.reshape(mean, perChannel))
            let variance = try channelMean(try t.multiply(centered, centered))
            let std = try t.sqrt(try t.add(variance, Variable(Tape.constant(epsilon))))
            normalized = try t.divide(centered, try t.reshape(std, perChannel))
            // Running estimates, outside the tape.
            let b = pass.backend, keep = Tape.constant(1 - momentum), take = Tape.constant(momentum)
            let unbiased = try b.binary(.multiply, variance.value, Tape.constant(Float(count) / Float(count - 1)))
            runningMean.value = try b.binary(.add, try b.binary(.multiply, runningMean.value, keep), try b.binary(.multiply, mean.value, take))
            runningVariance.value = try b.binary(.add, try b.binary(.multiply, runningVariance.value, keep), try b.binary(.multiply, unbiased, take))
        } else {
            let std = try pass.backend.unary(.sqrt, try pass.backend.binary(.add, runningVariance.value, Tape.constant(epsilon)))
            normalized = try t.divide(try t.subtract(rows, Variable(runningMean.value.reshaped(perChannel))), Variable(std.reshaped(perChannel)))
        }
        let y = try t.add(try t.multiply(normalized, try t.reshape(gamma, perChannel)), try t.reshape(beta, perChannel))
        return try t.reshape(y, x.shape)
    }
}

extension BatchNorm: ConfigurableLayer {
    public static var kind: String { "BatchNorm" }
    public static var summary: String { "Normalizes features (or image channels) by batch statistics while training, running ones in inference." }
    public static var example: String { "Sequential([Dense(64), BatchNorm(), Activation(.relu), Dense(10)])" }
    public static var fields: [Setting] {
        [Setting("momentum", .number, default: .number(0.1), range: 0...1, "how fast the running statistics follow the batches"),
         Setting("epsilon", .number, default: .number(1e-5), range: 1e-12...1, "added to the variance before the square root"),
         Setting("synchronized", .flag, default: .flag(false),
                 "in a data-parallel fit (mpirun), normalize with the whole global batch's statistics, reduced across the ranks (SyncBatchNorm); else each rank's own")]
    }
    public var settings: [String: SettingValue] {
        ["momentum": .number(Double(momentum)), "epsilon": .number(Double(epsilon)), "synchronized": .flag(synchronized)]
    }
    public convenience init(settings s: Settings) {
        self.init(momentum: Float(s.double("momentum")), epsilon: Float(s.double("epsilon")), synchronized: s.bool("synchronized"))
    }
}
