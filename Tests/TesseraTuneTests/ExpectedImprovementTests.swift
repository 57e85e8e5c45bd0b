import Foundation
import XCTest
@testable import TesseraTune

final class ExpectedImprovementTests: XCTestCase {
    /// h(z) = φ(z) + zΦ(z), the closed form, where it is accurate in double precision.
    func testLogHMatchesTheClosedForm() {
        for z in stride(from: -5.0, through: 5.0, by: 0.25) {
            let phi = exp(-z * z / 2) / (2 * Double.pi).squareRoot()
            let cdf = 0.5 * erfc(-z / 2.0.squareRoot())
            XCTAssertEqual(ExpectedImprovement.logH(z), log(phi + z * cdf), accuracy: 1e-9 * max(1, abs(log(phi + z * cdf))), "z = \(z)")
        }
    }

    /// Far in the lower tail the closed form underflows or cancels; there h(z) = ∫_{−∞}^z Φ(t) dt
    /// is integrated numerically (Simpson, Φ from erfc, which keeps its relative accuracy).
    func testLogHInTheTailMatchesTheIntegral() {
        for z in [-8.0, -20.0, -24.9, -25.1, -40.0] {
            let n = 20_000, a = z - 4 / abs(z) * 8, h = (z - a) / Double(n)
            func cdf(_ t: Double) -> Double { 0.5 * erfc(-t / 2.0.squareRoot()) }
            var sum = cdf(a) + cdf(z)
            for i in 1..<n { sum += (i % 2 == 1 ? 4 : 2) * cdf(a + Double(i) * h) }
            let integral = sum * h / 3
            XCTAssertEqual(ExpectedImprovement.logH(z), log(integral), accuracy: 1e-6 * abs(log(integral)), "z = \(z)")
        }
    }

    func testLogEIIsContinuousAcrossItsBranches() {
        for z0 in [-1.0, -25.0] {
            let below = ExpectedImprovement.logH(z0 - 1e-9), above = ExpectedImprovement.logH(z0 + 1e-9)
            XCTAssertEqual(below, above, accuracy: 1e-6 * abs(above), "at z = \(z0)")
        }
    }

    func testDerivativeMatchesFiniteDifferences() {
        for z in [-30.0, -6.0, -1.5, -0.5, 0.0, 2.0] {
            let e = 1e-5 * max(1, abs(z))
            let numeric = (ExpectedImprovement.logH(z + e) - ExpectedImprovement.logH(z - e)) / (2 * e)
            XCTAssertEqual(ExpectedImprovement.dLogH(z), numeric, accuracy: 1e-5 * max(1, abs(numeric)), "z = \(z)")
        }
    }

    func testLogEIScalesWithTheStandardDeviation() {
        // EI(μ, σ, best) = σ·h((best − μ)/σ).
        XCTAssertEqual(ExpectedImprovement.logEI(mean: 1, sd: 2, best: 0), log(2) + ExpectedImprovement.logH(-0.5), accuracy: 1e-12)
        XCTAssertEqual(exp(ExpectedImprovement.logEI(mean: 0, sd: 1, best: 0)), 1 / (2 * Double.pi).squareRoot(), accuracy: 1e-12)
    }
}
