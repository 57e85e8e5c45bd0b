import Foundation
import TesseraTensor

/// Updates parameters from their gradients. Each optimizer follows PyTorch's update rule
/// for the same settings, so the same model, weights and batches give the same steps.
public protocol Optimizer: AnyObject {
    /// The rate the next step uses; a schedule sets it before each step.
    var learningRate: Float { get set }
    /// One update of `parameters` (those without a gradient are left alone).
    func step(_ parameters: [Variable], backend: any Backend) throws(TensorError)
    /// "Adam(lr: 0.001)".
    var description: String { get }
    /// The kind and settings, as JSON, for checkpoints.
    var settingsJSON: String { get }
    /// The per-parameter state by parameter name, then slot ("m", "v", "momentum").
    func exportState(_ parameters: [(name: String, variable: Variable)]) -> [String: [String: Tensor]]
    /// Restores state that `exportState` gave, after checking every tensor against its
    /// parameter: a slot of the wrong shape is an error, never an update through it.
    func importState(_ state: [String: [String: Tensor]], _ parameters: [(name: String, variable: Variable)]) throws(TensorError)
}

/// Per-parameter state (moments, momentum buffers), keyed by the parameter.
final class OptimizerState {
    private var slots: [ObjectIdentifier: [Tensor]] = [:]
    subscript(_ v: Variable) -> [Tensor]? {
        get { slots[ObjectIdentifier(v)] }
        set { slots[ObjectIdentifier(v)] = newValue }
    }

    func export(_ names: [String], _ parameters: [(name: String, variable: Variable)]) -> [String: [String: Tensor]] {
        var out: [String: [String: Tensor]] = [:]
        for (name, v) in parameters {
            guard let s = self[v] else { continue }
            out[name] = Dictionary(uniqueKeysWithValues: zip(names, s))
        }
        return out
    }

    /// Restores the slots `names` of each parameter, all checked before any is kept: each
    /// must name a parameter and a slot this optimizer has, have the parameter's shape,
    /// and come with the parameter's other slots.
    func restore(_ names: [String], _ state: [String: [String: Tensor]], _ parameters: [(name: String, variable: Variable)]) throws(TensorError) {
        let byName = Dictionary(parameters.map { ($0.name, $0.variable) }, uniquingKeysWith: { a, _ in a })
        var restored: [(Variable, [Tensor])] = []
        for (name, slots) in state.sorted(by: { $0.key < $1.key }) {
            guard let v = byName[name] else {
                throw TensorError(.value, "optimizer state for \(name), which is not a parameter of the model (it has \(parameters.map(\.name).joined(separator: ", ")))")
            }
            if let unknown = slots.keys.sorted().first(where: { !names.contains($0) }) {
                throw TensorError(.value, "optimizer state \(name).\(unknown): this optimizer keeps \(names.joined(separator: " and ")), not \(unknown)")
            }
            var values: [Tensor] = []
            for slot in names {
                guard let t = slots[slot] else {
                    throw TensorError(.value, "optimizer state for \(name) has no \(slot) (it needs \(names.joined(separator: " and ")))")
                }
                guard t.shape == v.value.shape else {
                    throw TensorError(.shape, "optimizer state \(name).\(slot) has shape \(t.shape); its parameter has \(v.value.shape)")
                }
                values.append(t)
            }
            restored.append((v, values))
        }
        for (v, values) in restored { self[v] = values }
    }
}

/// Updates on host memory (the CPU backends) run as one fused loop per parameter, in place:
/// one pass over the weights and their state instead of a dozen whole-tensor operations,
/// and no new arrays. Device tensors take the backend's operations instead.
enum HostUpdate {
    /// Off in the tests that check the backend-operation path (the one device tensors take).
    nonisolated(unsafe) static var enabled = true

    static func applies(_ p: Variable, _ g: Tensor, _ state: [Tensor]?) -> Bool {
        enabled && p.value.device == nil && g.device == nil && (state ?? []).allSatisfy { $0.device == nil }
    }

