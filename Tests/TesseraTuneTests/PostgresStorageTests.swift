import Foundation
import XCTest
import TesseraMetrics
@testable import TesseraTune

/// The study storage on a real PostgreSQL server (a private one started for these tests):
/// the same semantics as the SQLite file, and claims that never collide across connections.
final class PostgresStorageTests: XCTestCase {
    nonisolated(unsafe) static var server: PostgresServer?
    let spec = try! MetricSpec(objectives: [.init("loss", .minimize)], stored: [])
    let space = Space.dict(keys: ["x", "y"], values: [.uniform(-2, 2), .uniform(-2, 2)])

    override class func setUp() {
        super.setUp()
        server = try? PostgresServer()
    }

    override class func tearDown() {
        server?.stop()
        server = nil
        super.tearDown()
    }

    func url() throws -> String {
        guard let s = Self.server else { throw XCTSkip("no PostgreSQL server (scripts/setup.sh installs postgresql-15)") }
        return s.url
    }

    func loss(_ t: Trial) -> [(name: String, value: Double)] { [("loss", pow(t.raw[0] - 0.5, 2) + pow(t.raw[1] + 0.3, 2))] }

    /// Trials, metrics, reports, errors and states go to the server as they finish; another
    /// connection continues the same study; another space under the same name is refused.
    func testAStudyPersistsAndResumesOnTheServer() throws {
        let url = try url()
        do {
            let study = try Study(name: "persist", space: space, spec: spec, sampler: BayesSampler(), seed: 1, storage: try PostgresStorage(url: url))
            try study.optimize(budget: 6) { t in
                _ = try study.report(t.number, step: 1, value: 0.25)
                if t.number == 2 { throw TuneError("boom") }
                return self.loss(t)
            }
        }
        let again = try Study(name: "persist", space: space, spec: spec, sampler: BayesSampler(), seed: 1, storage: try PostgresStorage(url: url))
        XCTAssertEqual(again.trials.count, 6)
        XCTAssertEqual(again.trials[2].state, .failed)
        XCTAssertEqual(again.trials[2].error, "boom")
        XCTAssertEqual(again.trials[0].reports, [.init(step: 1, value: 0.25)])
        XCTAssertEqual(again.trials[0].params, again.space.params(again.trials[0].raw))
        // Values come back bit for bit (the server prints floats exactly).
        let first = try Study(name: "persist", space: space, spec: spec, sampler: BayesSampler(), seed: 1, storage: try PostgresStorage(url: url))
        XCTAssertEqual(first.trials.map(\.raw), again.trials.map(\.raw))
        XCTAssertEqual(again.trials[1].metric("loss"), loss(again.trials[1])[0].value)
        try again.optimize(budget: 10) { self.loss($0) }
        XCTAssertEqual(again.trials.map(\.number), Array(0..<10))
        let other = Space.dict(keys: ["x"], values: [.uniform(0, 1)])
        XCTAssertThrowsError(try Study(name: "persist", space: other, spec: spec, sampler: RandomSampler(), seed: 1, storage: try PostgresStorage(url: url))) {
            XCTAssertTrue("\($0)".contains("stored with another space"), "\($0)")
        }
    }

    /// Six connections asking at once (as six workers on other hosts would) never get the
    /// same trial number or point, and every trial they tell is kept.
    func testConcurrentWorkersNeverClaimTheSameTrial() throws {
        let url = try url()
        _ = try Study(name: "race", space: space, spec: spec, sampler: RandomSampler(), seed: 4, storage: try PostgresStorage(url: url))
        let failures = NSLock()
        nonisolated(unsafe) var errors: [String] = []
        let (space, spec) = (self.space, self.spec)
        DispatchQueue.concurrentPerform(iterations: 6) { w in
            do {
                let study = try Study(name: "race", space: space, spec: spec, sampler: RandomSampler(), seed: 4, storage: try PostgresStorage(url: url))
                while let t = try study.ask(within: 60) {
                    try study.tell(t.number, metrics: [("loss", pow(t.raw[0] - 0.5, 2) + pow(t.raw[1] + 0.3, 2))])
                }
            } catch {
                failures.withLock { errors.append("worker \(w): \(error)") }
            }
        }
        XCTAssertEqual(errors, [])
        let done = try Study(name: "race", space: space, spec: spec, sampler: RandomSampler(), seed: 4, storage: try PostgresStorage(url: url))
        XCTAssertEqual(done.trials.map(\.number), Array(0..<60), "numbers 0..<60, each once")
        XCTAssertEqual(Set(done.trials.map(\.raw)).count, 60, "no point twice")
        XCTAssertTrue(done.trials.allSatisfy { $0.state == .complete })
    }

    /// A server that is not there, and a password, are named clearly (the password hidden).
    func testAnUnreachableServerIsAClearError() throws {
        XCTAssertThrowsError(try PostgresStorage(url: "postgresql://someone:secret@127.0.0.1:1/nothing")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("cannot connect to the study database postgresql://someone:***@127.0.0.1:1/nothing"), text)
            XCTAssertFalse(text.contains("secret"), text)
        }
        XCTAssertTrue(PostgresStorage.isURL("postgres://h/db") && PostgresStorage.isURL("postgresql://h/db") && !PostgresStorage.isURL("study.sqlite"))
    }
}
