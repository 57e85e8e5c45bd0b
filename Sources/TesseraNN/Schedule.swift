import Foundation
import TesseraTensor

/// A learning rate that changes with the step: each is a factor of the optimizer's base
/// rate, applied before every step.
public enum Schedule: Sendable, Equatable {
    /// Cosine decay from the base rate to 0 over `steps` (torch's CosineAnnealingLR, eta_min 0).
    case cosine(steps: Int)
    /// The rate times `factor` every `every` steps (torch's StepLR).
    case step(every: Int, factor: Float)
    /// A linear rise from 0 over `steps`, then constant.
    case warmup(steps: Int)

    /// The factor at step `t` (0-based).
    public func factor(at t: Int) -> Float {
        switch self {
        case .cosine(let steps):
            guard steps > 0 else { return 1 }
            return Float(0.5 * (1 + cos(Double.pi * Double(Swift.min(t, steps)) / Double(steps))))
        case .step(let every, let factor):
            guard every > 0 else { return 1 }
            return powf(factor, Float(t / every))
        case .warmup(let steps):
            guard steps > 0 else { return 1 }
            return Swift.min(1, Float(t + 1) / Float(steps))
        }
    }
}

/// A schedule kind, declared once: its name, settings (with ranges) and how it is made.
public struct ScheduleKind: Sendable {
    public let name: String
    public let summary: String
    public let example: String
    public let fields: [Setting]
    public let make: @Sendable (Settings) -> Schedule

    /// The schedule made from `given`, checked against the kind's fields.
    public func make(_ given: [String: SettingValue]) throws(TensorError) -> Schedule {
        make(try Settings(name, noun: "schedule", fields: fields, given))
    }

    static let steps = 1...Setting.largestCount

    /// Every schedule the language offers.
    public static let all: [ScheduleKind] = [
        ScheduleKind(name: "cosine", summary: "Cosine decay of the learning rate to 0 over `steps` batches (PyTorch's CosineAnnealingLR).",
                     example: "Adam(lr: 1e-3, schedule: cosine(steps: 1000))",
                     fields: [Setting("steps", .count, range: steps, "batches over which the rate falls to 0")]) { s in .cosine(steps: s.int("steps")) },
        ScheduleKind(name: "step", summary: "The learning rate times `factor` every `every` batches (PyTorch's StepLR).",
                     example: "SGD(lr: 0.1, schedule: step(every: 500, factor: 0.5))",
                     fields: [Setting("every", .count, range: steps, "batches between drops"),
                              Setting("factor", .number, default: .number(0.1), range: 0...1, "what the rate is multiplied by at each drop")]) { s in
            .step(every: s.int("every"), factor: Float(s.double("factor")))
        },
        ScheduleKind(name: "warmup", summary: "A linear rise of the learning rate from 0 over the first `steps` batches, then constant.",
                     example: "AdamW(lr: 1e-3, schedule: warmup(steps: 100))",
                     fields: [Setting("steps", .count, range: steps, "batches of the rise")]) { s in .warmup(steps: s.int("steps")) },
    ]
}
