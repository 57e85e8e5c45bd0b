import Foundation
import TesseraTensor

/// The ranks of a data-parallel job and the collectives training needs: what TesseraNN
/// knows of the world beyond one process. An MPI job implements it (TesseraDistributed);
/// `SoloCommunicator` is the world of one process, and `ThreadCommunicator` runs ranks as
/// threads of one process: the readable reference that tests hold the others to.
///
/// Every rank calls the same collectives in the same order, with buffers of the same
/// length; a collective returns once every rank has taken part.
public protocol Communicator: AnyObject, Sendable {
    /// This process's rank, 0 ..< size; rank 0 writes the outputs.
    var rank: Int { get }
    /// How many ranks train together.
    var size: Int { get }
    /// How many of them share this host's cores (and so divide its threads among them).
    var ranksOnThisHost: Int { get }
    /// Sums `buffer` element-wise over the ranks, in place: every rank ends with the sum.
    func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws(TensorError)
    /// The same for a few doubles (losses, counts, flags): exact enough to compare.
    func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws(TensorError)
    /// Starts summing `buffer` over the ranks and returns at once; `wait` ends it. Buckets
    /// of gradients are reduced this way while the backward pass goes on (as PyTorch's
    /// DistributedDataParallel does); the buffer must stay alive and untouched until then.
    func startAllReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws(TensorError) -> any PendingReduction
    /// Copies rank `root`'s `buffer` to every rank.
    func broadcast(_ buffer: UnsafeMutableBufferPointer<Float>, root: Int) throws(TensorError)
    /// Stops the whole job at once after an error on this rank, so no rank waits forever
    /// in a collective for it; `message` is said first. Outside a job, it returns.
    func abort(_ message: String)
}

/// A reduction started by `startAllReduceSum`.
public protocol PendingReduction {
    /// Returns once the sum is in the buffer.
    func wait() throws(TensorError)
}

/// A reduction that was done when it started.
public struct FinishedReduction: PendingReduction {
    public init() {}
    public func wait() throws(TensorError) {}
}

/// The world of one process: every collective is the identity.
public final class SoloCommunicator: Communicator {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public var ranksOnThisHost: Int { 1 }
    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws(TensorError) {}
    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws(TensorError) {}
    public func startAllReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws(TensorError) -> any PendingReduction { FinishedReduction() }
    public func broadcast(_ buffer: UnsafeMutableBufferPointer<Float>, root: Int) throws(TensorError) {}
    public func abort(_ message: String) {}
}

extension Communicator {
    /// The rows of `count` that this rank takes: a contiguous share, the first `count % size`
    /// ranks one row more, so the shares of all ranks put together are the rows in order.
    public func share(of count: Int) -> Range<Int> {
        let base = count / size, extra = count % size
        let start = rank * base + Swift.min(rank, extra)
        return start..<(start + base + (rank < extra ? 1 : 0))
    }
}
