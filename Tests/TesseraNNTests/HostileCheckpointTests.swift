import Foundation
import XCTest
@testable import TesseraNN
import TesseraTensor

/// Checkpoints are other people's files: every size, offset and setting is checked before a
/// byte is used, and each problem is an error that names it (never a trap, never a write
/// past a buffer).
final class HostileCheckpointTests: XCTestCase {
    var folder: URL!

    override func setUp() {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-hostile-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    /// A safetensors file from a header written by hand and `payload` bytes of values.
    func file(_ header: String, payload: Int) -> [UInt8] {
        let json = Array(header.utf8)
        var out = withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) }
        out += json
        out += [UInt8](repeating: 0, count: payload)
        return out
    }

    func rejects(_ bytes: [UInt8], _ words: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try Checkpoint.decode(bytes, name: "x"), file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains(words), "\(error)", file: file, line: line)
        }
    }

    func testOffsetsAndShapesAreCheckedBeforeAnyByteIsRead() {
        func entry(_ shape: String, _ offsets: String, dtype: String = "F32") -> String {
            #"{"w":{"dtype":"\#(dtype)","shape":\#(shape),"data_offsets":\#(offsets)}}"#
        }
        rejects(file(entry("[2]", "[-8,0]"), payload: 8), "data_offsets are not two whole numbers")
        rejects(file(entry("[2]", "[0.5,8.5]"), payload: 16), "data_offsets are not two whole numbers")
        rejects(file(entry("[2]", "[8,0]"), payload: 8), "begin <= end")
        rejects(file(entry("[2]", "[0,8,16]"), payload: 16), "data_offsets are not two whole numbers")
        rejects(file(entry("[2]", "[0,8]"), payload: 4), "lie past the end of the data")
        rejects(file(entry("[2]", "[1e300,1e300]"), payload: 8), "data_offsets are not two whole numbers")
        rejects(file(entry("[-1]", "[0,0]"), payload: 0), "shape is not a list of whole numbers")
        rejects(file(entry("[1.5]", "[0,4]"), payload: 4), "shape is not a list of whole numbers")
        rejects(file(entry("[\"2\"]", "[0,8]"), payload: 8), "shape is not a list of whole numbers")
        rejects(file(entry("[4294967296,4294967296]", "[0,0]"), payload: 0), "more values than a 64-bit size can count")
        rejects(file(entry("[1099511627776,1099511627776,0]", "[0,0]"), payload: 0), "more values than a 64-bit size can count")
        rejects(file(entry("[4611686018427387904]", "[0,0]"), payload: 0), "shape is not a list of whole numbers")
        rejects(file(entry("[3]", "[0,8]"), payload: 8), "has shape [3] (12 bytes) but data_offsets [0, 8] (8 bytes)")
        rejects(file(entry("[2]", "[0,8]", dtype: "F64"), payload: 8), "is F64; Tessera reads F32")
        rejects(file(#"{"w":[1,2]}"#, payload: 0), "not described by an object")
        rejects(file(#"{"__metadata__":{"a":1}}"#, payload: 0), "__metadata__ \"a\" is not a string")
        rejects(file("[]", payload: 0), "the header is not a JSON object")
        rejects(file("{", payload: 0), "too short for a JSON object")
        rejects(file("{\"a\"", payload: 0), "the header is not a JSON object")
        rejects(Array(file("{}", payload: 0).prefix(7)), "shorter than the 8-byte header length")
        // A header length larger than the file, including one that would overflow.
        rejects([255, 255, 255, 255, 255, 255, 255, 255] + Array("{}".utf8), "header claims")
        rejects([200, 0, 0, 0, 0, 0, 0, 0] + Array("{}".utf8), "header claims 200 bytes")
    }

    func testRangesMustTileTheDataWithoutOverlapOrGap() {
        let overlap = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
        rejects(file(overlap, payload: 12), "overlap")
        let same = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        rejects(file(same, payload: 8), "overlap")
        let gap = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        rejects(file(gap, payload: 8), "a gap of 4 bytes before tensor a")
        let tail = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
        rejects(file(tail, payload: 12), "8 bytes after the last tensor belong to none")
        XCTAssertNoThrow(try Checkpoint.decode(file(tail, payload: 4), name: "x"))
        let empties = #"{"a":{"dtype":"F32","shape":[0,7],"data_offsets":[0,0]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
        XCTAssertEqual(try Checkpoint.decode(file(empties, payload: 4), name: "x").0["a"]?.shape, [0, 7])
    }

    /// A checkpoint's layer settings are checked as a user's would be: out of range is an
    /// error naming the layer and the setting, not a trap or a huge allocation.
    func testLayerConfigurationsOutOfRangeAreErrors() throws {
        func architecture(_ layers: String, seed: String = "1", input: String = "[4]") -> String {
            #"{"layers":[\#(layers)],"seed":\#(seed),"input_shape":\#(input)}"#
        }
        func rejectsArchitecture(_ json: String, _ words: String, line: UInt = #line) {
            XCTAssertThrowsError(try Architecture.decode(json), line: line) { error in
                XCTAssertTrue("\(error)".contains(words), "\(error)", line: line)
            }
        }
        rejectsArchitecture(architecture(#"{"kind":"Dense","units":1e300}"#), "units 1e+300; it must be a whole number from 1")
        rejectsArchitecture(architecture(#"{"kind":"Dense","units":-3}"#), "units -3;")
        rejectsArchitecture(architecture(#"{"kind":"Dense","units":2.5}"#), "units 2.5")
        rejectsArchitecture(architecture(#"{"kind":"Dense","units":"8"}"#), "has units 8, not a number")
        rejectsArchitecture(architecture(#"{"kind":"Dense","units":4,"activation":99}"#), "activation 99.0")
        rejectsArchitecture(architecture(#"{"kind":"Dense","units":4,"activation":-1}"#), "activation -1.0")
        rejectsArchitecture(architecture(#"{"kind":"Conv2D","filters":2,"kernel":1e18}"#, input: "[1,4,4]"), "kernel 1e+18")
        rejectsArchitecture(architecture(#"{"kind":"MaxPool2D","kernel":2,"padding":-1}"#, input: "[1,4,4]"), "padding -1;")
        rejectsArchitecture(architecture(#"{"kind":"Dropout","rate":1.5}"#), "rate 1.5")
        rejectsArchitecture(architecture(#"{"kind":"Embedding","vocabulary":3e9,"dimension":2}"#), "vocabulary 3000000000;")
        rejectsArchitecture(architecture(#"{"kind":"Dense","units":4}"#, seed: "-1"), "seed is -1")
        rejectsArchitecture(architecture(#"{"kind":"Dense","units":4}"#, seed: "1e300"), "seed is 1e+300")
        rejectsArchitecture(architecture(#"{"kind":"Dense","units":4}"#, input: "[-4]"), "input_shape")
        rejectsArchitecture(architecture(#"{"kind":"Dense","units":4}"#, input: "[4294967296, 4294967296]"), "input_shape")
        rejectsArchitecture(architecture(#"{"kind":"Nope"}"#), "unknown kind Nope")
        // In range but too large for memory: a MemoryError-kind error, not an abort.
        XCTAssertThrowsError(try Architecture.decode(architecture(#"{"kind":"Dense","units":2000000000}"#, input: "[2000000000]"))) { error in
            XCTAssertEqual((error as? TensorError)?.kind, .memory, "\(error)")
        }
        XCTAssertNoThrow(try Architecture.decode(architecture(#"{"kind":"Dense","units":4,"activation":1}"#)))
    }

    /// The attack the issue names: a file that is valid except for an optimizer moment of
    /// the wrong shape. Before, Adam's fused update wrote through raw pointers past its end.
    func testOptimizerStateOfTheWrongShapeIsRefusedBeforeRestore() throws {
        let model = Sequential([Dense(3)], seed: 1)
        try model.build(inputShape: [4])
        let adam = Adam(lr: 0.01)
        let path = folder.appendingPathComponent("m.safetensors").path
        let x = randomTensor([8, 4], seed: 2), y = Tensor(shape: [8], storage: (0..<8).map { Float($0 % 3) })
        _ = try Trainer(model: model, loss: .crossEntropy(), optimizer: adam, backend: OpenBLASBackend(),
                        options: TrainingOptions(epochs: 1, batchSize: 8)).fit(x, y)
        try Checkpoint.save(model, optimizer: adam, to: path)
        let (tensors, metadata) = try Checkpoint.read(path)

        func variant(_ change: (inout [(String, Tensor)]) -> Void) throws -> String {
            var list = tensors.map { ($0.key, $0.value) }
            change(&list)
            let p = folder.appendingPathComponent("v-\(UUID().uuidString).safetensors").path
            try Checkpoint.write(list, metadata: metadata, to: p)
            return p
        }
        func loadFails(_ p: String, _ words: String, line: UInt = #line) {
            XCTAssertThrowsError(try Checkpoint.load(p), line: line) { error in
                XCTAssertTrue("\(error)".contains(words), "\(error)", line: line)
            }
        }
        loadFails(try variant { list in
            let i = list.firstIndex { $0.0 == "optimizer.0.weight.m" }!
            list[i].1 = Tensor(zeros: [1])
        }, "optimizer state 0.weight.m has shape [1]; its parameter has [3, 4]")
        loadFails(try variant { list in list.removeAll { $0.0 == "optimizer.0.bias.v" } }, "optimizer state for 0.bias has no v")
        loadFails(try variant { list in list.append(("optimizer.7.weight.m", Tensor(zeros: [2]))) }, "optimizer state for 7.weight, which is not a parameter")
        loadFails(try variant { list in list.append(("optimizer.0.weight.momentum", Tensor(zeros: [3, 4]))) }, "this optimizer keeps m and v, not momentum")
        loadFails(try variant { list in
            let i = list.firstIndex { $0.0 == "0.weight" }!
            list[i].1 = Tensor(zeros: [4, 3])
        }, "tensor 0.weight has shape [4, 3]; the model needs [3, 4]")

        // Settings out of range are refused too.
        for (key, bad) in [("steps", "1e300"), ("steps", "-2"), ("lr", "\"fast\""), ("beta1", "1e999")] {
            var settings = metadata["optimizer"]!
            let pattern = "\"\(key)\":"
            let start = settings.range(of: pattern)!.upperBound
            let end = settings[start...].firstIndex { $0 == "," || $0 == "}" }!
            settings.replaceSubrange(start..<end, with: bad)
            var m = metadata
            m["optimizer"] = settings
            let p = folder.appendingPathComponent("s-\(key).safetensors").path
            try Checkpoint.write(tensors.map { ($0.key, $0.value) }, metadata: m, to: p)
            XCTAssertThrowsError(try Checkpoint.load(p), "\(key) = \(bad)")
        }

        // And the untampered file restores and trains on.
        let good = try Checkpoint.load(path)
        _ = try Trainer(model: good.model, loss: .crossEntropy(), optimizer: try XCTUnwrap(good.optimizer), backend: OpenBLASBackend(),
                        options: TrainingOptions(epochs: 1, batchSize: 8)).fit(x, y)
    }

    func testNonRegularFilesAreRefusedWithoutBlocking() throws {
        let fifo = folder.appendingPathComponent("pipe").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        XCTAssertThrowsError(try Checkpoint.load(fifo)) { XCTAssertTrue("\($0)".contains("a FIFO (named pipe), not a regular file"), "\($0)") }
        XCTAssertThrowsError(try Checkpoint.load(folder.path)) { XCTAssertTrue("\($0)".contains("a folder"), "\($0)") }
        XCTAssertThrowsError(try Checkpoint.load("/dev/zero")) { XCTAssertTrue("\($0)".contains("a character device"), "\($0)") }
        let loop = folder.appendingPathComponent("loop").path
        XCTAssertEqual(symlink(loop, loop), 0)
        XCTAssertThrowsError(try Checkpoint.load(loop)) { XCTAssertTrue("\($0)".contains("loop of symbolic links"), "\($0)") }
        XCTAssertThrowsError(try Checkpoint.load("m\0.safetensors")) { XCTAssertTrue("\($0)".contains("NUL"), "\($0)") }
    }
}
