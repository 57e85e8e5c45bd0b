import Foundation
import XCTest
import TesseraTensor
@testable import TesseraTune

final class GaussianProcessTests: XCTestCase {
    /// Draws f ~ GP(0, Matérn-5/2 with lengthscales ℓ) at random points of the unit square.
    func sample(lengthscales: [Double], n: Int, noise: Double, seed: UInt64) throws -> ([Double], [Double]) {
        var rng = RandomGenerator(seed: seed)
        let d = lengthscales.count
        let x = (0..<(n * d)).map { _ in rng.nextDouble() }
        var k = [Double](repeating: 0, count: n * n)
        for a in 0..<n {
            for b in 0..<n {
                var r2 = 0.0
                for i in 0..<d { let t = (x[a * d + i] - x[b * d + i]) / lengthscales[i]; r2 += t * t }
                k[a * n + b] = GaussianProcess.matern(r2.squareRoot(), signal: 1).k + (a == b ? noise + 1e-10 : 0)
            }
        }
        try LinearAlgebra.cholesky(&k, n: n)
        let z = (0..<n).map { _ in rng.nextNormal() }
        let y = (0..<n).map { a in (0...a).reduce(0.0) { $0 + k[a * n + $1] * z[$1] } }
        return (x, y)
    }

    /// The fitted lengthscales of a function drawn from a known process come back close to
    /// the true ones: a short one stays short, a long one long.
    func testRecoversTheLengthscalesOfAKnownProcess() throws {
        var ratios: [[Double]] = []
        for seed in UInt64(1)...3 {
            let (x, y) = try sample(lengthscales: [0.2, 0.5], n: 250, noise: 1e-4, seed: seed)
            let gp = try GaussianProcess.fit(x: x, y: y, inputs: 2, randomStarts: 2, seed: seed)
            let l = gp.hyperparameters.lengthscales
            ratios.append([l[0] / 0.2, l[1] / 0.5])
            XCTAssertLessThan(l[0], l[1], "seed \(seed): \(l)")
        }
        for i in 0..<2 {
            let median = ratios.map { $0[i] }.sorted()[1]
            XCTAssertEqual(median, 1, accuracy: 0.25, "lengthscale \(i): fitted/true ratios \(ratios.map { $0[i] })")
        }
    }

    func testMarginalLikelihoodGradientMatchesFiniteDifferences() throws {
        let (x, y) = try sample(lengthscales: [0.3, 0.8, 0.5], n: 25, noise: 1e-3, seed: 4)
        for additive in [GaussianProcess.logAdditiveBounds.0, log(0.3)] {
        let h = GaussianProcess.Hyperparameters(logLengthscales: [log(0.4), log(0.6), log(0.2)], logSignal: 0.3, logNoise: log(1e-2), logAdditive: additive)
        let (_, gradient) = GaussianProcess.negativeLogPosterior(x: x, y: y, inputs: 3, h)
        let v = h.vector
        for i in v.indices {
            var p = v, m = v
            p[i] += 1e-6; m[i] -= 1e-6
            let numeric = (GaussianProcess.negativeLogPosterior(x: x, y: y, inputs: 3, .init(p)).0
                           - GaussianProcess.negativeLogPosterior(x: x, y: y, inputs: 3, .init(m)).0) / 2e-6
            if additive <= GaussianProcess.logAdditiveBounds.0 && i == v.count - 1 { continue }  // off: at its floor
            XCTAssertEqual(gradient[i], numeric, accuracy: 1e-4 * max(1, abs(numeric)), "parameter \(i), additive \(additive)")
        }
        }
    }

    func testPredictionGradientsMatchFiniteDifferences() throws {
        let (x, y) = try sample(lengthscales: [0.3, 0.5], n: 20, noise: 1e-4, seed: 5)
        for additive in [GaussianProcess.logAdditiveBounds.0, log(0.5)] {
        let gp = try GaussianProcess(x: x, y: y, inputs: 2, hyperparameters: .init(logLengthscales: [log(0.3), log(0.5)], logSignal: 0, logNoise: log(1e-4), logAdditive: additive))
        let point = [0.37, 0.61]
        let p = gp.predictWithGradient(point)
        let batch = gp.predict(point, count: 1)
        XCTAssertEqual(p.mean, batch.mean[0], accuracy: 1e-10)
        XCTAssertEqual(p.variance, batch.variance[0], accuracy: 1e-10)
        for i in 0..<2 {
            var a = point, b = point
            a[i] += 1e-6; b[i] -= 1e-6
            let pa = gp.predict(a, count: 1), pb = gp.predict(b, count: 1)
            XCTAssertEqual(p.dMean[i], (pa.mean[0] - pb.mean[0]) / 2e-6, accuracy: 1e-4)
            XCTAssertEqual(p.dVariance[i], (pa.variance[0] - pb.variance[0]) / 2e-6, accuracy: 1e-4)
        }
        // At a training point with little noise, the mean interpolates and the variance vanishes.
        let at = gp.predict(Array(x[0..<2]), count: 1)
        XCTAssertEqual(at.mean[0], y[0], accuracy: 1e-2)
        XCTAssertLessThan(at.variance[0], 1e-3)
        }
    }

    func testCholeskyReportsAMatrixThatIsNotPositiveDefinite() {
        var a = [1.0, 2, 2, 1]
        XCTAssertThrowsError(try LinearAlgebra.cholesky(&a, n: 2))
        var b = [4.0, 2, 2, 3]
        XCTAssertNoThrow(try LinearAlgebra.cholesky(&b, n: 2))
        XCTAssertEqual(b, [2, 0, 1, 2.0.squareRoot()])
    }
}
