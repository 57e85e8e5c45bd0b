import Foundation

/// Makes objective values look Gaussian to the model, as HEBO does: standardize, apply the
/// Yeo-Johnson power transform with the λ of maximum likelihood, standardize again. A long
/// tail of bad values (Rosenbrock's, a diverged training run's) then no longer flattens
/// the model where the good values are.
public struct OutputTransform: Sendable {
    public let lambda: Double
    let center: Double, scale: Double
    let center2: Double, scale2: Double

    public init(fitting y: [Double]) {
        let (m, s) = Self.moments(y)
        center = m; scale = s
        let z = y.map { ($0 - m) / s }
        var lo = -3.0, hi = 3.0
        let phi = (5.0.squareRoot() - 1) / 2
        let score = { (l: Double) in OutputTransform.logLikelihood(z, l) }
        var a = hi - phi * (hi - lo), b = lo + phi * (hi - lo)
        var fa = score(a), fb = score(b)
        for _ in 0..<40 {
            if fa > fb { hi = b; b = a; fb = fa; a = hi - phi * (hi - lo); fa = score(a) }
            else { lo = a; a = b; fa = fb; b = lo + phi * (hi - lo); fb = score(b) }
        }
        let l = (lo + hi) / 2
        let chosen = score(l) > score(1) + 1e-9 ? l : 1
        lambda = chosen
        let t = z.map { OutputTransform.yeoJohnson($0, chosen) }
        (center2, scale2) = Self.moments(t)
    }

    public func apply(_ v: Double) -> Double { (Self.yeoJohnson((v - center) / scale, lambda) - center2) / scale2 }

    static func moments(_ y: [Double]) -> (Double, Double) {
        guard !y.isEmpty else { return (0, 1) }
        let m = y.reduce(0, +) / Double(y.count)
        let v = y.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(y.count)
        let s = v.squareRoot()
        return (m, s > 1e-12 * Swift.max(1, abs(m)) ? s : 1)
    }

    static func yeoJohnson(_ y: Double, _ l: Double) -> Double {
        if y >= 0 { return abs(l) < 1e-9 ? log1p(y) : (pow(y + 1, l) - 1) / l }
        return abs(l - 2) < 1e-9 ? -log1p(-y) : -(pow(1 - y, 2 - l) - 1) / (2 - l)
    }

    static func logLikelihood(_ y: [Double], _ l: Double) -> Double {
        let t = y.map { yeoJohnson($0, l) }
        let (_, s) = moments(t)
        var jac = 0.0
        for v in y { jac += (v >= 0 ? 1 : -1) * log1p(abs(v)) }
        return -Double(y.count) / 2 * log(s * s) + (l - 1) * jac
    }
}
