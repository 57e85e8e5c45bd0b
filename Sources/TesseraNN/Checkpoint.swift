import Foundation
import TesseraTensor

/// Models on disk as safetensors (https://huggingface.co/docs/safetensors): an 8-byte
/// little-endian header length, a JSON header naming each tensor's dtype, shape and byte
/// range, then the raw little-endian values. The header's `__metadata__` holds the
/// architecture and the optimizer's settings; its state (moments) are tensors named
/// "optimizer.<parameter>.<slot>". Python's `safetensors` reads the file as it is.
public enum Checkpoint {
    /// What a checkpoint restores.
    public struct Contents {
        public let model: Sequential
        public let optimizer: (any Optimizer)?
        public let metadata: [String: String]
    }

    /// Writes `model` (and `optimizer`'s state) to `path`, atomically: a reader sees the
    /// old file or the whole new one, never a part.
    public static func save(_ model: Sequential, optimizer: (any Optimizer)? = nil, to path: String, metadata extra: [String: String] = [:]) throws(TensorError) {
        guard model.isBuilt else { throw TensorError(.value, "the model has no weights yet: train it (or call it on a batch) before saving") }
        var tensors: [(String, Tensor)] = (model.namedParameters + model.namedBuffers).map { ($0.name, $0.variable.value) }
        var metadata = extra
        metadata["format"] = "tessera"
        metadata["architecture"] = try Architecture.encode(model)
        if let optimizer {
            let named = model.namedParameters
            metadata["optimizer"] = optimizer.settingsJSON
            for (name, slots) in optimizer.exportState(named) {
                for (slot, t) in slots { tensors.append(("optimizer.\(name).\(slot)", t)) }
            }
        }
        try write(tensors, metadata: metadata, to: path)
    }

    /// Reads a checkpoint written by `save`: the model with its weights, and the optimizer
    /// with its state when the file has one.
    public static func load(_ path: String) throws(TensorError) -> Contents {
        let (tensors, metadata) = try read(path)
        guard let architecture = metadata["architecture"] else {
            throw TensorError(.value, "\(path) is a safetensors file without a Tessera architecture in its metadata (it holds \(tensors.count) tensors)")
        }
        let model = try Architecture.decode(architecture)
        let named = model.namedParameters + model.namedBuffers
        for (name, v) in named {
            guard let t = tensors[name] else { throw TensorError(.value, "\(path) has no tensor \(name) for its model") }
            guard t.shape == v.value.shape else { throw TensorError(.shape, "\(path): tensor \(name) has shape \(t.shape); the model needs \(v.value.shape)") }
            v.value = t
        }
        var optimizer: (any Optimizer)?
        if let settings = metadata["optimizer"] {
            let o = try OptimizerSettings.make(settings)
            var state: [String: [String: Tensor]] = [:]
            for (name, t) in tensors where name.hasPrefix("optimizer.") {
                let rest = name.dropFirst("optimizer.".count)
                guard let dot = rest.lastIndex(of: ".") else { continue }
                state[String(rest[..<dot]), default: [:]][String(rest[rest.index(after: dot)...])] = t
            }
            do { try o.importState(state, model.namedParameters) } catch {
                throw TensorError(error.kind, "\(path): \(error.message)")
            }
            optimizer = o
        }
        return Contents(model: model, optimizer: optimizer, metadata: metadata)
    }

    // MARK: The format

