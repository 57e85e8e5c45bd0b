import Foundation
import XCTest
@testable import TesseraNN
import TesseraTensor

/// The same model, initial weights and batches as PyTorch give the same losses step by
/// step (relative 1e-4) and the same final weights. The golden files come from
/// scripts/parity.py (`make parity`), run where PyTorch is installed.
final class ParityTests: XCTestCase {
    typealias Golden = GoldenFile

    func model(_ golden: Golden) -> Sequential {
        let layers: [any Layer] = (golden["layers"] as! [[String: Any]]).map { l in
            let activation = Activation(rawValue: l["activation"] as? String ?? "linear")!
            switch l["type"] as! String {
            case "Dense": return Dense((l["units"] as! NSNumber).intValue, activation: activation)
            case "Conv2D": return Conv2D((l["filters"] as! NSNumber).intValue, kernel: (l["kernel"] as! NSNumber).intValue,
                                         padding: (l["padding"] as? NSNumber)?.intValue ?? 0, useBias: (l["bias"] as? Bool) ?? true)
            case "BatchNorm": return BatchNorm()
            case "ReLU": return ActivationLayer(.relu)
            case "MaxPool2D": return MaxPool2D((l["kernel"] as! NSNumber).intValue)
            case "Flatten": return Flatten()
            default: fatalError("unknown layer \(l)")
            }
        }
        return Sequential(layers)
    }

    func optimizer(_ golden: Golden) -> any Optimizer {
        let s = golden["optimizer_settings"] as! [String: NSNumber]
        let lr = s["lr"]!.floatValue
        switch golden["optimizer"] as! String {
        case "Adam": return Adam(lr: lr)
        case "AdamW": return Adam(lr: lr, weightDecay: s["weight_decay"]!.floatValue, decoupled: true)
        case "SGD": return SGD(lr: lr, momentum: s["momentum"]?.floatValue ?? 0, nesterov: s["nesterov"]?.boolValue ?? false,
                               weightDecay: s["weight_decay"]?.floatValue ?? 0)
        case "RMSprop": return RMSProp(lr: lr)
        default: fatalError("unknown optimizer")
        }
    }

    func loss(_ golden: Golden) -> Loss {
        let l = golden["loss"] as! [String: Any]
        switch l["type"] as! String {
        case "crossEntropy": return .crossEntropy(weights: (l["weights"] as? [NSNumber])?.map(\.floatValue), labelSmoothing: (l["labelSmoothing"] as? NSNumber)?.floatValue ?? 0)
        case "meanSquaredError": return .meanSquaredError
        default: fatalError("unknown loss")
        }
    }

    func replay(_ name: String, on backend: any Backend, file: StaticString = #filePath, line: UInt = #line) throws {
        let golden = try Golden(name)
        let x = golden.tensor(golden["x"]), y = golden.tensor(golden["y"])
        let net = model(golden)
        try net.build(inputShape: Array(x.shape.dropFirst()))
        let names = golden["names"] as! [String: String]
        let initial = golden["initial"] as! [String: Any], final = golden["final"] as! [String: Any]
        let ours = Dictionary(uniqueKeysWithValues: (net.namedParameters + net.namedBuffers).map { ($0.name, $0.variable) })
        XCTAssertEqual(Set(ours.keys), Set(names.values), "\(name): parameter names", file: file, line: line)
        for (theirs, mine) in names { ours[mine]!.value = golden.tensor(initial[theirs]) }
        let opt = optimizer(golden), lossFunction = loss(golden)
        let expected = (golden["losses"] as! [NSNumber]).map(\.doubleValue)
        for (step, rows) in (golden["batches"] as! [[NSNumber]]).enumerated() {
            let indices = rows.map(\.intValue)
            let tape = Tape(backend: backend)
            let out = try net.forward(Variable(try x.gather(indices)), ForwardPass(tape: tape, training: true))
            let l = try lossFunction.apply(out, try y.gather(indices), tape)
            let value = Double(l.value.storage[0])
            XCTAssertEqual(value, expected[step], accuracy: 1e-4 * max(1, abs(expected[step])), "\(name) on \(backend.name): loss of step \(step)", file: file, line: line)
            try tape.backward(l)
            try opt.step(net.namedParameters.map(\.variable), backend: backend)
        }
        for (theirs, mine) in names {
            let want = golden.tensor(final[theirs]), got = ours[mine]!.value
            let worst = zip(got.storage, want.storage).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
            XCTAssertLessThan(worst, 1e-3, "\(name) on \(backend.name): final \(mine)", file: file, line: line)
        }
        let eval = try net.predict(try x.rows(0..<8), backend: backend)
        let wantEval = golden.tensor(golden["eval_outputs_first_8"])
        let worst = zip(eval.storage, wantEval.storage).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
        XCTAssertLessThan(worst, 1e-3, "\(name) on \(backend.name): inference outputs (running statistics)", file: file, line: line)
    }

    func testMLPWithAdam() throws {
        for b: any Backend in [ReferenceBackend(), OpenBLASBackend()] { try replay("mlp_adam", on: b) }
    }
    func testMLPWithNesterovSGDAndWeightDecay() throws { try replay("mlp_sgd_nesterov", on: OpenBLASBackend()) }
    func testMLPWithAdamWWeightedSmoothedCrossEntropy() throws { try replay("mlp_adamw_smoothing", on: OpenBLASBackend()) }
    func testRegressionWithRMSPropAndMSE() throws { try replay("mlp_rmsprop_mse", on: OpenBLASBackend()) }

    /// The optimizers' whole-tensor path, which device tensors take (the CPU uses fused loops).
    func testOptimizersThroughBackendOperations() throws {
        HostUpdate.enabled = false
        defer { HostUpdate.enabled = true }
        for name in ["mlp_adam", "mlp_sgd_nesterov", "mlp_adamw_smoothing", "mlp_rmsprop_mse"] { try replay(name, on: OpenBLASBackend()) }
    }
    func testCNNWithBatchNormAndMaxPool() throws {
        for b: any Backend in [ReferenceBackend(), OpenBLASBackend()] { try replay("cnn_batchnorm_adam", on: b) }
    }
}
