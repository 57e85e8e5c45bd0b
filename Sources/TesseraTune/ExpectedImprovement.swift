import Foundation

/// Log expected improvement for minimization, computed so that it stays finite and
/// informative far from the incumbent (Ament et al., "Unexpected Improvements to Expected
/// Improvement", NeurIPS 2023): EI = σ·h(z), z = (best − μ)/σ, h(z) = φ(z) + zΦ(z).
public enum ExpectedImprovement {
    static let logSqrt2Pi = 0.5 * log(2 * Double.pi)
    static let sqrtHalfPi = (Double.pi / 2).squareRoot()

    /// log h(z).
    public static func logH(_ z: Double) -> Double {
        if z > -1 {
            let phi = exp(-0.5 * z * z - logSqrt2Pi)
            let cdf = 0.5 * erfc(-z / 2.0.squareRoot())
            return log(phi + z * cdf)
        }
        let logPhi = -0.5 * z * z - logSqrt2Pi
        if z > -25 {
            // h = φ(z)·(1 − |z|·√(π/2)·erfcx(|z|/√2)); erfcx via exp(x²)·erfc(x) is exact
            // enough here (x < 18), and the bracket loses no digits to cancellation that matter.
            let a = -z / 2.0.squareRoot()
            let bracket = 1 - (-z) * sqrtHalfPi * exp(a * a) * erfc(a)
            return logPhi + log(bracket)
        }
        // Asymptotic series of the bracket: 1/z² − 3/z⁴ + 15/z⁶ − 105/z⁸ + 945/z¹⁰.
        let w = 1 / (z * z)
        let series = w * (1 - w * (3 - w * (15 - w * (105 - w * 945))))
        return logPhi + log(series)
    }

    /// d log h / dz = Φ(z) / h(z).
    public static func dLogH(_ z: Double) -> Double {
        let logCdf = logNormalCDF(z)
        return exp(logCdf - logH(z))
    }

    /// log EI at a posterior mean and standard deviation.
    public static func logEI(mean: Double, sd: Double, best: Double) -> Double {
        let z = (best - mean) / sd
        return log(sd) + logH(z)
    }
}

extension ExpectedImprovement {
    /// log Φ(z), accurate far into the lower tail.
    public static func logNormalCDF(_ z: Double) -> Double {
        if z > -5 { return log(0.5 * erfc(-z / 2.0.squareRoot())) }
        let a = -z / 2.0.squareRoot()
        let erfcx = a < 25 ? exp(a * a) * erfc(a) : 1 / (a * Double.pi.squareRoot()) * (1 - 1 / (2 * a * a) + 3 / (4 * a * a * a * a))
        return log(0.5 * erfcx) - a * a
    }

    /// φ(z)/Φ(z), the derivative of log Φ.
    public static func inverseMills(_ z: Double) -> Double { exp(-0.5 * z * z - logSqrt2Pi - logNormalCDF(z)) }
}
