/// Limited-memory BFGS inside a box: the quasi-Newton direction on the variables that are
/// free (not held at a bound by their gradient), a projected backtracking line search.
/// Small and dependable for the few dozen variables of a kernel's hyperparameters or an
/// acquisition's point; not a general-purpose L-BFGS-B.
enum BoundedLBFGS {
    struct Result { var x: [Double]; var value: Double; var evaluations: Int }

    /// Minimizes `f` (value and gradient) from `start` within [lower, upper].
    static func minimize(start: [Double], lower: [Double], upper: [Double], maxIterations: Int = 60, memory: Int = 6,
                         tolerance: Double = 1e-6, _ f: ([Double]) -> (Double, [Double])) -> Result {
        let n = start.count
        func project(_ x: [Double]) -> [Double] { (0..<n).map { Swift.min(upper[$0], Swift.max(lower[$0], x[$0])) } }
        var x = project(start)
        var (fx, g) = f(x)
        var evaluations = 1
        guard fx.isFinite else { return Result(x: x, value: fx, evaluations: evaluations) }
        var s: [[Double]] = [], y: [[Double]] = []
        for _ in 0..<maxIterations {
            // Variables at a bound whose gradient pushes outward stay put this step.
            let free = (0..<n).map { i in !((x[i] <= lower[i] && g[i] > 0) || (x[i] >= upper[i] && g[i] < 0)) }
            var pgNorm = 0.0
            for i in 0..<n where free[i] { pgNorm = Swift.max(pgNorm, abs(g[i])) }
            if pgNorm < tolerance { break }
            // Two-loop recursion on the free variables.
            var q = (0..<n).map { free[$0] ? g[$0] : 0 }
            var alphas = [Double](repeating: 0, count: s.count)
            for k in stride(from: s.count - 1, through: 0, by: -1) {
                let rho = 1 / dot(y[k], s[k], free)
                alphas[k] = rho * dot(s[k], q, free)
                for i in 0..<n where free[i] { q[i] -= alphas[k] * y[k][i] }
            }
            if let ls = s.last, let ly = y.last {
                let gamma = dot(ls, ly, free) / Swift.max(dot(ly, ly, free), 1e-300)
                if gamma.isFinite && gamma > 0 { for i in 0..<n { q[i] *= gamma } }
            } else {
                let scale = 1 / Swift.max(pgNorm, 1)
                for i in 0..<n { q[i] *= scale }
            }
            for k in 0..<s.count {
                let rho = 1 / dot(y[k], s[k], free)
                let beta = rho * dot(y[k], q, free)
                for i in 0..<n where free[i] { q[i] += s[k][i] * (alphas[k] - beta) }
            }
            var d = (0..<n).map { free[$0] ? -q[$0] : 0 }
            var slope = dot(g, d, free)
            if !(slope < 0) {  // not a descent direction: fall back to steepest descent
                d = (0..<n).map { free[$0] ? -g[$0] / Swift.max(pgNorm, 1) : 0 }
                slope = dot(g, d, free)
                s.removeAll(); y.removeAll()
            }
            // Projected backtracking (Armijo).
            var t = 1.0, accepted = false
            var xNew = x, fNew = fx, gNew = g
            for _ in 0..<30 {
                xNew = project((0..<n).map { x[$0] + t * d[$0] })
                (fNew, gNew) = f(xNew)
                evaluations += 1
                var decrease = 0.0
                for i in 0..<n { decrease += g[i] * (xNew[i] - x[i]) }
                if fNew.isFinite && fNew <= fx + 1e-4 * Swift.min(decrease, 0) { accepted = true; break }
                t *= 0.3
            }
            guard accepted else { break }
            let sk = (0..<n).map { xNew[$0] - x[$0] }, yk = (0..<n).map { gNew[$0] - g[$0] }
            let improvement = fx - fNew
            x = xNew; g = gNew; fx = fNew
            if dot(sk, yk, nil) > 1e-12 {
                s.append(sk); y.append(yk)
                if s.count > memory { s.removeFirst(); y.removeFirst() }
            }
            if improvement <= 1e-10 * Swift.max(1, abs(fx)) { break }
        }
        return Result(x: x, value: fx, evaluations: evaluations)
    }

    private static func dot(_ a: [Double], _ b: [Double], _ mask: [Bool]?) -> Double {
        var sum = 0.0
        if let mask { for i in a.indices where mask[i] { sum += a[i] * b[i] } } else { for i in a.indices { sum += a[i] * b[i] } }
        return sum
    }
}
