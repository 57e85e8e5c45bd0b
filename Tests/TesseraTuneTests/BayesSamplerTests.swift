import XCTest
import TesseraMetrics
@testable import TesseraTune

final class BayesSamplerTests: XCTestCase {
    let spec = try! MetricSpec(objectives: [.init("f", .minimize)])

    func run(_ f: BenchmarkFunction, _ sampler: any Sampler, seed: UInt64, budget: Int) throws -> Double {
        let study = try Study(name: "t", space: f.space, spec: spec, sampler: sampler, seed: seed, storage: MemoryStorage())
        try study.optimize(budget: budget) { t in [("f", f.evaluate(Array(t.raw)))] }
        return study.best!.value(spec)! - f.minimum
    }

    /// On Branin with 30 evaluations the model finds the minimum to a small fraction of what
    /// random search gets, on every seed.
    func testBeatsRandomSearchOnBranin() throws {
        for seed in UInt64(0)..<3 {
            let bayes = try run(.branin, BayesSampler(), seed: seed, budget: 30)
            let random = try run(.branin, RandomSampler(), seed: seed, budget: 30)
            XCTAssertLessThan(bayes, 0.05, "seed \(seed)")
            XCTAssertLessThan(bayes, random / 10, "seed \(seed): bayes \(bayes), random \(random)")
        }
    }

    /// A small discrete space: every suggestion is new until the space is exhausted.
    func testNeverSuggestsAnEvaluatedPoint() throws {
        let space = Space.dict(keys: ["a", "b"], values: [.intRange(0, 4, log: false), .choice([.fixed(.string("x")), .fixed(.string("y")), .fixed(.string("z"))])])
        let study = try Study(name: "d", space: space, spec: spec, sampler: BayesSampler(startup: 3), seed: 1, storage: MemoryStorage())
        try study.optimize(budget: 15) { t in
            guard case .dict(_, let v) = t.params, case .int(let a) = v[0] else { return [] }
            return [("f", Double((a - 2) * (a - 2)))]
        }
        XCTAssertEqual(study.trials.count, 15)
        XCTAssertEqual(Set(study.trials.map { study.space.key($0.raw) }).count, 15)
        XCTAssertThrowsError(try study.ask()) { XCTAssertTrue("\($0)".contains("every point"), "\($0)") }
        // A budget larger than the space ends the study when the space is used up, as a grid does.
        let more = try Study(name: "d2", space: space, spec: spec, sampler: BayesSampler(startup: 3), seed: 2, storage: MemoryStorage())
        try more.optimize(budget: 40) { _ in [("f", 1)] }
        XCTAssertEqual(more.trials.count, 15)
    }

    /// Failed trials are recorded with their error; the model treats them as bad and the
    /// study goes on to find the minimum away from them.
    func testFailedTrialsAreRecordedAndAvoided() throws {
        struct Diverged: Error, CustomStringConvertible { var description: String { "diverged" } }
        let f = BenchmarkFunction.branin
        let study = try Study(name: "f", space: f.space, spec: spec, sampler: BayesSampler(), seed: 3, storage: MemoryStorage())
        try study.optimize(budget: 30) { t in
            if t.raw[0] > 5 { throw Diverged() }
            if t.raw[1] > 13 { return [("f", .nan)] }
            return [("f", f.evaluate(Array(t.raw)))]
        }
        let failed = study.trials.filter { $0.state == .failed }
        XCTAssertFalse(failed.isEmpty)
        XCTAssertTrue(failed.allSatisfy { $0.error == "diverged" || $0.error!.contains("'f' is NaN") }, "\(failed.map(\.error))")
        XCTAssertLessThan(study.best!.value(spec)! - f.minimum, 0.05)
        XCTAssertLessThan(failed.count, 15, "the model learns to stay away")
    }

    /// Running trials are fantasized: two suggestions asked without results differ.
    func testConcurrentSuggestionsDiffer() throws {
        let f = BenchmarkFunction.branin
        let study = try Study(name: "p", space: f.space, spec: spec, sampler: BayesSampler(), seed: 4, storage: MemoryStorage())
        try study.optimize(budget: 15) { t in [("f", f.evaluate(Array(t.raw)))] }
        let a = try study.ask(), b = try study.ask()
        XCTAssertGreaterThan(abs(a.raw[0] - b.raw[0]) + abs(a.raw[1] - b.raw[1]), 1e-3)
    }

