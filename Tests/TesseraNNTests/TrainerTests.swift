import XCTest
@testable import TesseraNN
import TesseraTensor

/// The training loop: it learns, it is reproducible, and it stops well.
final class TrainerTests: XCTestCase {
    /// Three Gaussian blobs in 4-D, well separated.
    func blobs(_ n: Int, seed: UInt64) -> (Tensor, Tensor) {
        var rng = RandomGenerator(seed: seed)
        var x: [Float] = [], y: [Float] = []
        for i in 0..<n {
            let c = i % 3
            for d in 0..<4 { x.append(Float(rng.nextNormal()) * 0.7 + (d == c ? 3 : 0)) }
            y.append(Float(c))
        }
        return (Tensor(shape: [n, 4], storage: x), Tensor(shape: [n], storage: y))
    }

    func mlp(seed: UInt64 = 1) -> Sequential { Sequential([Dense(16, activation: .relu), Dense(3)], seed: seed) }

    func testLearnsAndReportsProgress() throws {
        let (x, y) = blobs(300, seed: 1), (vx, vy) = blobs(90, seed: 2)
        let trainer = Trainer(model: mlp(), loss: .crossEntropy(), optimizer: Adam(lr: 1e-2), backend: OpenBLASBackend(),
                              options: TrainingOptions(epochs: 15, batchSize: 32, seed: 3))
        var events: [TrainingEvent] = []
        let history = try trainer.fit(x, y, validation: (vx, vy), progress: { events.append($0) })
        XCTAssertEqual(history.epochs.count, 15)
        XCTAssertGreaterThan(history.last["val_accuracy"]!, 0.95)
        XCTAssertLessThan(history.series("loss").last!, history.series("loss").first! / 3)
        XCTAssertEqual(history.names, ["loss", "val_loss", "val_accuracy"])
        XCTAssertEqual(events.filter { $0.kind == .batch }.count, 15 * 10)
        XCTAssertEqual(events.filter { $0.kind == .epoch }.count, 15)
        XCTAssertEqual(events.last?.eta ?? -1, 0, accuracy: 1e-9)
        XCTAssertTrue(events.allSatisfy { $0.samplesPerSecond > 0 && $0.loss.isFinite })
        let eval = try trainer.evaluate(vx, vy, prefix: "")
        XCTAssertEqual(eval["accuracy"], history.last["val_accuracy"])
    }

    func testTheSameSeedGivesTheSameRun() throws {
        let (x, y) = blobs(120, seed: 1)
        func run(_ seed: UInt64) throws -> [Double] {
            let t = Trainer(model: Sequential([Dense(8, activation: .relu), Dropout(0.3), Dense(3)], seed: 1), loss: .crossEntropy(),
                            optimizer: SGD(lr: 0.1, momentum: 0.9), backend: OpenBLASBackend(), options: TrainingOptions(epochs: 3, batchSize: 16, seed: seed))
            return try t.fit(x, y).series("loss")
        }
        XCTAssertEqual(try run(5), try run(5))
        XCTAssertNotEqual(try run(5), try run(6), "another seed shuffles (and drops) differently")
    }

    func testANonFiniteLossStopsWithTheWeightsOfTheLastFiniteStep() throws {
        let (x, y) = blobs(64, seed: 1)
        let model = Sequential([Dense(8, activation: .relu), Dense(1)], seed: 2)
        let trainer = Trainer(model: model, loss: .meanSquaredError, optimizer: SGD(lr: 1e4), backend: OpenBLASBackend(),
                              options: TrainingOptions(epochs: 5, batchSize: 8))
        XCTAssertThrowsError(try trainer.fit(x, y)) { error in
            let e = error as! TrainingError
            XCTAssertTrue(e.message.contains("at epoch \(e.epoch), batch \(e.batch) of 8"), e.message)
            XCTAssertTrue(e.message.contains("learning rate"), e.message)
        }
        XCTAssertTrue(model.namedParameters.allSatisfy { $0.variable.value.storage.allSatisfy(\.isFinite) })
        XCTAssertTrue(try model.predict(x, backend: OpenBLASBackend()).storage.allSatisfy(\.isFinite))
    }

