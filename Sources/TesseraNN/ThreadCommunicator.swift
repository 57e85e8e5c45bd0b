import Foundation
import TesseraTensor

/// Ranks as threads of one process, meeting in a shared hub: the reference implementation
/// of `Communicator`, plain enough to read at a glance, with which the tests check that a
/// data-parallel fit gives one process's weights. Sums run over the ranks in rank order.
public final class ThreadCommunicator: Communicator, @unchecked Sendable {
    public let rank: Int
    public var size: Int { hub.size }
    public var ranksOnThisHost: Int { hub.size }
    private let hub: Hub

    /// `size` communicators that meet each other, one per rank (give each to its thread).
    public static func world(size: Int) -> [ThreadCommunicator] {
        let hub = Hub(size: size)
        return (0..<size).map { ThreadCommunicator(rank: $0, hub: hub) }
    }

    private init(rank: Int, hub: Hub) { self.rank = rank; self.hub = hub }

    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws(TensorError) {
        try hub.meet(rank, UnsafeMutableRawPointer(buffer.baseAddress), buffer.count) { parts, count in
            for i in 0..<count {
                var s: Float = 0
                for p in parts { s += p.assumingMemoryBound(to: Float.self)[i] }
                for p in parts { p.assumingMemoryBound(to: Float.self)[i] = s }
            }
        }
    }

    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws(TensorError) {
        try hub.meet(rank, UnsafeMutableRawPointer(buffer.baseAddress), buffer.count) { parts, count in
            for i in 0..<count {
                var s = 0.0
                for p in parts { s += p.assumingMemoryBound(to: Double.self)[i] }
                for p in parts { p.assumingMemoryBound(to: Double.self)[i] = s }
            }
        }
    }

    public func startAllReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws(TensorError) -> any PendingReduction {
        try allReduceSum(buffer)
        return FinishedReduction()
    }

    public func broadcast(_ buffer: UnsafeMutableBufferPointer<Float>, root: Int) throws(TensorError) {
        try hub.meet(rank, UnsafeMutableRawPointer(buffer.baseAddress), buffer.count) { parts, count in
            let source = parts[root].assumingMemoryBound(to: Float.self)
            for (r, p) in parts.enumerated() where r != root { p.assumingMemoryBound(to: Float.self).update(from: source, count: count) }
        }
    }

    public func abort(_ message: String) { hub.abort("rank \(rank): \(message)") }

    /// Where the ranks meet: each collective waits for every rank's buffer, the last to come
    /// combines them, and all leave together.
    private final class Hub: @unchecked Sendable {
        let size: Int
        private let condition = NSCondition()
        private var parts: [UnsafeMutableRawPointer?]
        private var arrived = 0
        private var generation = 0
        private var counts: [Int]
        private var aborted: String?

        init(size: Int) {
            self.size = size
            parts = Array(repeating: nil, count: size)
            counts = Array(repeating: 0, count: size)
        }

        func meet(_ rank: Int, _ buffer: UnsafeMutableRawPointer?, _ count: Int,
                  _ combine: ([UnsafeMutableRawPointer], Int) -> Void) throws(TensorError) {
            condition.lock()
            defer { condition.unlock() }
            if let aborted { throw TensorError(.value, "the job stopped: \(aborted)") }
            let mine = generation
            parts[rank] = buffer
            counts[rank] = count
            arrived += 1
            if arrived == size {
                guard Set(counts).count == 1 else {
                    aborted = "the ranks reduce buffers of different lengths \(counts)"
                    condition.broadcast()
                    throw TensorError(.shape, "the job stopped: \(aborted!)")
                }
                if count > 0 { combine(parts.map { $0! }, count) }
                arrived = 0
                generation += 1
                condition.broadcast()
                return
            }
            while generation == mine && aborted == nil { condition.wait() }
            if generation == mine, let aborted { throw TensorError(.value, "the job stopped: \(aborted)") }
        }

        func abort(_ message: String) {
            condition.lock()
            aborted = aborted ?? message
            condition.broadcast()
            condition.unlock()
        }
    }
}
