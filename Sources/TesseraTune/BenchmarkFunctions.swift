import Foundation

/// The standard test functions of the tuner's benchmark (the same definitions, bounds and
/// minima as ../shared/bench/hpo_anchors.py), for checking a sampler against known optima.
public struct BenchmarkFunction: Sendable {
    public let name: String
    public let bounds: [(Double, Double)]
    /// The global minimum.
    public let minimum: Double
    /// The evaluation budget the benchmark gives it.
    public let budget: Int
    public let evaluate: @Sendable ([Double]) -> Double

    public static let all: [BenchmarkFunction] = [branin, hartmann3, hartmann6, rosenbrock4, ackley5, styblinski4]

    public static func named(_ name: String) -> BenchmarkFunction? { all.first { $0.name == name } }

    /// The space `x0, x1, ...` with the function's bounds.
    public var space: Space { .dict(keys: bounds.indices.map { "x\($0)" }, values: bounds.map { .uniform($0.0, $0.1) }) }

    public static let branin = BenchmarkFunction(name: "branin", bounds: [(-5, 10), (0, 15)], minimum: 0.397887357729739, budget: 40) { x in
        let b = 5.1 / (4 * Double.pi * Double.pi), c = 5 / Double.pi, t = 1 / (8 * Double.pi)
        let u = x[1] - b * x[0] * x[0] + c * x[0] - 6
        return u * u + 10 * (1 - t) * cos(x[0]) + 10
    }

    static let alpha = [1.0, 1.2, 3.0, 3.2]
    static let h3A: [[Double]] = [[3, 10, 30], [0.1, 10, 35], [3, 10, 30], [0.1, 10, 35]]
    static let h3P: [[Double]] = [[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]].map { $0.map { $0 * 1e-4 } }
    static let h6A: [[Double]] = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
    static let h6P: [[Double]] = [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
                                  [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]].map { $0.map { $0 * 1e-4 } }

    static func hartmann(_ x: [Double], _ a: [[Double]], _ p: [[Double]]) -> Double {
        var sum = 0.0
        for i in 0..<4 {
            var inner = 0.0
            for j in x.indices { inner += a[i][j] * (x[j] - p[i][j]) * (x[j] - p[i][j]) }
            sum += alpha[i] * exp(-inner)
        }
        return -sum
    }

    public static let hartmann3 = BenchmarkFunction(name: "hartmann3", bounds: Array(repeating: (0, 1), count: 3), minimum: -3.86278214782076, budget: 40) {
        hartmann($0, h3A, h3P)
    }
    public static let hartmann6 = BenchmarkFunction(name: "hartmann6", bounds: Array(repeating: (0, 1), count: 6), minimum: -3.32236801141551, budget: 80) {
        hartmann($0, h6A, h6P)
    }
    public static let rosenbrock4 = BenchmarkFunction(name: "rosenbrock4", bounds: Array(repeating: (-5, 10), count: 4), minimum: 0, budget: 80) { x in
        var s = 0.0
        for i in 0..<(x.count - 1) { s += 100 * pow(x[i + 1] - x[i] * x[i], 2) + pow(x[i] - 1, 2) }
        return s
    }
    public static let ackley5 = BenchmarkFunction(name: "ackley5", bounds: Array(repeating: (-32.768, 32.768), count: 5), minimum: 0, budget: 80) { x in
        let d = Double(x.count)
        let a = x.reduce(0) { $0 + $1 * $1 } / d, b = x.reduce(0) { $0 + cos(2 * Double.pi * $1) } / d
        return -20 * exp(-0.2 * a.squareRoot()) - exp(b) + 20 + M_E
    }
    static let stXStar = -2.903534027771177
    public static let styblinski4 = BenchmarkFunction(name: "styblinski4", bounds: Array(repeating: (-5, 5), count: 4),
                                                      minimum: 4 * 0.5 * (pow(stXStar, 4) - 16 * stXStar * stXStar + 5 * stXStar), budget: 80) { x in
        0.5 * x.reduce(0) { $0 + pow($1, 4) - 16 * $1 * $1 + 5 * $1 }
    }
}
