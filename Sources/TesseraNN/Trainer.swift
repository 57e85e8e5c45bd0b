import Foundation
import TesseraTensor

/// How to train: epochs, batches, shuffling, early stopping, clipping, a schedule.
public struct TrainingOptions: Sendable {
    public var epochs = 1
    public var batchSize = 32
    public var seed: UInt64 = 0
    public var shuffle = true
    /// Stop after this many epochs without a better validation loss (the training loss
    /// when there is no validation set), restoring the best epoch's weights.
    public var earlyStopping: Int?
    /// Rescale the gradients when their global L2 norm exceeds this.
    public var clipNorm: Float?
    public var schedule: Schedule?
    /// Where the schedule starts (steps taken by earlier fits with the same optimizer) and
    /// the rate it scales (the optimizer's own, before any schedule changed it).
    public var scheduleStart = 0
    public var baseLearningRate: Float?
    /// The ranks that train together, data-parallel: each takes its share of every batch's
    /// rows, and the gradients are summed over the ranks before each step. One process
    /// unless a job gives more.
    public var communicator: any Communicator = SoloCommunicator()

    public init(epochs: Int = 1, batchSize: Int = 32, seed: UInt64 = 0, shuffle: Bool = true, earlyStopping: Int? = nil,
                clipNorm: Float? = nil, schedule: Schedule? = nil) {
        self.epochs = epochs; self.batchSize = batchSize; self.seed = seed; self.shuffle = shuffle
        self.earlyStopping = earlyStopping; self.clipNorm = clipNorm; self.schedule = schedule
    }
}

/// Trains a Sequential model: seeded shuffling, mini-batches, a validation pass per
/// epoch, early stopping with the best weights restored, progress events, a clean stop
/// on interrupt (after the current batch), and a clear error on a non-finite loss with
/// the weights of the last finite step restored.
public final class Trainer {
    public let model: Sequential
    public let loss: Loss
    public let optimizer: any Optimizer
    public let backend: any Backend
    public let options: TrainingOptions
    /// The rate a schedule scales.
    public let baseRate: Float
    private var steps = 0

    public init(model: Sequential, loss: Loss, optimizer: any Optimizer, backend: any Backend, options: TrainingOptions) {
        self.model = model
        self.loss = loss
        self.optimizer = optimizer
        self.backend = backend
        self.options = options
        self.baseRate = options.baseLearningRate ?? optimizer.learningRate
        self.steps = options.scheduleStart
    }

    /// Steps taken, counting from `options.scheduleStart`.
    public var stepCount: Int { steps }