    func testEveryTrialFailingIsSaidClearly() throws {
        let study = try Study(name: "x", space: BenchmarkFunction.branin.space, spec: spec, sampler: BayesSampler(), seed: 1, storage: MemoryStorage())
        try study.optimize(budget: 4) { _ in [("loss", 1)] }
        XCTAssertNil(study.best)
        XCTAssertThrowsError(try study.checkAnyCompleted()) { error in
            XCTAssertTrue("\(error)".contains("every trial of the study 'x' failed (4 failed"), "\(error)")
            XCTAssertTrue("\(error)".contains("returned no 'f' (it returned loss)"), "\(error)")
        }
    }

    /// With a constraint, the best trial meets it, and most suggestions after the start do.
    func testConstraintsSteerTowardFeasiblePoints() throws {
        let f = BenchmarkFunction.branin
        let spec = try MetricSpec(objectives: [.init("f", .minimize)], constraints: [try .init("x0", atLeast: 2)])
        let study = try Study(name: "c", space: f.space, spec: spec, sampler: BayesSampler(), seed: 2, storage: MemoryStorage())
        try study.optimize(budget: 30) { t in [("f", f.evaluate(Array(t.raw))), ("x0", t.raw[0])] }
        XCTAssertGreaterThanOrEqual(study.best!.metric("x0")!, 2)
        // The feasible minimum of Branin with x0 ≥ 2 is the one at (π, 2.275).
        XCTAssertLessThan(study.best!.value(spec)! - f.minimum, 0.05)
        let late = study.trials.suffix(15)
        XCTAssertGreaterThan(late.filter { $0.isFeasible(spec) }.count, 10)
    }

    /// Two objectives: the front holds only non-dominated trials.
    func testParetoFrontOfTwoObjectives() throws {
        let spec = try MetricSpec(objectives: [.init("a", .minimize), .init("b", .minimize)])
        let space = Space.dict(keys: ["x"], values: [.uniform(0, 1)])
        let study = try Study(name: "m", space: space, spec: spec, sampler: BayesSampler(), seed: 5, storage: MemoryStorage())
        try study.optimize(budget: 20) { t in [("a", t.raw[0] * t.raw[0]), ("b", (t.raw[0] - 1) * (t.raw[0] - 1))] }
        let front = study.pareto
        XCTAssertEqual(front.count, study.trials.count, "on x ∈ [0, 1] every point is Pareto-optimal")
        let dominatedStudy = try Study(name: "m2", space: space, spec: spec, sampler: RandomSampler(), seed: 5, storage: MemoryStorage())
        try dominatedStudy.optimize(budget: 20) { t in [("a", t.raw[0]), ("b", t.raw[0])] }
        XCTAssertEqual(dominatedStudy.pareto.count, 1)
    }

    /// The same seed gives the same trials; another seed, other ones.
    func testSeedsMakeStudiesReproducible() throws {
        let f = BenchmarkFunction.hartmann3
        func points(_ seed: UInt64) throws -> [[Double]] {
            let study = try Study(name: "r", space: f.space, spec: spec, sampler: BayesSampler(), seed: seed, storage: MemoryStorage())
            try study.optimize(budget: 14) { t in [("f", f.evaluate(Array(t.raw)))] }
            return study.trials.map(\.raw)
        }
        XCTAssertEqual(try points(7), try points(7))
        XCTAssertNotEqual(try points(7), try points(8))
    }

    /// Past the Sobol table's 256 dimensions the start is random and the model still runs.
    func testSpacesBeyondTheSobolTableStillTune() throws {
        let keys = (0..<300).map { "x\($0)" }
        let space = Space.dict(keys: keys, values: keys.map { _ in .uniform(0, 1) })
        let study = try Study(name: "wide", space: space, spec: spec, sampler: BayesSampler(startup: 4), seed: 1, storage: MemoryStorage())
        try study.optimize(budget: 7) { t in [("f", t.raw.prefix(3).reduce(0, +))] }
        XCTAssertEqual(study.trials.filter { $0.state == .complete }.count, 7)
    }
}
