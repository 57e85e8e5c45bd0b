import Foundation
import TesseraTensor

/// A Sequential model's layers as JSON and back, for checkpoints: a list of
/// {"kind": "Dense", "units": 128, "activation": "relu", "bias": true}, each layer's
/// settings by the names its kind declares (`ConfigurableLayer.fields`). Files written
/// before activations were stored by name hold their index in the list of activations
/// as it was then, and flags as 0 or 1; both are still read.
public enum Architecture {
    /// Every layer kind a checkpoint can hold, and the language can make.
    public static var kinds: [any ConfigurableLayer.Type] {
        [Dense.self, Conv1D.self, Conv2D.self, MaxPool2D.self, AvgPool2D.self, Flatten.self, Dropout.self, BatchNorm.self, Embedding.self,
         ActivationLayer.self, LayerNorm.self, GlobalAveragePooling1D.self, GlobalMaxPooling1D.self, LSTM.self, GRU.self,
         MultiHeadAttention.self, PositionalEncoding.self, TransformerEncoderBlock.self]
    }

    /// The activations in the order checkpoints of the first format numbered them.
    static let legacyActivations: [Activation] = [.linear, .relu, .gelu, .tanh, .sigmoid, .softmax]

    public static func encode(_ model: Sequential) throws(TensorError) -> String {
        let layers = try model.layers.map { (layer) throws(TensorError) -> [String: Any] in
            guard let c = layer as? any ConfigurableLayer else { throw TensorError(.value, "\(layer.description) cannot be saved in a checkpoint") }
            var d: [String: Any] = ["kind": type(of: c).kind]
            for (k, v) in c.settings {
                switch v {
                case .number(let x): d[k] = x
                case .flag(let b): d[k] = b
                case .name(let n): d[k] = n
                case .none: break
                }
            }
            return d
        }
        let doc: [String: Any] = ["layers": layers, "seed": Double(model.seed), "input_shape": model.inputShape ?? []]
        let data = try! JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// A setting as a file wrote it, read by its field's kind (old numeric forms included).
    static func value(_ v: Any, _ field: Setting, layer i: Int, _ kind: String) throws(TensorError) -> SettingValue {
        // JSON booleans arrive as NSNumbers too, of the C type char ("c"); numbers never do.
        if let n = v as? NSNumber, String(cString: n.objCType) == "c" { return .flag(n.boolValue) }
        if let n = v as? NSNumber {
            let d = n.doubleValue
            switch field.kind {
            case .flag where d == 0 || d == 1: return .flag(d == 1)
            case .activation:
                guard d == d.rounded(), d >= 0, d < Double(legacyActivations.count) else {
                    throw TensorError(.value, "layer \(i) (\(kind)) of the checkpoint has activation \(d); it must be the name of one (relu, tanh, ...)")
                }
                return .name(legacyActivations[Int(d)].rawValue)
            default: return .number(d)
            }
        }
        if let s = v as? String { return .name(s) }
        throw TensorError(.value, "layer \(i) (\(kind)) of the checkpoint has \(field.name) \(v), not a number")
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
            var given: [String: SettingValue] = [:]
            for (k, v) in d where k != "kind" {
                guard let field = type.fields.first(where: { $0.name == k }) else {
                    throw TensorError(.value, "layer \(i) (\(kind)) of the checkpoint has an unknown setting '\(k)'")
                }
                if v is NSNull { continue }
                if let s = v as? String, field.kind != .activation {
                    throw TensorError(.value, "layer \(i) (\(kind)) of the checkpoint has \(k) \(s), not a number")
                }
                given[k] = try value(v, field, layer: i, kind)
            }
            do throws(TensorError) { return try type.make(given) } catch {
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
}