    /// Calls `body(range, weights, gradient, slots)` over chunks of the parameter, the
    /// weights and the state slots (`slots` of them, zeros at first) mutable in place.
    static func run(_ p: Variable, _ g: Tensor, _ state: OptimizerState, slots: Int,
                    _ body: (Range<Int>, UnsafeMutablePointer<Float>, UnsafePointer<Float>, [UnsafeMutablePointer<Float>]) -> Void) throws(TensorError) {
        precondition(slots <= 2, "host updates keep at most two state slots")
        // The loop below writes through raw pointers: every buffer must hold the weights' count.
        guard g.shape == p.value.shape else {
            throw TensorError(.shape, "a gradient of shape \(g.shape) for a parameter of shape \(p.value.shape)")
        }
        if let kept = state[p], kept.count != slots || kept.contains(where: { $0.shape != g.shape }) {
            throw TensorError(.shape, "optimizer state of shapes \(kept.map(\.shape)) for a parameter of shape \(g.shape)")
        }
        var saved = state[p] ?? (0..<slots).map { _ in Tensor(zeros: g.shape) }
        state[p] = nil  // so the slots are uniquely held and change in place
        var first = saved.count > 0 ? saved[0].storage : [], second = saved.count > 1 ? saved[1].storage : []
        saved.removeAll()
        let count = g.count
        g.storage.withUnsafeBufferPointer { gp in
        p.value.storage.withUnsafeMutableBufferPointer { wp in
        first.withUnsafeMutableBufferPointer { s0 in
        second.withUnsafeMutableBufferPointer { s1 in
            let pointers = [s0.baseAddress, s1.baseAddress].prefix(slots).map { $0! }
            Parallel.chunks(count, minimum: 1 << 15) { range in body(range, wp.baseAddress!, gp.baseAddress!, pointers) }
        }}}}
        state[p] = [first, second].prefix(slots).map { Tensor(shape: g.shape, storage: $0) }
    }
}

/// Optimizers by their checkpoint settings.
enum OptimizerSettings {
    static func json(_ d: [String: Any]) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: d, options: [.sortedKeys]), as: UTF8.self)
    }

    static func make(_ json: String) throws(TensorError) -> any Optimizer {
        guard let d = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any], let kind = d["kind"] as? String else {
            throw TensorError(.value, "the checkpoint's optimizer settings are not valid JSON")
        }
        var bad: String? = nil
        /// A finite setting of 0 or more (a rate, a decay, a beta), or the fallback when absent.
        func f(_ k: String, _ fallback: Float) -> Float {
            guard let v = d[k] else { return fallback }
            guard let n = v as? NSNumber, n.doubleValue.isFinite, n.doubleValue >= 0, n.doubleValue < 1e30 else {
                bad = bad ?? "\(k) is \(v); it must be a finite number of 0 or more"
                return fallback
            }
            return n.floatValue
        }
        let optimizer: any Optimizer
        switch kind {
        case "SGD": optimizer = SGD(lr: f("lr", 0.01), momentum: f("momentum", 0), nesterov: f("nesterov", 0) != 0, weightDecay: f("weightDecay", 0))
        case "Adam", "AdamW":
            let a = Adam(lr: f("lr", 1e-3), beta1: f("beta1", 0.9), beta2: f("beta2", 0.999), epsilon: f("epsilon", 1e-8),
                         weightDecay: f("weightDecay", 0), decoupled: kind == "AdamW")
            if let v = d["steps"] {
                // Counted up at every step: a whole number well inside Int's range.
                guard let n = v as? NSNumber, let steps = Checkpoint.wholeNumbers([n])?.first, steps < 1 << 52 else {
                    throw TensorError(.value, "the checkpoint's Adam settings have steps \(v); it must be a whole number of 0 or more")
                }
                a.steps = steps
            }
            optimizer = a
        case "RMSProp": optimizer = RMSProp(lr: f("lr", 0.01), alpha: f("alpha", 0.99), epsilon: f("epsilon", 1e-8))
        default: throw TensorError(.value, "the checkpoint's optimizer \(kind) is not one Tessera knows")
        }
        if let bad { throw TensorError(.value, "the checkpoint's \(kind) settings: \(bad)") }
        return optimizer
    }
}

/// Stochastic gradient descent with optional momentum (heavy-ball or Nesterov) and L2
/// weight decay, as torch.optim.SGD.
public final class SGD: Optimizer {
    public var learningRate: Float
    public let momentum: Float
    public let nesterov: Bool
    public let weightDecay: Float
    let state = OptimizerState()

    public init(lr: Float = 0.01, momentum: Float = 0, nesterov: Bool = false, weightDecay: Float = 0) {
        learningRate = lr
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
    }

