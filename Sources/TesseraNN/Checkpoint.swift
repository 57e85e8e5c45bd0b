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
            o.importState(state, model.namedParameters)
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
        var data = Data()
        data.reserveCapacity(8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for (_, t) in sorted {
            #if _endian(little)
            t.storage.withUnsafeBytes { data.append(contentsOf: $0) }  // already the file's byte order
            #else
            for x in t.storage { withUnsafeBytes(of: x.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            #endif
        }
        let temporary = path + ".tmp-\(getpid())"
        do {
            try data.write(to: URL(fileURLWithPath: temporary))
        } catch {
            throw TensorError(.value, "could not write \(path): \(error.localizedDescription)")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw TensorError(.value, "could not write \(path): \(reason)")
        }
    }

    static func read(_ path: String) throws(TensorError) -> ([String: Tensor], [String: String]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TensorError(.value, "no checkpoint at \(path)")
        }
        func bad(_ why: String) -> TensorError { TensorError(.value, "\(path) is not a valid safetensors file: \(why)") }
        guard data.count >= 8 else { throw bad("it is \(data.count) bytes long") }
        let n = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard n <= UInt64(data.count - 8) else { throw bad("its header claims \(n) bytes of \(data.count - 8)") }
        let body = 8 + Int(n)
        guard let header = (try? JSONSerialization.jsonObject(with: data.subdata(in: 8..<body))) as? [String: Any] else {
            throw bad("the header is not a JSON object")
        }
        var tensors: [String: Tensor] = [:]
        for (name, entry) in header where name != "__metadata__" {
            guard let e = entry as? [String: Any], let dtype = e["dtype"] as? String, let shape = (e["shape"] as? [NSNumber])?.map(\.intValue),
                  let range = (e["data_offsets"] as? [NSNumber])?.map(\.intValue), range.count == 2 else { throw bad("tensor \(name) is described wrongly") }
            guard dtype == "F32" else { throw TensorError(.value, "\(path): tensor \(name) is \(dtype); Tessera reads F32 tensors") }
            let count = shape.reduce(1, *)
            guard range[0] >= 0, range[1] - range[0] == 4 * count, body + range[1] <= data.count else { throw bad("tensor \(name)'s bytes are out of range") }
            var values = [Float](repeating: 0, count: count)
            data.withUnsafeBytes { raw in
                for i in 0..<count {
                    values[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: body + range[0] + 4 * i, as: UInt32.self)))
                }
            }
            tensors[name] = Tensor(shape: shape, storage: values)
        }
        let metadata = (header["__metadata__"] as? [String: String]) ?? [:]
        return (tensors, metadata)
    }
}