    func testAnInterruptStopsAfterTheCurrentBatch() throws {
        let (x, y) = blobs(100, seed: 1)
        let trainer = Trainer(model: mlp(), loss: .crossEntropy(), optimizer: Adam(), backend: OpenBLASBackend(), options: TrainingOptions(epochs: 4, batchSize: 10))
        var batches = 0
        let history = try trainer.fit(x, y, progress: { if $0.kind == .batch { batches += 1 } }, shouldStop: { batches == 13 })
        XCTAssertEqual(history.stopReason, .interrupted(epoch: 2, batch: 3))
        XCTAssertEqual(history.epochs.count, 1, "the finished epoch is kept")
        XCTAssertNoThrow(try trainer.fit(x, y), "the model is consistent: training goes on")
    }

    func testEarlyStoppingRestoresTheBestEpoch() throws {
        // Random labels: the validation loss can only get worse as the model memorizes.
        let (x, _) = blobs(60, seed: 1), (vx, _) = blobs(60, seed: 2)
        var rng = RandomGenerator(seed: 9)
        let y = Tensor(shape: [60], storage: (0..<60).map { _ in Float(Int.random(in: 0..<3, using: &rng)) })
        let vy = Tensor(shape: [60], storage: (0..<60).map { _ in Float(Int.random(in: 0..<3, using: &rng)) })
        let trainer = Trainer(model: Sequential([Dense(64, activation: .relu), Dense(3)], seed: 1), loss: .crossEntropy(), optimizer: Adam(lr: 0.02),
                              backend: OpenBLASBackend(), options: TrainingOptions(epochs: 60, batchSize: 10, earlyStopping: 3))
        let history = try trainer.fit(x, y, validation: (vx, vy))
        XCTAssertEqual(history.stopReason, .earlyStopping(patience: 3))
        XCTAssertLessThan(history.epochs.count, 60)
        let best = try XCTUnwrap(history.restoredEpoch)
        XCTAssertEqual(history.epochs.count, best + 3)
        let bestLoss = history.series("val_loss")[best - 1]
        XCTAssertEqual(bestLoss, history.series("val_loss").min()!)
        XCTAssertEqual(try trainer.evaluate(vx, vy)["val_loss"]!, bestLoss, accuracy: 1e-9, "the model holds the best epoch's weights")
    }

    func testClippingAndSchedules() throws {
        XCTAssertEqual(Schedule.cosine(steps: 10).factor(at: 0), 1)
        XCTAssertEqual(Schedule.cosine(steps: 10).factor(at: 5), 0.5, accuracy: 1e-6)
        XCTAssertEqual(Schedule.cosine(steps: 10).factor(at: 10), 0, accuracy: 1e-6)
        XCTAssertEqual(Schedule.step(every: 3, factor: 0.5).factor(at: 7), 0.25)
        XCTAssertEqual(Schedule.warmup(steps: 4).factor(at: 1), 0.5)
        XCTAssertEqual(Schedule.warmup(steps: 4).factor(at: 9), 1)
        let model = mlp()
        let trainer = Trainer(model: model, loss: .crossEntropy(), optimizer: SGD(lr: 0.1), backend: ReferenceBackend(),
                              options: TrainingOptions(epochs: 1, batchSize: 4, clipNorm: 0.5, schedule: .cosine(steps: 8)))
        let (x, y) = blobs(8, seed: 1)
        _ = try trainer.fit(x, y)
        let norm = model.namedParameters.compactMap(\.variable.grad).reduce(0.0) { $0 + $1.storage.reduce(0.0) { $0 + Double($1 * $1) } }.squareRoot()
        XCTAssertLessThanOrEqual(norm, 0.5 + 1e-4, "the last step's gradients were clipped to norm 0.5")
        XCTAssertEqual(trainer.optimizer.learningRate, 0.1 * Schedule.cosine(steps: 8).factor(at: 1), accuracy: 1e-7)
    }

    func testBadInputsAreClearErrors() {
        let trainer = Trainer(model: mlp(), loss: .crossEntropy(), optimizer: Adam(), backend: ReferenceBackend(), options: TrainingOptions())
        XCTAssertThrowsError(try trainer.fit(Tensor(zeros: [4, 4]), Tensor(zeros: [3]))) { XCTAssertTrue("\($0)".contains("4 examples of features but 3 targets")) }
        XCTAssertThrowsError(try trainer.fit(Tensor(zeros: [4, 4]), Tensor(shape: [4], storage: [0, 1, 7, 2]))) {
            XCTAssertTrue("\($0)".contains("label 7.0"), "\($0)")
        }
        XCTAssertThrowsError(try trainer.fit(Tensor(zeros: [4, 5]), Tensor(zeros: [4]))) {
            XCTAssertTrue("\($0)".contains("built for examples of shape [4]"), "\($0)")
        }
    }
}