    public var description: String { "SGD(lr: \(learningRate)\(momentum > 0 ? ", momentum: \(momentum)" : "")\(nesterov ? ", nesterov: true" : ""))" }
    public var settingsJSON: String {
        OptimizerSettings.json(["kind": "SGD", "lr": learningRate, "momentum": momentum, "nesterov": nesterov ? 1 : 0, "weightDecay": weightDecay])
    }
    public func exportState(_ p: [(name: String, variable: Variable)]) -> [String: [String: Tensor]] { state.export(["momentum"], p) }
    public func importState(_ s: [String: [String: Tensor]], _ p: [(name: String, variable: Variable)]) throws(TensorError) { try state.restore(["momentum"], s, p) }

    public func step(_ parameters: [Variable], backend b: any Backend) throws(TensorError) {
        for p in parameters {
            guard var g = p.grad else { continue }
            if HostUpdate.applies(p, g, state[p]) {
                let (lr, mu, wd, nesterov) = (learningRate, momentum, weightDecay, nesterov)
                let first = state[p] == nil
                try HostUpdate.run(p, g, state, slots: momentum != 0 ? 1 : 0) { range, w, gp, s in
                    let momenta = s.first
                    for i in range {
                        var d = gp[i] + wd * w[i]
                        if let momenta {
                            let buffer = first ? d : momenta[i] * mu + d
                            momenta[i] = buffer
                            d = nesterov ? d + buffer * mu : buffer
                        }
                        w[i] -= d * lr
                    }
                }
                continue
            }
            if weightDecay != 0 { g = try b.binary(.add, g, try b.binary(.multiply, p.value, Tape.constant(weightDecay))) }
            if momentum != 0 {
                let buffer = try state[p].map { old throws(TensorError) in
                    try b.binary(.add, try b.binary(.multiply, old[0], Tape.constant(momentum)), g)
                } ?? g
                state[p] = [buffer]
                g = nesterov ? try b.binary(.add, g, try b.binary(.multiply, buffer, Tape.constant(momentum))) : buffer
            }
            p.value = try b.binary(.subtract, p.value, try b.binary(.multiply, g, Tape.constant(learningRate)))
        }
    }
}

/// Adam (Kingma & Ba), as torch.optim.Adam; with `decoupled`, AdamW: the weight decay
/// shrinks the weights directly instead of joining the gradient.
public final class Adam: Optimizer {
    public var learningRate: Float
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    public let weightDecay: Float
    public let decoupled: Bool
    var steps = 0
    let state = OptimizerState()

    public init(lr: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0, decoupled: Bool = false) {
        learningRate = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupled = decoupled
    }

    /// AdamW: decoupled weight decay (default 0.01, as PyTorch's).
    public static func adamW(lr: Float = 1e-3, weightDecay: Float = 0.01) -> Adam { Adam(lr: lr, weightDecay: weightDecay, decoupled: true) }

    public var description: String { "\(decoupled ? "AdamW" : "Adam")(lr: \(learningRate)\(weightDecay != 0 ? ", weightDecay: \(weightDecay)" : ""))" }
    public var settingsJSON: String {
        OptimizerSettings.json(["kind": decoupled ? "AdamW" : "Adam", "lr": learningRate, "beta1": beta1, "beta2": beta2, "epsilon": epsilon,
                                "weightDecay": weightDecay, "steps": steps])
    }
    public func exportState(_ p: [(name: String, variable: Variable)]) -> [String: [String: Tensor]] { state.export(["m", "v"], p) }
    public func importState(_ s: [String: [String: Tensor]], _ p: [(name: String, variable: Variable)]) throws(TensorError) { try state.restore(["m", "v"], s, p) }

