import Foundation

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