    /// Trains on features `x` [n, ...] and targets `y` [n] (or [n, ...]).
    ///
    /// With a communicator of several ranks, every rank holds the same data and shuffles it
    /// with the same seed; of each global batch of `batchSize` rows a rank takes its
    /// contiguous share, and the gradients, the loss, the validation metrics and the stop
    /// decision are summed over the ranks, so every rank takes the same steps and the
    /// weights are one process's up to the order of float sums.
    /// - Parameters:
    ///   - progress: called after every batch and every epoch.
    ///   - shouldStop: polled after every batch (an interrupt).
    public func fit(_ x: Tensor, _ y: Tensor, validation: (x: Tensor, y: Tensor)? = nil,
                    progress: (TrainingEvent) -> Void = { _ in }, shouldStop: () -> Bool = { false }) throws -> History {
        let n = x.shape.first ?? 0
        guard n > 0 else { throw TensorError(.value, "fit needs at least one example; the features are empty") }
        guard y.shape.first == n else { throw TensorError(.shape, "fit: \(n) examples of features but \(y.shape.first ?? 0) targets") }
        guard options.epochs > 0, options.batchSize > 0 else { throw TensorError(.value, "fit needs epochs and batchSize of at least 1") }
        if let v = validation, v.x.shape.first != v.y.shape.first {
            throw TensorError(.shape, "fit: the validation set has \(v.x.shape.first ?? 0) examples of features but \(v.y.shape.first ?? 0) targets")
        }
        if !model.isBuilt { try model.build(inputShape: Array(x.shape.dropFirst())) }
        let history = History()
        var rng = RandomGenerator(seed: options.seed)
        // A batch larger than the data is the whole data (and its arithmetic cannot overflow).
        let batchSize = Swift.min(options.batchSize, n)
        let batches = (n + batchSize - 1) / batchSize
        let start = Date()
        var seen = 0
        var best: (loss: Double, epoch: Int, weights: [Tensor])?
        var stale = 0
        let parameters = model.namedParameters.map(\.variable)
        let stateful = parameters + model.namedBuffers.map(\.variable)
        let world = options.communicator
        if world.size > 1 {
            // Each rank takes its share of rows it must hold like every other rank: data sharded
            // by rank beforehand (Horovod's habit) would train on a fraction of it, silently.
            try checkSameData([x, y] + (validation.map { [$0.x, $0.y] } ?? []), world, epoch: 1)
            // Every rank starts from rank 0's weights (they agree already when built from one seed).
            try broadcast(stateful, from: world)
        }
        let reducer = world.size > 1 ? GradientReducer(parameters: parameters, communicator: world) : nil
        // Weights live where the backend computes (a GPU's memory), moved there once.
        for v in stateful where v.value.device == nil { v.value = try backend.prepare(v.value) }
        // The weights of the last batch whose loss was finite (an update can overflow the
        // weights while its own loss was finite: the next loss shows it).
        var lastFinite = stateful.map(\.value)
        // With no thread count set, a few timed batches choose between every core and one;
        // ranks sharing a host share its cores instead (as torchrun sets OMP_NUM_THREADS):
        // more threads than cores only wait on one another.
        let sharesCores = world.size > 1 && world.ranksOnThisHost > 1 && Parallel.isAutomatic
        if sharesCores { Parallel.automaticThreads = Swift.max(1, Parallel.cores / world.ranksOnThisHost) }
        defer { if sharesCores { Parallel.automaticThreads = 0 } }
        var planner = ThreadPlanner(steps: sharesCores ? 0 : batches * options.epochs)
        defer { planner.finish() }

        for epoch in 1...options.epochs {
            var order = Array(0..<n)
            if options.shuffle { order.shuffle(using: &rng) }
            var total = 0.0, counted = 0
            for b in 0..<batches {
                planner.beginStep()
                let rows = Array(order[(b * batchSize)..<Swift.min(n, (b + 1) * batchSize)])
                // This rank's share of the batch (all of it in one process).
                let mine = reducer == nil ? rows : Array(rows[world.share(of: rows.count)])
                let before = stateful.map(\.value)
                var value = 0.0
                var stop = false
                if let reducer {
                    // Backward first: the loss that decides is the batch's, summed over the ranks.
                    let share = Float(mine.count) / Float(rows.count)
                    reducer.begin(share: share)
                    var local = 0.0
                    if mine.isEmpty {
                        // A synchronized BatchNorm reduces inside the forward pass: every rank must run one.
                        if model.layers.contains(where: { ($0 as? BatchNorm)?.synchronized == true }) {
                            throw TrainingError(epoch: epoch, batch: b + 1, message: """
                                batch \(b + 1) of epoch \(epoch) has \(rows.count) rows for \(world.size) ranks, and a synchronized \
                                BatchNorm needs rows on every rank; use a batchSize that leaves at least \(world.size) rows in the \
                                last batch (\(n) rows in all), or fewer ranks
                                """)
                        }
                        try reducer.contributeNothing()
                    } else {
                        let (tape, l) = try forward(x, y, mine, share: share)
                        local = Double(l.value.storage[0])
                        try tape.backward(l, leafReady: { v throws(TensorError) in try reducer.ready(v) })
                    }
                    try reducer.finish(backend: backend)
                    var totals = [local * Double(mine.count), shouldStop() ? 1 : 0]
                    try totals.withUnsafeMutableBufferPointer { p throws(TensorError) in try world.allReduceSum(p) }
                    value = totals[0] / Double(rows.count)
                    stop = totals[1] > 0
                } else {
                    let (tape, l) = try forward(x, y, mine)
                    value = Double(l.value.storage[0])
                    if value.isFinite { try tape.backward(l) }
                }
                guard value.isFinite else {
                    for (v, old) in zip(stateful, lastFinite) { v.value = old }
                    throw TrainingError(epoch: epoch, batch: b + 1, message: """
                        the loss became \(value) at epoch \(epoch), batch \(b + 1) of \(batches); training stopped and the \
                        weights of the last finite step were restored. Likely cause: a learning rate too high for this \
                        model (\(optimizer.description)); try one 10 times smaller, gradient clipping (clipNorm: 1), or \
                        check the inputs for NaN or infinite values.
                        """)
                }
                lastFinite = before
                if let clip = options.clipNorm { try clipGradients(parameters, to: clip) }
                if let schedule = options.schedule { optimizer.learningRate = baseRate * schedule.factor(at: steps) }
                try optimizer.step(parameters, backend: backend)
                planner.endStep()
                steps += 1
                seen += rows.count
                total += value * Double(rows.count)
                counted += rows.count
                let elapsed = Date().timeIntervalSince(start)
                let rate = Double(seen) / Swift.max(elapsed, 1e-9)
                let remaining = (Double(options.epochs) * Double(n) - Double(seen)) / Swift.max(rate, 1e-9)
                progress(TrainingEvent(kind: .batch, epoch: epoch, epochs: options.epochs, batch: b + 1, batches: batches,
                                       loss: total / Double(counted), samplesPerSecond: rate, eta: remaining, metrics: [:]))
                // Alone, the stop is asked after the batch's progress; across ranks it was
                // decided in the batch's reduction, so that every rank stops at the same step.
                if reducer == nil { stop = shouldStop() }
                if stop {
                    history.stopReason = .interrupted(epoch: epoch, batch: b + 1)
                    return history
                }
            }
            var metrics = ["loss": total / Double(counted)]
            if let v = validation {
                metrics.merge(world.size > 1 ? try evaluateAcrossRanks(v.x, v.y, world) : try evaluate(v.x, v.y), uniquingKeysWith: { $1 })
            }
            history.append(metrics)
            let elapsed = Date().timeIntervalSince(start)
            progress(TrainingEvent(kind: .epoch, epoch: epoch, epochs: options.epochs, batch: batches, batches: batches,
                                   loss: metrics["loss"]!, samplesPerSecond: Double(seen) / Swift.max(elapsed, 1e-9),
                                   eta: Double(options.epochs - epoch) * elapsed / Double(epoch), metrics: metrics))
            if let patience = options.earlyStopping {
                let monitored = metrics["val_loss"] ?? metrics["loss"]!
                if best == nil || monitored < best!.loss {
                    best = (monitored, epoch, stateful.map(\.value))
                    stale = 0
                } else {
                    stale += 1
                    if stale >= patience {
                        for (v, w) in zip(stateful, best!.weights) { v.value = w }
                        history.restoredEpoch = best!.epoch
                        history.stopReason = .earlyStopping(patience: patience)
                        return history
                    }
                }
            }
        }
        if let best, options.earlyStopping != nil, best.epoch != history.epochs.count {
            for (v, w) in zip(stateful, best.weights) { v.value = w }
            history.restoredEpoch = best.epoch
        }
        return history
    }

