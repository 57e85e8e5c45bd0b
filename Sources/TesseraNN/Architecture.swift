import Foundation
import TesseraTensor

/// A layer that can be written into a checkpoint and made again from it.
public protocol ConfigurableLayer: Layer {
    /// The layer's kind as checkpoints name it ("Dense").
    static var kind: String { get }
    /// The settings that make it again (not its weights).
    var config: [String: Double] { get }
    init(config: [String: Double]) throws(TensorError)
}

/// A Sequential model's layers as JSON and back, for checkpoints: a list of
/// {"kind": "Dense", "units": 128, ...}. Activations are stored by their index in
/// `Activation.allCases`, so every setting is a number.
public enum Architecture {
    /// Every layer kind a checkpoint can hold.
    static var kinds: [any ConfigurableLayer.Type] { [Dense.self, Conv2D.self, MaxPool2D.self, AvgPool2D.self, Flatten.self,
                                                      Dropout.self, BatchNorm.self, Embedding.self, ActivationLayer.self] }

    public static func encode(_ model: Sequential) throws(TensorError) -> String {
        let layers = try model.layers.map { (layer) throws(TensorError) -> [String: Any] in
            guard let c = layer as? any ConfigurableLayer else { throw TensorError(.value, "\(layer.description) cannot be saved in a checkpoint") }
            var d: [String: Any] = ["kind": type(of: c).kind]
            for (k, v) in c.config { d[k] = v }
            return d
        }
        let doc: [String: Any] = ["layers": layers, "seed": Double(model.seed), "input_shape": model.inputShape ?? []]
        let data = try! JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    public static func decode(_ json: String) throws(TensorError) -> Sequential {
        guard let doc = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any],
              let layers = doc["layers"] as? [[String: Any]] else {
            throw TensorError(.value, "the checkpoint's architecture is not valid JSON of a layer list")
        }
        let made = try layers.enumerated().map { (i, d) throws(TensorError) -> any Layer in
            guard let kind = d["kind"] as? String, let type = kinds.first(where: { $0.kind == kind }) else {
                throw TensorError(.value, "layer \(i) of the checkpoint has an unknown kind \(d["kind"] ?? "none")")
            }
            var config: [String: Double] = [:]
            for (k, v) in d where k != "kind" {
                guard let n = v as? NSNumber else { throw TensorError(.value, "layer \(i) (\(kind)) of the checkpoint has \(k) \(v), not a number") }
                config[k] = n.doubleValue
            }
            do throws(TensorError) { return try type.init(config: config) } catch {
                throw TensorError(error.kind, "layer \(i) of the checkpoint: \(error.message)")
            }
        }
        var seed: UInt64 = 0
        if let v = doc["seed"] {
            // Seeds are written as Doubles: whole numbers from 0 up to 2^64 - 1.
            guard let n = v as? NSNumber, n.doubleValue.isFinite, n.doubleValue == n.doubleValue.rounded(),
                  n.doubleValue >= 0, n.doubleValue < 18_446_744_073_709_551_616 else {
                throw TensorError(.value, "the checkpoint's seed is \(v); it must be a whole number from 0 to 2^64 - 1")
            }
            seed = UInt64(n.doubleValue)
        }
        let model = Sequential(made, seed: seed)
        if let v = doc["input_shape"] {
            guard let dims = v as? [Any], let shape = Checkpoint.wholeNumbers(dims), shape.allSatisfy({ $0 > 0 }),
                  Tensor.elementCount(shape) != nil else {
                throw TensorError(.value, "the checkpoint's input_shape is \(v); it must be a list of positive whole numbers")
            }
            if !shape.isEmpty { try model.build(inputShape: shape) }
        }
        return model
    }

    /// The largest count (units, filters, a vocabulary) a checkpoint may set.
    static let largestCount = Int(Int32.max)

    /// A whole-number setting in `range` (`fallback` when absent), or a clear error: a file
    /// may say anything, and a size must never reach an allocation unchecked.
    static func integer(_ config: [String: Double], _ key: String, _ kind: String, in range: ClosedRange<Int>,
                        default fallback: Int? = nil) throws(TensorError) -> Int {
        guard let v = config[key] else {
            guard let fallback else { throw TensorError(.value, "a \(kind) layer needs \(key)") }
            return fallback
        }
        guard v.isFinite, v == v.rounded(), v >= Double(range.lowerBound), v <= Double(range.upperBound) else {
            throw TensorError(.value, "a \(kind) layer has \(key) \(v); it must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return Int(v)
    }

    /// A setting in `range` (`fallback` when absent), or a clear error.
    static func number(_ config: [String: Double], _ key: String, _ kind: String, in range: ClosedRange<Double>,
                       default fallback: Double) throws(TensorError) -> Double {
        guard let v = config[key] else { return fallback }
        guard range.contains(v) else { throw TensorError(.value, "a \(kind) layer has \(key) \(v); it must be from \(range.lowerBound) to \(range.upperBound)") }
        return v
    }

    static func activation(_ config: [String: Double], _ kind: String) throws(TensorError) -> Activation {
        Activation.allCases[try integer(config, "activation", kind, in: 0...(Activation.allCases.count - 1), default: 0)]
    }

    static func flag(_ config: [String: Double], _ key: String, _ kind: String) throws(TensorError) -> Bool {
        try integer(config, key, kind, in: 0...1, default: 1) == 1
    }

    static func code(_ a: Activation) -> Double { Double(Activation.allCases.firstIndex(of: a)!) }
}
