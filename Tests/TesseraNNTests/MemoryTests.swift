import Foundation
import XCTest
@testable import TesseraNN
import TesseraTensor

/// After the first steps, training takes no new memory from the operating system: every
/// buffer a step needs comes back from the ones the last step freed. (Each op still returns
/// a new array; what is measured is fresh pages, the cost that matters: page faults and
/// zeroing.)
final class MemoryTests: XCTestCase {
    func minorFaults() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_minflt
    }

    func testTrainingStepsAfterTheFirstTakeNoFreshPages() throws {
        // AddressSanitizer's allocator quarantines freed memory, so pages are not reused.
        if ProcessInfo.processInfo.environment["TESSERA_ASAN"] != nil { throw XCTSkip("page reuse is not measurable under AddressSanitizer") }
        HostMemory.keepLargeBuffersInTheHeap()  // as the tessera binary does at start
        var rng = RandomGenerator(seed: 1)
        let x = Tensor(shape: [512, 1, 12, 12], storage: (0..<(512 * 144)).map { _ in Float(rng.nextNormal()) })
        let y = Tensor(shape: [512], storage: (0..<512).map { Float($0 % 10) })
        let model = Sequential([Conv2D(8, kernel: 3, padding: 1, activation: .relu), MaxPool2D(2), Flatten(), Dense(32, activation: .relu), Dense(10)], seed: 1)
        let trainer = Trainer(model: model, loss: .crossEntropy(), optimizer: Adam(), backend: OpenBLASBackend(),
                              options: TrainingOptions(epochs: 1, batchSize: 64, shuffle: false))
        _ = try trainer.fit(x, y)  // warm-up: the allocator's pools fill
        _ = try trainer.fit(x, y)
        let before = minorFaults()
        _ = try trainer.fit(x, y)  // 8 more steps
        let faults = minorFaults() - before
        print("minor page faults over 8 training steps after warm-up: \(faults)")
        // A step's buffers total about 4 MB (1,000 pages); 0 were measured; a few stray faults (thread stacks,
        // the allocator's bookkeeping) are allowed, fresh buffers are not.
        XCTAssertLessThan(faults, 64)
    }
}