    /// One batch's forward pass in training mode: the tape and the mean loss over `rows`
    /// (this rank's `share` of the global batch).
    private func forward(_ x: Tensor, _ y: Tensor, _ rows: [Int], share: Float = 1) throws -> (Tape, Variable) {
        let bx = try x.gather(rows), by = try y.gather(rows)
        let tape = Tape(backend: backend)
        let pass = ForwardPass(tape: tape, training: true, rng: RandomGenerator(seed: options.seed &+ UInt64(steps) &* 0x9E37_79B9))
        pass.communicator = options.communicator
        pass.share = share
        let output = try model.forward(Variable(bx), pass, scores: loss.takesScores(of: model))
        return (tape, try loss.apply(output, by, tape))
    }

    /// Throws on every rank unless every rank holds the same tensors (by shape and a checksum
    /// that sees the order of the rows), compared with rank 0's. The checksum reads at most
    /// 65,536 values spread over each tensor: a fit's start must not pay for a pass over the data.
    private func checkSameData(_ tensors: [Tensor], _ world: any Communicator, epoch: Int) throws {
        var mine: [Double] = []
        for t in tensors {
            var sum = 0.0
            t.storage.withUnsafeBufferPointer { p in
                let samples = Swift.min(p.count, 1 << 16)
                for k in 0..<samples { sum += Double(p[k * p.count / samples]) * Double(k % 1021 + 1) }
            }
            mine += [Double(t.shape.first ?? 0), Double(t.count), sum]
        }
        var first = world.rank == 0 ? mine : [Double](repeating: 0, count: mine.count)
        try first.withUnsafeMutableBufferPointer { p throws(TensorError) in try world.allReduceSum(p) }
        var differ = [zip(mine, first).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) } ? 0.0 : 1.0]
        try differ.withUnsafeMutableBufferPointer { p throws(TensorError) in try world.allReduceSum(p) }
        guard differ[0] == 0 else {
            throw TrainingError(epoch: epoch, batch: 0, message: """
                \(Int(differ[0])) of the \(world.size) ranks hold other training or validation data than rank 0; in a data-parallel \
                fit every rank loads the whole data set and fit takes each rank's share of every batch. Load the same data \
                on every rank (do not split it by distributed()["rank"]), or train each rank alone with fit(distributed: .off)
                """)
        }
    }

    /// Rank 0's values of `variables` on every rank.
    private func broadcast(_ variables: [Variable], from world: any Communicator) throws {
        for v in variables {
            var values = v.value.storage
            try values.withUnsafeMutableBufferPointer { p throws(TensorError) in try world.broadcast(p, root: 0) }
            v.value = Tensor(shape: v.value.shape, storage: values)
        }
    }

    /// The loss (and accuracy, for classification) on a data set, in inference mode.
    public func evaluate(_ x: Tensor, _ y: Tensor, prefix: String = "val_") throws -> [String: Double] {
        let (loss, right, count) = try evaluateSums(x, y)
        var metrics = [prefix + "loss": loss]
        if let right { metrics[prefix + "accuracy"] = right / Double(Swift.max(1, count)) }
        return metrics
    }

    /// `evaluate` where each rank scores its share of the rows and the sums are reduced: the
    /// metrics of the whole set, on every rank.
    func evaluateAcrossRanks(_ x: Tensor, _ y: Tensor, _ world: any Communicator, prefix: String = "val_") throws -> [String: Double] {
        let share = Array(world.share(of: x.shape.first ?? 0))
        var sums = [0.0, 0.0, 0.0]
        if !share.isEmpty {
            let (loss, right, count) = try evaluateSums(try x.gather(share), try y.gather(share))
            sums = [loss * Double(count), right ?? 0, Double(count)]
        }
        try sums.withUnsafeMutableBufferPointer { p throws(TensorError) in try world.allReduceSum(p) }
        var metrics = [prefix + "loss": sums[0] / Swift.max(1, sums[2])]
        if self.loss.isClassification { metrics[prefix + "accuracy"] = sums[1] / Swift.max(1, sums[2]) }
        return metrics
    }

    /// The mean loss over the rows, the number classified right (classification), the rows.
    private func evaluateSums(_ x: Tensor, _ y: Tensor) throws -> (loss: Double, right: Double?, count: Int) {
        // Scores for a model ending in the loss's own activation: the loss and the classes below read logits.
        let out = try model.predict(x, backend: backend, batchSize: 1024, scores: loss.takesScores(of: model))
        let tape = Tape(backend: backend)
        let count = x.shape.first ?? 0
        let mean = Double(try loss.apply(Variable(out), y, tape).value.storage[0])
        guard loss.isClassification else { return (mean, nil, count) }
        let truth = y.storage
        let predicted: [Float]
        if case .crossEntropy = loss { predicted = try backend.argmax(out, axis: -1).values.map { Float($0) } } else { predicted = out.storage.map { $0 > 0 ? 1 : 0 } }
        // Per prediction, counted in rows: a sequence model's row holds one per position, and
        // right/count must stay a fraction (it read 5.8 for six positions a row).
        let right = zip(predicted, truth).filter { $0 == $1 }.count
        return (mean, Double(right) / Double(Swift.max(1, predicted.count)) * Double(count), count)
    }

    /// Scales every gradient by min(1, maxNorm / ‖all gradients‖₂), as torch's clip_grad_norm_.
    func clipGradients(_ parameters: [Variable], to maxNorm: Float) throws(TensorError) {
        var squares = 0.0
        for p in parameters { if let g = p.grad { squares += Double(try backend.reduce(.sum, try backend.binary(.multiply, g, g), axis: nil).storage[0]) } }
        let norm = squares.squareRoot()
        guard norm > Double(maxNorm) else { return }
        let factor = Tape.constant(Float(Double(maxNorm) / (norm + 1e-6)))
        for p in parameters { if let g = p.grad { p.grad = try backend.binary(.multiply, g, factor) } }
    }
}
