import Foundation
import TesseraDistributed
import TesseraNN
import TesseraScript
import TesseraTensor
import TesseraTune

/// A study in an MPI job of several ranks (`mpirun -np N tessera run tune.tsr`, or
/// `mpirun -np N tessera worker --storage URL --study NAME`): rank 0 runs the study (the
/// suggestions, the results, the storage) and relays each trial to the other ranks, which run
/// the same objective with the same parameters at the same time, so that a fit inside it
/// trains data-parallel across every rank. The decision a report takes (prune, or leave the
/// study) is relayed too, so every rank stops a trial at the same point.
///
/// Messages are Doubles summed over the ranks, to which only rank 0 adds anything.
final class TrialRelay {
    let world: any Communicator
    /// Values per point of the space.
    let dimensions: Int
    /// Set on rank 0 once it told the others to leave inside a trial (they expect no more).
    private(set) var released = false

    /// What a report decided.
    enum Decision: Double { case goOn = 0, prune = 1, leave = 2 }

    /// Ends the trial on the ranks other than 0 when rank 0 leaves the study inside it.
    struct Released: Error, CustomStringConvertible { var description: String { "rank 0 left the study" } }

    init(world: any Communicator, dimensions: Int) { self.world = world; self.dimensions = dimensions }

    /// The relay of this process's MPI job, when it has several ranks; nil otherwise.
    static func forJob(dimensions: Int) throws -> TrialRelay? {
        guard DistributedRun.isLaunched else { return nil }
        let world = try DistributedBindings.communicator(.symbol("auto"))
        return world.size > 1 ? TrialRelay(world: world, dimensions: dimensions) : nil
    }

    var isLeader: Bool { world.rank == 0 }

    private func exchange(_ message: [Double]) throws -> [Double] {
        var values = isLeader ? message : [Double](repeating: 0, count: message.count)
        try values.withUnsafeMutableBufferPointer { p throws(TensorError) in try world.allReduceSum(p) }
        return values
    }

    /// Rank 0: hands `trial` to the other ranks.
    func announce(_ trial: Trial) throws {
        _ = try exchange([1, Double(trial.number)] + (0..<dimensions).map { $0 < trial.raw.count ? trial.raw[$0] : .nan })
    }

    /// Rank 0: no more trials (nothing to say when the others were released inside one).
    func finish() throws {
        guard !released else { return }
        _ = try exchange([Double](repeating: 0, count: dimensions + 2))
    }

    /// The other ranks: the next trial's number and point, or nil when rank 0 is done.
    func next() throws -> (number: Int, raw: [Double])? {
        let m = try exchange([Double](repeating: 0, count: dimensions + 2))
        guard m[0] == 1, let number = Int(exactly: m[1]) else { return nil }
        return (number, Array(m[2...]))
    }

    /// Every rank: rank 0's decision at a report.
    func agree(_ decision: Decision) throws -> Decision {
        let d = Decision(rawValue: try exchange([decision.rawValue])[0]) ?? .goOn
        if d == .leave && isLeader { released = true }
        return d
    }
}