    public func step(_ parameters: [Variable], backend b: any Backend) throws(TensorError) {
        steps += 1
        let c1 = 1 - Float(Foundation.pow(Double(beta1), Double(steps))), c2 = 1 - Float(Foundation.pow(Double(beta2), Double(steps)))
        for p in parameters {
            guard var g = p.grad else { continue }
            if HostUpdate.applies(p, g, state[p]) {
                let (lr, b1, b2, eps, wd, decoupled) = (learningRate, beta1, beta2, epsilon, weightDecay, decoupled)
                let root2 = c2.squareRoot(), step = lr / c1, shrink = 1 - lr * wd
                try HostUpdate.run(p, g, state, slots: 2) { range, w, gp, s in
                    let (m, v) = (s[0], s[1])
                    // decay shrinks the weights (AdamW); l2 adds them to the gradient (Adam's weight decay).
                    let (decay, l2): (Float, Float) = wd == 0 ? (1, 0) : decoupled ? (shrink, 0) : (1, wd)
                    Self.update(range, w, gp, m, v, decay: decay, l2: l2, b1: b1, b2: b2, root2: root2, eps: eps, step: step)
                }
                continue
            }
            var value = p.value
            if weightDecay != 0 {
                if decoupled {
                    value = try b.binary(.multiply, value, Tape.constant(1 - learningRate * weightDecay))
                } else {
                    g = try b.binary(.add, g, try b.binary(.multiply, value, Tape.constant(weightDecay)))
                }
            }
            let moments = state[p] ?? [Tensor(zeros: g.shape), Tensor(zeros: g.shape)]
            let m = try b.binary(.add, try b.binary(.multiply, moments[0], Tape.constant(beta1)), try b.binary(.multiply, g, Tape.constant(1 - beta1)))
            let v = try b.binary(.add, try b.binary(.multiply, moments[1], Tape.constant(beta2)),
                                 try b.binary(.multiply, try b.binary(.multiply, g, g), Tape.constant(1 - beta2)))
            state[p] = [m, v]
            // p -= lr · m̂ / (√v̂ + ε), with m̂ = m / c1 and v̂ = v / c2 (PyTorch's arrangement).
            let denominator = try b.binary(.add, try b.binary(.divide, try b.unary(.sqrt, v), Tape.constant(c2.squareRoot())), Tape.constant(epsilon))
            let update = try b.binary(.multiply, try b.binary(.divide, m, denominator), Tape.constant(learningRate / c1))
            p.value = try b.binary(.subtract, value, update)
        }
    }
}

extension Adam {
    /// The update of elements `range`, eight at a time, written out: the compiler cannot
    /// prove the five arrays apart, so it would not vectorize the plain loop.
    static func update(_ range: Range<Int>, _ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ m: UnsafeMutablePointer<Float>,
                       _ v: UnsafeMutablePointer<Float>, decay: Float, l2: Float, b1: Float, b2: Float, root2: Float, eps: Float, step: Float) {
        typealias V = SIMD8<Float>
        func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
        func store(_ x: V, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: x, as: V.self) }
        var i = range.lowerBound
        while i + 8 <= range.upperBound {
            let x = load(w + i), d = load(g + i) + x * l2
            let mi = load(m + i) * b1 + d * (1 - b1), vi = load(v + i) * b2 + (d * d) * (1 - b2)
            store(mi, m + i)
            store(vi, v + i)
            store(x * decay - mi / (vi.squareRoot() / root2 + eps) * step, w + i)
            i += 8
        }
        while i < range.upperBound {
            let x = w[i], d = g[i] + x * l2
            m[i] = m[i] * b1 + d * (1 - b1)
            v[i] = v[i] * b2 + (d * d) * (1 - b2)
            w[i] = x * decay - m[i] / (v[i].squareRoot() / root2 + eps) * step
            i += 1
        }
    }
}

/// RMSProp, as torch.optim.RMSprop (no momentum, not centered).
public final class RMSProp: Optimizer {
    public var learningRate: Float
    public let alpha: Float
    public let epsilon: Float
    let state = OptimizerState()

    public init(lr: Float = 0.01, alpha: Float = 0.99, epsilon: Float = 1e-8) {
        learningRate = lr
        self.alpha = alpha
        self.epsilon = epsilon
    }

    public var description: String { "RMSProp(lr: \(learningRate))" }
    public var settingsJSON: String { OptimizerSettings.json(["kind": "RMSProp", "lr": learningRate, "alpha": alpha, "epsilon": epsilon]) }
    public func exportState(_ p: [(name: String, variable: Variable)]) -> [String: [String: Tensor]] { state.export(["square_avg"], p) }
    public func importState(_ s: [String: [String: Tensor]], _ p: [(name: String, variable: Variable)]) throws(TensorError) { try state.restore(["square_avg"], s, p) }

