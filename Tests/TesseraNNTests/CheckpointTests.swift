import Foundation
import XCTest
@testable import TesseraNN
import TesseraTensor

/// Checkpoints restore a model that predicts identically, and an optimizer that continues
/// as if training had not stopped. (tests/conformance reads them back with Python's safetensors.)
final class CheckpointTests: XCTestCase {
    var folder: URL!

    override func setUp() {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-checkpoints-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    func data(_ n: Int) -> (Tensor, Tensor) {
        (randomTensor([n, 1, 6, 6], seed: 1), Tensor(shape: [n], storage: (0..<n).map { Float($0 % 3) }))
    }

    func net() -> Sequential {
        Sequential([Conv2D(3, kernel: 3, padding: 1, useBias: false), BatchNorm(), ActivationLayer(.relu), MaxPool2D(2), Flatten(),
                    Dropout(0.1), Dense(8, activation: .gelu), Dense(3)], seed: 4)
    }

    func testRoundTripPredictsIdentically() throws {
        let (x, y) = data(24)
        let model = net()
        let optimizer = Adam(lr: 0.01)
        _ = try Trainer(model: model, loss: .crossEntropy(), optimizer: optimizer, backend: OpenBLASBackend(), options: TrainingOptions(epochs: 2, batchSize: 8)).fit(x, y)
        let path = folder.appendingPathComponent("m.safetensors").path
        try Checkpoint.save(model, optimizer: optimizer, to: path, metadata: ["note": "test"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["m.safetensors"], "no temporary file left")
        let loaded = try Checkpoint.load(path)
        XCTAssertEqual(loaded.metadata["note"], "test")
        XCTAssertEqual(loaded.model.layers.map(\.description), model.layers.map(\.description))
        XCTAssertEqual(try loaded.model.predict(x, backend: OpenBLASBackend()), try model.predict(x, backend: OpenBLASBackend()))
        XCTAssertEqual(loaded.optimizer?.description, optimizer.description)
    }

    func testTrainingResumesExactlyFromACheckpoint() throws {
        let (x, y) = data(16)
        func steps(_ model: Sequential, _ opt: any Optimizer, _ n: Int) throws {
            _ = try Trainer(model: model, loss: .crossEntropy(), optimizer: opt, backend: OpenBLASBackend(),
                            options: TrainingOptions(epochs: n, batchSize: 16, shuffle: false)).fit(x, y)
        }
        let straight = Sequential([Flatten(), Dense(5, activation: .tanh), Dense(3)], seed: 2), o1 = Adam(lr: 0.05)
        try steps(straight, o1, 3)
        let first = Sequential([Flatten(), Dense(5, activation: .tanh), Dense(3)], seed: 2), o2 = Adam(lr: 0.05)
        try steps(first, o2, 2)
        let path = folder.appendingPathComponent("half.safetensors").path
        try Checkpoint.save(first, optimizer: o2, to: path)
        let resumed = try Checkpoint.load(path)
        try steps(resumed.model, try XCTUnwrap(resumed.optimizer), 1)
        for (a, b) in zip(straight.namedParameters, resumed.model.namedParameters) {
            XCTAssertEqual(a.variable.value, b.variable.value, "\(a.name): Adam's moments and step count came back")
        }
    }

    /// Every layer kind comes back with its settings.
    func testEveryLayerKindRoundTrips() throws {
        let model = Sequential([Embedding(7, 3), Flatten(), Dense(4, activation: .sigmoid, useBias: false), Dropout(0.25), ActivationLayer(.gelu), LayerNorm(epsilon: 1e-4)], seed: 9)
        try model.build(inputShape: [5])
        let images = Sequential([Conv2D(2, kernel: 3, stride: 2, padding: 1, activation: .tanh, useBias: false), BatchNorm(momentum: 0.2, epsilon: 1e-3),
                                 AvgPool2D(2, stride: 1), MaxPool2D(2), Flatten(), Dense(3, activation: .softmax)], seed: 8)
        try images.build(inputShape: [1, 9, 9])
        for m in [model, images] {
            let path = folder.appendingPathComponent("kinds.safetensors").path
            try Checkpoint.save(m, to: path)
            let back = try Checkpoint.load(path).model
            XCTAssertEqual(back.layers.map(\.description), m.layers.map(\.description))
            XCTAssertEqual(try Architecture.encode(back), try Architecture.encode(m))
            XCTAssertEqual(back.shapes, m.shapes)
            for (a, b) in zip(back.namedParameters + back.namedBuffers, m.namedParameters + m.namedBuffers) {
                XCTAssertEqual(a.name, b.name)
                XCTAssertEqual(a.variable.value, b.variable.value)
            }
        }
    }

    /// Settings are stored by name (an activation as "relu", a flag as true), so reordering
    /// the Activation enum cannot change what a file loads; files of the first format, with
    /// activations by index and flags as 0 or 1, still load as they were written.
    func testSettingsAreStoredByName() throws {
        let model = Sequential([Dense(4, activation: .relu, useBias: false), Dense(2)], seed: 3)
        let json = try Architecture.encode(model)
        XCTAssertTrue(json.contains(#""activation":"relu""#), json)
        XCTAssertTrue(json.contains(#""bias":false"#), json)
        XCTAssertFalse(json.contains(#""stride""#), "a pooling stride left to its kernel is not written: \(json)")
        let old = try Architecture.decode(#"{"layers":[{"kind":"Dense","units":4,"activation":1,"bias":0},{"kind":"Conv2D","filters":2,"activation":4}],"seed":1}"#)
        let dense = try XCTUnwrap(old.layers[0] as? Dense), conv = try XCTUnwrap(old.layers[1] as? Conv2D)
        XCTAssertEqual(dense.activation, .relu)
        XCTAssertFalse(dense.useBias)
        XCTAssertEqual(conv.activation, .sigmoid)
        XCTAssertThrowsError(try Architecture.decode(#"{"layers":[{"kind":"Dense","units":4,"activation":"swish"}]}"#)) {
            XCTAssertTrue("\($0)".contains("activation 'swish'"), "\($0)")
        }
        XCTAssertThrowsError(try Architecture.decode(#"{"layers":[{"kind":"Dense","units":4,"width":3}]}"#)) {
            XCTAssertTrue("\($0)".contains("unknown setting 'width'"), "\($0)")
        }
        let pool = try Architecture.decode(#"{"layers":[{"kind":"MaxPool2D","kernel":3}]}"#).layers[0] as? MaxPool2D
        XCTAssertEqual(pool?.settings["stride"], .number(3), "a stride left out follows the kernel")
    }

    func testBrokenFilesAreClearErrors() throws {
        let path = folder.appendingPathComponent("bad.safetensors").path
        XCTAssertThrowsError(try Checkpoint.load(path)) { XCTAssertTrue("\($0)".contains("no checkpoint at")) }
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try Checkpoint.load(path)) { XCTAssertTrue("\($0)".contains("not a valid safetensors file")) }
        try Data([200, 0, 0, 0, 0, 0, 0, 0] + Array("{}".utf8)).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try Checkpoint.load(path)) { XCTAssertTrue("\($0)".contains("header claims 200 bytes")) }
        XCTAssertThrowsError(try Checkpoint.save(net(), to: path)) { XCTAssertTrue("\($0)".contains("no weights yet")) }
        // A valid file without Tessera's metadata.
        try Checkpoint.write([("w", Tensor(zeros: [2]))], metadata: [:], to: path)
        XCTAssertThrowsError(try Checkpoint.load(path)) { XCTAssertTrue("\($0)".contains("without a Tessera architecture")) }
    }

    /// The layout, byte for byte, on a tiny file: the format is what other readers expect.
    func testTheFileLayout() throws {
        let path = folder.appendingPathComponent("tiny.safetensors").path
        try Checkpoint.write([("b", Tensor(shape: [2], storage: [1, -2])), ("a", Tensor(shape: [1, 1], storage: [0.5]))], metadata: ["k": "v"], to: path)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let n = Int(bytes[0]) | Int(bytes[1]) << 8
        XCTAssertEqual(n % 8, 0)
        let header = String(decoding: bytes[8..<(8 + n)], as: UTF8.self).trimmingCharacters(in: .whitespaces)
        XCTAssertEqual(header, #"{"__metadata__":{"k":"v"},"a":{"data_offsets":[0,4],"dtype":"F32","shape":[1,1]},"b":{"data_offsets":[4,12],"dtype":"F32","shape":[2]}}"#)
        XCTAssertEqual(Array(bytes[(8 + n)...]), [0, 0, 0, 0x3f, 0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0])
    }
}
