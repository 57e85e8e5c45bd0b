import Foundation
import XCTest
@testable import TesseraNN
import TesseraTensor

/// Data-parallel training on the reference communicator (ranks as threads): N ranks with a
/// global batch B end with one process's weights and losses for batch B, up to the order
/// of float sums (relative 1e-5 here); every rank ends with the same weights; an error on
/// one rank stops the others instead of leaving them waiting.
final class DataParallelTests: XCTestCase {
    func data(_ n: Int, features: Int = 6, classes: Int = 3) -> (Tensor, Tensor) {
        var rng = RandomGenerator(seed: 7)
        let x = (0..<(n * features)).map { _ in Float(rng.nextDouble() * 2 - 1) }
        let y = (0..<n).map { i in Float((0..<features).reduce(0) { $0 + (x[i * features + $1] > 0 ? 1 : 0) } % classes) }
        return (Tensor(shape: [n, features], storage: x), Tensor(shape: [n], storage: y))
    }

    /// Runs `body` on `count` threads of their own at once (a pool as wide as the cores
    /// would leave ranks waiting for ranks that never start) and waits for them.
    static func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
        let group = DispatchGroup()
        for r in 0..<count {
            group.enter()
            Thread.detachNewThread { body(r); group.leave() }
        }
        group.wait()
    }

    static func mlp() -> Sequential { Sequential([Dense(16, activation: .relu), Dense(12, activation: .tanh), Dense(3)], seed: 3) }

    static func cnn() -> Sequential {
        Sequential([Conv2D(4, kernel: 3, padding: 1, activation: .relu), MaxPool2D(2), Flatten(), Dense(8, activation: .relu), Dense(3)], seed: 5)
    }

    struct Outcome { let weights: [[Float]]; let history: [[String: Double]] }

    /// Trains `make()` on every rank of a world of `size` (threads), returning each rank's outcome.
    func train(size: Int, epochs: Int = 3, batch: Int = 20, n: Int = 103, image: Bool = false, make: @escaping @Sendable () -> Sequential) throws -> [Outcome] {
        let (x, y): (Tensor, Tensor) = {
            let (x, y) = data(n, features: image ? 36 : 6)
            return image ? (x.reshaped([n, 1, 6, 6]), y) : (x, y)
        }()
        let (vx, vy) = data(31, features: image ? 36 : 6)
        let validation = image ? (vx.reshaped([31, 1, 6, 6]), vy) : (vx, vy)
        let world: [any Communicator] = size == 1 ? [SoloCommunicator()] : ThreadCommunicator.world(size: size)
        let lock = NSLock()
        nonisolated(unsafe) var outcomes = [Outcome?](repeating: nil, count: size)
        nonisolated(unsafe) var errors: [String] = []
        Self.onThreads(size) { r in
            do {
                let model = make()
                var options = TrainingOptions(epochs: epochs, batchSize: batch, seed: 11)
                options.communicator = world[r]
                let history = try Trainer(model: model, loss: .crossEntropy(), optimizer: Adam(lr: 0.01), backend: OpenBLASBackend(), options: options)
                    .fit(x, y, validation: validation)
                let outcome = Outcome(weights: model.namedParameters.map(\.variable.value.storage), history: history.epochs)
                lock.withLock { outcomes[r] = outcome }
            } catch {
                lock.withLock { errors.append("rank \(r): \(error)") }
            }
        }
        XCTAssertEqual(errors, [])
        return outcomes.compactMap { $0 }
    }

    func assertClose(_ a: [[Float]], _ b: [[Float]], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        var worst: Float = 0
        for (p, q) in zip(a, b) {
            for (u, v) in zip(p, q) { worst = max(worst, abs(u - v) / max(1e-3, abs(v))) }
        }
        XCTAssertLessThan(worst, 1e-4, "\(what): largest relative difference \(worst)", file: file, line: line)
    }

    func assertSameCurves(_ a: [[String: Double]], _ b: [[String: Double]], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        for (e, (p, q)) in zip(a, b).enumerated() {
            for key in ["loss", "val_loss", "val_accuracy"] {
                let u = p[key] ?? .nan, v = q[key] ?? .nan
                XCTAssertLessThan(abs(u - v) / max(1e-12, abs(v)), 1e-5, "epoch \(e + 1) \(key): \(u) against one process's \(v)", file: file, line: line)
            }
        }
    }

    func testTwoAndFourRanksGiveOneProcesssMLP() throws {
        let one = try train(size: 1, make: Self.mlp)[0]
        for size in [2, 4] {
            let ranks = try train(size: size, make: Self.mlp)
            XCTAssertEqual(ranks.count, size)
            for r in ranks {
                XCTAssertEqual(r.weights, ranks[0].weights, "every rank holds the same weights")
                assertSameCurves(r.history, one.history)
            }
            assertClose(ranks[0].weights, one.weights, "\(size) ranks against one process")
        }
    }

    func testTwoRanksGiveOneProcesssCNN() throws {
        let one = try train(size: 1, n: 60, image: true, make: Self.cnn)[0]
        let ranks = try train(size: 2, n: 60, image: true, make: Self.cnn)
        assertSameCurves(ranks[0].history, one.history)
        assertClose(ranks[1].weights, one.weights, "2 ranks against one process")
    }

    static func batchNormed(synchronized: Bool) -> Sequential {
        // No bias before the BatchNorm: its gradient is zero but for float noise, which Adam would
        // scale into full steps, different in every summation order.
        Sequential([Dense(16, useBias: false), BatchNorm(synchronized: synchronized), ActivationLayer(.relu), Dense(3)], seed: 3)
    }

    /// A synchronized BatchNorm normalizes with the global batch's statistics: N ranks train
    /// to one process's weights; with per-rank statistics (the default) they do not.
    func testSynchronizedBatchNormGivesOneProcesssWeights() throws {
        let one = try train(size: 1, n: 100, make: { Self.batchNormed(synchronized: true) })[0]
        for size in [2, 4] {
            let ranks = try train(size: size, n: 100, make: { Self.batchNormed(synchronized: true) })
            assertSameCurves(ranks[0].history, one.history)
            assertClose(ranks[size - 1].weights, one.weights, "\(size) ranks, synchronized BatchNorm")
        }
        let perRank = try train(size: 4, n: 100, make: { Self.batchNormed(synchronized: false) })
        let gap = zip(perRank[0].weights.joined(), one.weights.joined()).map { abs($0 - $1) }.max() ?? 0
        XCTAssertGreaterThan(gap, 1e-3, "per-rank statistics train another model")
    }

    /// A last batch of 3 rows over 4 ranks: one rank has none and still takes the step.
    func testARankWithNoRowsInABatchKeepsStep() throws {
        let one = try train(size: 1, epochs: 2, batch: 10, n: 23, make: Self.mlp)[0]
        let ranks = try train(size: 4, epochs: 2, batch: 10, n: 23, make: Self.mlp)
        for r in ranks { XCTAssertEqual(r.weights, ranks[0].weights) }
        assertClose(ranks[0].weights, one.weights, "4 ranks, a 3-row batch")
    }

    /// Data split by rank beforehand (Horovod's habit) is an error on every rank, not a fit
    /// on a fraction of it.
    func testRanksWithOtherDataAreAnError() throws {
        let world = ThreadCommunicator.world(size: 2)
        let lock = NSLock()
        nonisolated(unsafe) var messages: [String] = []
        let sets = [data(40), data(50)]
        Self.onThreads(2) { r in
            let (x, y) = sets[r]
            var options = TrainingOptions(epochs: 1, batchSize: 8)
            options.communicator = world[r]
            do {
                _ = try Trainer(model: Self.mlp(), loss: .crossEntropy(), optimizer: Adam(), backend: OpenBLASBackend(), options: options).fit(x, y)
                lock.withLock { messages.append("rank \(r) trained") }
            } catch {
                lock.withLock { messages.append("\(error)") }
            }
        }
        XCTAssertEqual(messages.count, 2)
        for m in messages { XCTAssertTrue(m.contains("1 of the 2 ranks hold other training or validation data than rank 0"), m) }
    }

    func testSharesCoverTheRowsInOrder() {
        for size in 1...5 {
            let world = ThreadCommunicator.world(size: size)
            for n in [0, 1, 3, 7, 20] {
                XCTAssertEqual(world.flatMap { Array($0.share(of: n)) }, Array(0..<n))
            }
        }
    }

    /// A rank that aborts (an error only it met) releases the ranks waiting for it.
    func testAnAbortReleasesTheOtherRanks() throws {
        let world = ThreadCommunicator.world(size: 3)
        let lock = NSLock()
        nonisolated(unsafe) var messages: [String] = []
        Self.onThreads(3) { r in
            var buffer: [Float] = [1, 2]
            do {
                if r == 1 { world[r].abort("out of memory on this host"); return }
                try buffer.withUnsafeMutableBufferPointer { p throws(TensorError) in try world[r].allReduceSum(p) }
                lock.withLock { messages.append("rank \(r) finished") }
            } catch {
                lock.withLock { messages.append("rank \(r): \(error)") }
            }
        }
        XCTAssertEqual(messages.count, 2)
        for m in messages { XCTAssertTrue(m.contains("the job stopped: rank 1: out of memory on this host"), m) }
    }
}