    public func step(_ parameters: [Variable], backend b: any Backend) throws(TensorError) {
        for p in parameters {
            guard let g = p.grad else { continue }
            if HostUpdate.applies(p, g, state[p]) {
                let (lr, alpha, eps) = (learningRate, alpha, epsilon)
                try HostUpdate.run(p, g, state, slots: 1) { range, w, gp, s in
                    let squares = s[0]
                    for i in range {
                        squares[i] = squares[i] * alpha + (gp[i] * gp[i]) * (1 - alpha)
                        w[i] -= gp[i] / (squares[i].squareRoot() + eps) * lr
                    }
                }
                continue
            }
            let old = state[p]?[0] ?? Tensor(zeros: g.shape)
            let v = try b.binary(.add, try b.binary(.multiply, old, Tape.constant(alpha)), try b.binary(.multiply, try b.binary(.multiply, g, g), Tape.constant(1 - alpha)))
            state[p] = [v]
            let step = try b.binary(.divide, g, try b.binary(.add, try b.unary(.sqrt, v), Tape.constant(epsilon)))
            p.value = try b.binary(.subtract, p.value, try b.binary(.multiply, step, Tape.constant(learningRate)))
        }
    }
}

/// An optimizer kind, declared once: its name, settings (with ranges) and how it is made.
/// The language's optimizer functions are made from these.
public struct OptimizerKind: Sendable {
    public let name: String
    public let summary: String
    public let example: String
    public let fields: [Setting]
    public let make: @Sendable (Settings) -> any Optimizer

    /// The optimizer made from `given`, checked against the kind's fields.
    public func make(_ given: [String: SettingValue]) throws(TensorError) -> any Optimizer {
        make(try Settings(name, noun: "optimizer", fields: fields, given))
    }

    static let learningRate = 0.0...Double.infinity
    static func lr(_ value: Double) -> Setting {
        Setting("lr", .number, default: .number(value), range: learningRate, lowerOpen: true, "the learning rate")
    }
    static let weightDecay = Setting("weightDecay", .number, default: .number(0), range: 0...Double.infinity, "L2 penalty on the weights")

    /// Every optimizer the language offers.
    public static let all: [OptimizerKind] = [
        OptimizerKind(name: "SGD", summary: "Stochastic gradient descent, with momentum and Nesterov's variant as PyTorch's SGD.",
                      example: "SGD(lr: 0.05, momentum: 0.9, nesterov: true)",
                      fields: [lr(0.01), Setting("momentum", .number, default: .number(0), range: 0...1, upperOpen: true, "the share of the last step kept"),
                               Setting("nesterov", .flag, default: .flag(false), "look ahead along the momentum (needs momentum)"), weightDecay]) { s in
            SGD(lr: Float(s.double("lr")), momentum: Float(s.double("momentum")), nesterov: s.bool("nesterov"), weightDecay: Float(s.double("weightDecay")))
        },
        OptimizerKind(name: "Adam", summary: "Adam: per-weight step sizes from running moments of the gradient, as PyTorch's Adam.",
                      example: "Adam(lr: 1e-3)",
                      fields: [lr(1e-3), Setting("beta1", .number, default: .number(0.9), range: 0...1, upperOpen: true, "the first moment's decay"),
                               Setting("beta2", .number, default: .number(0.999), range: 0...1, upperOpen: true, "the second moment's decay"), weightDecay]) { s in
            Adam(lr: Float(s.double("lr")), beta1: Float(s.double("beta1")), beta2: Float(s.double("beta2")), weightDecay: Float(s.double("weightDecay")))
        },
        OptimizerKind(name: "AdamW", summary: "Adam with decoupled weight decay (the decay shrinks the weights directly), as PyTorch's AdamW.",
                      example: "AdamW(lr: 1e-3, weightDecay: 0.01)",
                      fields: [lr(1e-3), Setting("weightDecay", .number, default: .number(0.01), range: 0...Double.infinity, "the decoupled decay per step, times the rate")]) { s in
            Adam.adamW(lr: Float(s.double("lr")), weightDecay: Float(s.double("weightDecay")))
        },
        OptimizerKind(name: "RMSProp", summary: "RMSProp: steps scaled by a running mean of squared gradients, as PyTorch's RMSprop.",
                      example: "RMSProp(lr: 0.01)",
                      fields: [lr(0.01), Setting("alpha", .number, default: .number(0.99), range: 0...1, upperOpen: true, "the squared gradients' decay")]) { s in
            RMSProp(lr: Float(s.double("lr")), alpha: Float(s.double("alpha")))
        },
    ]
}