    static func write(_ tensors: [(String, Tensor)], metadata: [String: String], to path: String) throws(TensorError) {
        var header: [String: Any] = ["__metadata__": metadata]
        var offset = 0
        let sorted = tensors.sorted { $0.0 < $1.0 }
        for (name, t) in sorted {
            header[name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + 4 * t.count]]
            offset += 4 * t.count
        }
        var json = try! JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // Pad with spaces so the values start 8-byte aligned, as the format recommends.
        while json.count % 8 != 0 { json.append(0x20) }
        var data = [UInt8]()
        data.reserveCapacity(8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: json)
        for (_, t) in sorted {
            #if _endian(little)
            t.storage.withUnsafeBytes { data.append(contentsOf: $0) }  // already the file's byte order
            #else
            for x in t.storage { withUnsafeBytes(of: x.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            #endif
        }
        do { try AtomicFile.write(data, to: path) } catch { throw TensorError(.io, "\(error)") }
    }

    static func read(_ path: String) throws(TensorError) -> ([String: Tensor], [String: String]) {
        let bytes: [UInt8]
        do { bytes = try RegularFile.read(path) } catch {
            throw TensorError(.io, error.reason == "no such file" ? "no checkpoint at \(path)" : "\(error)")
        }
        return try decode(bytes, name: path)
    }

    /// The tensors and metadata of a safetensors file's bytes. Files are hostile until
    /// checked: every size and offset is validated before a byte of values is read, as
    /// Python's safetensors does (a header that fits the file, whole-number shapes whose
    /// sizes do not overflow, byte ranges that match their shapes, lie inside the data,
    /// and follow one another without overlap or gaps).
    public static func decode(_ bytes: [UInt8], name: String) throws(TensorError) -> ([String: Tensor], [String: String]) {
        func bad(_ why: String) -> TensorError { TensorError(.value, "\(name) is not a valid safetensors file: \(why)") }
        guard bytes.count >= 8 else { throw bad("it is \(bytes.count) bytes long, shorter than the 8-byte header length") }
        let n = bytes.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard n <= UInt64(bytes.count - 8) else { throw bad("its header claims \(n) bytes but the file has \(bytes.count - 8) after the length") }
        guard n >= 2 else { throw bad("its header is \(n) bytes long, too short for a JSON object") }
        let body = 8 + Int(n)
        guard let header = (try? JSONSerialization.jsonObject(with: Data(bytes[8..<body]))) as? [String: Any] else {
            throw bad("the header is not a JSON object")
        }
        var metadata: [String: String] = [:]
        if let m = header["__metadata__"] {
            guard let pairs = m as? [String: Any] else { throw bad("__metadata__ is not an object") }
            for (k, v) in pairs {
                guard let text = v as? String else { throw bad("__metadata__ \"\(k)\" is not a string") }
                metadata[k] = text
            }
        }
        let dataLength = bytes.count - body
        var entries: [(name: String, shape: [Int], begin: Int, end: Int)] = []
        for (tensor, entry) in header where tensor != "__metadata__" {
            guard let e = entry as? [String: Any] else { throw bad("tensor \(tensor) is not described by an object") }
            guard let dtype = e["dtype"] as? String else { throw bad("tensor \(tensor) has no dtype string") }
            guard dtype == "F32" else { throw TensorError(.value, "\(name): tensor \(tensor) is \(dtype); Tessera reads F32 tensors") }
            guard let dims = e["shape"] as? [Any], let shape = wholeNumbers(dims) else {
                throw bad("tensor \(tensor)'s shape is not a list of whole numbers of 0 or more")
            }
            guard let offsets = e["data_offsets"] as? [Any], let range = wholeNumbers(offsets), range.count == 2, range[0] <= range[1] else {
                throw bad("tensor \(tensor)'s data_offsets are not two whole numbers [begin, end] with begin <= end")
            }
            guard let count = Tensor.elementCount(shape), case let (size, overflow) = count.multipliedReportingOverflow(by: 4), !overflow else {
                throw bad("tensor \(tensor)'s shape \(shape) has more values than a 64-bit size can count")
            }
            guard range[1] - range[0] == size else {
                throw bad("tensor \(tensor) has shape \(shape) (\(size) bytes) but data_offsets \(range) (\(range[1] - range[0]) bytes)")
            }
            guard range[1] <= dataLength else {
                throw bad("tensor \(tensor)'s bytes \(range[0])..<\(range[1]) lie past the end of the data (\(dataLength) bytes)")
            }
            entries.append((tensor, shape, range[0], range[1]))
        }
        // The byte ranges, in order, must tile the data exactly: no overlap, no gap.
        entries.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var expected = 0
        for e in entries {
            guard e.begin == expected else {
                throw bad(e.begin < expected ? "tensor \(e.name)'s bytes overlap another tensor's (they start at \(e.begin), before \(expected))"
                                             : "a gap of \(e.begin - expected) bytes before tensor \(e.name)")
            }
            expected = e.end
        }
        guard expected == dataLength else { throw bad("\(dataLength - expected) bytes after the last tensor belong to none") }
        var tensors: [String: Tensor] = [:]
        for e in entries {
            let count = (e.end - e.begin) / 4
            let values = [Float](unsafeUninitializedCapacity: count) { out, initialized in
                bytes.withUnsafeBytes { raw in
                    for i in 0..<count {
                        out[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: body + e.begin + 4 * i, as: UInt32.self)))
                    }
                }
                initialized = count
            }
            tensors[e.name] = Tensor(shape: e.shape, storage: values)
        }
        return (tensors, metadata)
    }

    /// JSON numbers that are whole and between 0 and 2^53 (beyond, a Double is not exact);
    /// nil when any is not (a fraction, a negative, 1e300, a string).
    static func wholeNumbers(_ items: [Any]) -> [Int]? {
        var out: [Int] = []
        out.reserveCapacity(items.count)
        for item in items {
            guard let n = item as? NSNumber else { return nil }
            let d = n.doubleValue
            guard d.isFinite, d == d.rounded(), d >= 0, d <= 9_007_199_254_740_992 else { return nil }
            out.append(Int(d))
        }
        return out
    }
}
