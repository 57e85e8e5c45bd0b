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
    static let kinds: [any ConfigurableLayer.Type] = [Dense.self, Conv2D.self, MaxPool2D.self, AvgPool2D.self, Flatten.self,
                                                      Dropout.self, BatchNorm.self, Embedding.self, ActivationLayer.self]

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
            for (k, v) in d where k != "kind" { if let n = v as? NSNumber { config[k] = n.doubleValue } }
            return try type.init(config: config)
        }
        let model = Sequential(made, seed: UInt64((doc["seed"] as? NSNumber)?.doubleValue ?? 0))
        if let shape = doc["input_shape"] as? [NSNumber], !shape.isEmpty { try model.build(inputShape: shape.map(\.intValue)) }
        return model
    }

    /// A required setting, or a clear error.
    static func value(_ config: [String: Double], _ key: String, _ kind: String) throws(TensorError) -> Double {
        guard let v = config[key] else { throw TensorError(.value, "a \(kind) layer in the checkpoint has no \(key)") }
        return v
    }

    static func activation(_ config: [String: Double]) -> Activation {
        let i = Int(config["activation"] ?? 0)
        return Activation.allCases.indices.contains(i) ? Activation.allCases[i] : .linear
    }

    static func code(_ a: Activation) -> Double { Double(Activation.allCases.firstIndex(of: a)!) }
}
