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

    /// A trial whose worker went silent (killed on another host: its heartbeat stops) is
    /// failed after the grace period and, under `retries`, run again with the same point by
    /// the next worker that asks; the retry takes its place in the budget.
    func testASilentTrialIsFailedByItsHeartbeatAndRunAgain() throws {
        let url = try url()
        let lost = try Study(name: "silent", space: space, spec: spec, sampler: RandomSampler(), seed: 2, storage: try PostgresStorage(url: url))
        // (Beats long enough that a loaded machine's scheduling cannot outlast a grace period.)
        lost.heartbeat = 0.5
        lost.retries = 1
        let first = try XCTUnwrap(try lost.ask(within: 4))
        // Its worker "dies" here: no heartbeat, no tell. Another worker takes over.
        let other = try Study(name: "silent", space: space, spec: spec, sampler: RandomSampler(), seed: 2, storage: try PostgresStorage(url: url))
        other.heartbeat = 0.5
        other.retries = 1
        let before = try XCTUnwrap(try other.ask(within: 4))
        XCTAssertNil(before.retryOf, "a trial within its grace period is not lost")
        try other.tell(before.number, metrics: loss(before))
        Thread.sleep(forTimeInterval: 2.0)
        let retry = try XCTUnwrap(try other.ask(within: 4))
        XCTAssertEqual(retry.retryOf, first.number)
        XCTAssertEqual(retry.raw, first.raw, "the same parameters")
        try other.tell(retry.number, metrics: loss(retry))
        XCTAssertEqual(other.trials.first { $0.number == first.number }?.state, .failed)
        XCTAssertTrue(other.trials.first { $0.number == first.number }?.error?.contains("sent no heartbeat for 1.5 s") ?? false)
        // The lost worker comes back late: its result does not overwrite the verdict.
        try lost.tell(first.number, metrics: loss(first))
        XCTAssertEqual(lost.trials.first { $0.number == first.number }?.state, .failed)
        // A retry is not retried past `retries`: the budget of 4 gives 4 results.
        try other.optimize(budget: 4) { self.loss($0) }
        XCTAssertEqual(other.trials.count, 5)
        XCTAssertEqual(other.trials.filter { $0.state == .complete }.count, 4)
        XCTAssertEqual(other.budgetedCount, 4)
    }

    /// A running trial that keeps beating is never judged lost, however long it runs.
    func testABeatingTrialIsNotLost() throws {
        let url = try url()
        let study = try Study(name: "beating", space: space, spec: spec, sampler: RandomSampler(), seed: 2, storage: try PostgresStorage(url: url))
        // (Beats long enough that a loaded machine's scheduling cannot outlast the grace period:
        // a 0.1 s beat was judged lost once, in a CI run beside a profiler.)
        study.heartbeat = 0.5
        let watcher = try Study(name: "beating", space: space, spec: spec, sampler: RandomSampler(), seed: 2, storage: try PostgresStorage(url: url))
        watcher.heartbeat = 0.5
        try study.optimize(budget: 2) { t in
            Thread.sleep(forTimeInterval: 2.0)  // four beats, past the grace period of 1.5 s
            XCTAssertEqual(try watcher.recoverOrphans(retrying: false), [])
            return self.loss(t)
        }
        XCTAssertTrue(study.trials.allSatisfy { $0.state == .complete })
    }

    /// The session's code and settings go into the study for workers on other hosts.
    func testTheSessionIsStoredWithTheStudy() throws {
        let url = try url()
        let storage = try PostgresStorage(url: url)
        let study = try Study(name: "published", space: space, spec: spec, sampler: RandomSampler(), seed: 2, storage: storage)
        XCTAssertNil(try storage.session(study: study.id))
        XCTAssertEqual(try storage.studyID(named: "published"), study.id)
        XCTAssertNil(try storage.studyID(named: "nobody"))
        let session = StudySession(cells: #"{"cells":[{"name":"c1","text":"let x = 1 // é \ ' " ?"}]}"#, hash: "ab12", budget: 40, heartbeat: 2.5, retries: 3, host: "h1")
        try storage.publish(study: study.id, session)
        XCTAssertEqual(try PostgresStorage(url: url).session(study: study.id), session)
        try storage.setStopped(study: study.id, true)
        XCTAssertEqual(try storage.session(study: study.id)?.stopped, true)
        var again = session
        again.budget = 50
        try storage.publish(study: study.id, again)
        XCTAssertEqual(try storage.session(study: study.id), again, "a new run replaces it, running")
    }

    /// The server restarted under a study: statements and transactions wait for it and run
    /// again; no finished trial is lost.
    func testAStudyGoesOnAcrossAServerRestart() throws {
        let url = try url()
        let study = try Study(name: "restart", space: space, spec: spec, sampler: RandomSampler(), seed: 3, storage: try PostgresStorage(url: url))
        try study.optimize(budget: 5) { self.loss($0) }
        try Self.server?.restart()
        try study.optimize(budget: 10) { t in
            if t.number == 7 { try Self.server?.restart() }
            return self.loss(t)
        }
        let read = try Study(name: "restart", space: space, spec: spec, sampler: RandomSampler(), seed: 3, storage: try PostgresStorage(url: url))
        XCTAssertEqual(read.trials.map(\.number), Array(0..<10))
        XCTAssertTrue(read.trials.allSatisfy { $0.state == .complete }, "\(read.trials.map(\.state))")
    }

    /// A server that never comes back: the statement fails with a clear error after the
    /// reconnect window.
    func testAServerThatStaysDownIsAClearErrorAfterTheWindow() throws {
        let side = try PostgresServer()
        let storage = try PostgresStorage(url: side.url)
        storage.reconnectWindow = 1
        let study = try Study(name: "gone", space: space, spec: spec, sampler: RandomSampler(), seed: 3, storage: storage)
        side.stop()
        let start = Date()
        XCTAssertThrowsError(try study.ask(within: 3)) { error in
            XCTAssertTrue("\(error)".contains("lost the study database"), "\(error)")
            XCTAssertTrue("\(error)".contains("could not reach it again in 1 s"), "\(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 15)
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
