/// What training recorded: per epoch, the training loss and every validation metric, and
/// how training ended.
public final class History {
    /// One entry per finished epoch: "loss", "val_loss", "val_accuracy", ...
    public private(set) var epochs: [[String: Double]] = []
    /// Why training ended before its last epoch, if it did.
    public internal(set) var stopReason: StopReason?
    /// The epoch (1-based) whose weights the model holds, when early stopping restored them.
    public internal(set) var restoredEpoch: Int?

    public enum StopReason: Equatable, Sendable {
        case earlyStopping(patience: Int)
        case interrupted(epoch: Int, batch: Int)
    }

    public init() {}

    func append(_ metrics: [String: Double]) { epochs.append(metrics) }

    /// The names recorded, in a stable order (loss first).
    public var names: [String] {
        let all = Set(epochs.flatMap(\.keys))
        return ["loss", "val_loss"].filter(all.contains) + all.subtracting(["loss", "val_loss"]).sorted()
    }

    /// The values of one metric across epochs.
    public func series(_ name: String) -> [Double] { epochs.compactMap { $0[name] } }

    /// The last epoch's metrics.
    public var last: [String: Double] { epochs.last ?? [:] }
}

/// Training stopped because it could not go on: a loss that is not a finite number.
public struct TrainingError: Error, CustomStringConvertible, Sendable {
    public let epoch: Int
    public let batch: Int
    public let message: String
    public var description: String { message }
}

/// What training reports as it goes, for a live display.
public struct TrainingEvent: Sendable {
    public enum Kind: Sendable { case batch, epoch }
    public let kind: Kind
    public let epoch: Int          // 1-based
    public let epochs: Int
    public let batch: Int          // 1-based, within the epoch
    public let batches: Int
    /// The running mean of the training loss over the epoch so far.
    public let loss: Double
    public let samplesPerSecond: Double
    /// Seconds left for the whole run, at the current rate.
    public let eta: Double
    /// At the end of an epoch: its metrics (as History records them).
    public let metrics: [String: Double]
}
