import Foundation
import XCTest
import TesseraMetrics
@testable import TesseraTune

final class StudyTests: XCTestCase {
    let spec = try! MetricSpec(objectives: [.init("auc", .maximize)], stored: ["latency"])
    let space = Space.dict(keys: ["lr", "act"], values: [.logUniform(1e-4, 1e-1), .choice([.fixed(.symbol("relu")), .fixed(.symbol("gelu"))])])

    func temporaryFile() -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-study-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir.appendingPathComponent("study.sqlite").path
    }

    func objective(_ t: Trial) -> [(name: String, value: Double)] {
        [("auc", 1 - abs(log10(t.raw[0]) + 2) / 3 - (t.raw[1] == 1 ? 0.05 : 0)), ("latency", 3)]
    }

    /// Trials go to the file as they finish; a new Study on the same file continues the
    /// same study, with params, metrics, reports and states intact.
    func testSQLiteStudyPersistsAndResumes() throws {
        let path = temporaryFile()
        do {
            let study = try Study(name: "s", space: space, spec: spec, sampler: BayesSampler(), seed: 1, storage: try SQLiteStorage(path: path))
            try study.optimize(budget: 6) { t in
                _ = try study.report(t.number, step: 1, value: 0.5)
                if t.number == 2 { throw TuneError("boom") }
                return self.objective(t)
            }
        }
        let storage = try SQLiteStorage(path: path)
        let again = try Study(name: "s", space: space, spec: spec, sampler: BayesSampler(), seed: 1, storage: storage)
        XCTAssertEqual(again.trials.count, 6)
        XCTAssertEqual(again.trials[2].state, .failed)
        XCTAssertEqual(again.trials[2].error, "boom")
        XCTAssertEqual(again.trials[0].metric("latency"), 3)
        XCTAssertEqual(again.trials[0].reports, [.init(step: 1, value: 0.5)])
        XCTAssertEqual(again.trials[0].params, again.space.params(again.trials[0].raw))
        try again.optimize(budget: 10) { self.objective($0) }
        XCTAssertEqual(again.trials.count, 10, "the budget counts the trials of the first run")
        XCTAssertEqual(again.trials.map(\.number), Array(0..<10))
        // The file is in WAL mode.
        let mode = try String(contentsOfFile: path, encoding: .isoLatin1).prefix(100)
        XCTAssertTrue(mode.hasPrefix("SQLite format 3"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: path + "-wal"))
    }

    /// Stored points and metrics come back bit for bit (Foundation's JSON reader got the last
    /// bit of some numbers wrong), whatever a metric's name holds.
    func testStoredNumbersReadBackExactly() throws {
        var rng = SystemRandomNumberGenerator()
        let values = (0..<2000).map { _ in Double(bitPattern: UInt64.random(in: 0x3C00_0000_0000_0000...0x43F0_0000_0000_0000, using: &rng)) * (Bool.random() ? 1 : -1) }
        XCTAssertEqual(try StoredRows.decodeRaw(StoredRows.encodeRaw(values)).map(\.bitPattern), values.map(\.bitPattern))
        XCTAssertTrue(try StoredRows.decodeRaw("[1.5, null]")[1].isNaN)
        let metrics: [(name: String, value: Double)] = [("a,b", 2.6962826475968606), ("say \"hi\" [x]", .infinity), ("n", .nan), ("neg", -1e-300)]
        let back = try StoredRows.decodeMetrics(StoredRows.encodeMetrics(metrics))
        XCTAssertEqual(back.map(\.name), metrics.map(\.name))
        XCTAssertEqual(back[0].value.bitPattern, metrics[0].value.bitPattern)
        XCTAssertEqual(back[1].value, .infinity)
        XCTAssertTrue(back[2].value.isNaN)
        XCTAssertEqual(back[3].value, -1e-300)
        XCTAssertEqual(try StoredRows.decodeMetrics("[]").count, 0)
        for broken in ["", "[", "[[\"a\" 1]]", "[[\"a\",]]", "[[\"a\",1]", "[[\"a\",1]] x", "[[1,2]]"] {
            XCTAssertThrowsError(try StoredRows.decodeMetrics(broken), broken)
        }
        XCTAssertThrowsError(try StoredRows.decodeRaw("[\"x\", 1]")) { XCTAssertTrue("\($0)".contains("not a number"), "\($0)") }
        XCTAssertThrowsError(try StoredRows.decodeRaw("{\"a\": 1}")) { XCTAssertTrue("\($0)".contains("not a JSON array"), "\($0)") }
    }

    func testAStoredStudyRefusesAnotherSpace() throws {
        let path = temporaryFile()
        _ = try Study(name: "s", space: space, spec: spec, sampler: RandomSampler(), seed: 1, storage: try SQLiteStorage(path: path))
        let other = Space.dict(keys: ["lr"], values: [.uniform(0, 1)])
        XCTAssertThrowsError(try Study(name: "s", space: other, spec: spec, sampler: RandomSampler(), seed: 1, storage: try SQLiteStorage(path: path))) { error in
            XCTAssertTrue("\(error)".contains("stored with another space"), "\(error)")
        }
        XCTAssertNoThrow(try Study(name: "t", space: other, spec: spec, sampler: RandomSampler(), seed: 1, storage: try SQLiteStorage(path: path)))
    }

    func testAFileThatIsNotAStudyIsAClearError() throws {
        let path = temporaryFile()
        try Data("not a database at all, just text that goes on for a while".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try SQLiteStorage(path: path)) { XCTAssertTrue("\($0)".contains("not a study file"), "\($0)") }
        XCTAssertThrowsError(try SQLiteStorage(path: "/no/such/folder/s.sqlite")) { XCTAssertTrue("\($0)".contains("does not exist"), "\($0)") }
    }

    /// A trial left running by a process that is gone is marked failed when the study
    /// resumes; one this very process left running is failed once its heartbeat is silent
    /// past the grace period.
    func testOrphanedRunningTrialsAreMarkedOnResume() throws {
        let path = temporaryFile()
        let storage = try SQLiteStorage(path: path)
        let study = try Study(name: "s", space: space, spec: spec, sampler: RandomSampler(), seed: 1, storage: storage)
        let host = ProcessInfo.processInfo.hostName
        let own = try study.ask()
        let dead = try storage.insertTrial(study: study.id, Trial(number: 0, raw: study.space.raw(fromUnit: Array(repeating: 0.5, count: study.space.count)), params: .null), worker: "\(host):\(Int32.max - 1)")
        let again = try Study(name: "s", space: space, spec: spec, sampler: RandomSampler(), seed: 1, storage: try SQLiteStorage(path: path))
        again.heartbeat = 0.5   // (a grace period no loaded machine's scheduling outlasts)
        XCTAssertEqual(again.trials[own.number].state, .running)
        XCTAssertEqual(try again.recoverOrphans(), [dead], "the dead process's trial at once; this process's own while it may still beat")
        XCTAssertEqual(again.trials[dead].state, .failed)
        XCTAssertTrue(again.trials[dead].error!.contains("stopped before it finished"))
        Thread.sleep(forTimeInterval: 2.0)
        XCTAssertEqual(try again.recoverOrphans(), [own.number])
        XCTAssertTrue(again.trials[own.number].error!.contains("sent no heartbeat for 1.5 s"), again.trials[own.number].error!)
        XCTAssertTrue(Study.isAlive(worker: "\(ProcessInfo.processInfo.hostName):1", host: ProcessInfo.processInfo.hostName), "pid 1 lives")
        XCTAssertFalse(Study.isAlive(worker: "\(ProcessInfo.processInfo.hostName):\(Int32.max - 1)", host: ProcessInfo.processInfo.hostName))
    }

    func testMedianPrunerStopsTrialsBehindTheMedian() throws {
        let spec = try MetricSpec(objectives: [.init("loss", .minimize)])
        let study = try Study(name: "p", space: .dict(keys: ["x"], values: [.uniform(0, 1)]), spec: spec, sampler: RandomSampler(), seed: 1,
                              storage: MemoryStorage(), pruner: MedianPruner(startupTrials: 3))
        try study.optimize(budget: 20) { t in
            let x = t.raw[0]
            for step in 1...5 {
                let loss = x + 1 / Double(step)
                if try study.report(t.number, step: step, value: loss) { throw Study.Pruned(step: step, value: loss) }
            }
            return [("loss", x + 0.2)]
        }
        let pruned = study.trials.filter { $0.state == .pruned }
        XCTAssertFalse(pruned.isEmpty)
        XCTAssertTrue(study.trials.prefix(3).allSatisfy { $0.state == .complete }, "no pruning before three trials finish")
        // Pruned trials keep their last value, and are worse than the median of the finished.
        for t in pruned {
            XCTAssertEqual(t.metric("loss"), t.reports.last!.value)
            XCTAssertTrue(t.error!.hasPrefix("pruned at step"))
        }
        XCTAssertLessThan(study.best!.raw[0], 0.3)
    }

    func testSuccessiveHalvingKeepsTheTopThirdAtEachRung() {
        let asha = SuccessiveHalvingPruner(minResource: 1, reductionFactor: 3)
        func trial(_ n: Int, _ values: [Double]) -> Trial {
            Trial(number: n, raw: [0], params: .null, state: .complete, reports: values.enumerated().map { .init(step: $0.offset + 1, value: $0.element) })
        }
        let others = (0..<8).map { trial($0, [Double($0), Double($0), Double($0)]) }
        XCTAssertFalse(asha.shouldPrune(trial(9, [0.5]), step: 1, others: others, minimize: true))
        XCTAssertTrue(asha.shouldPrune(trial(9, [5]), step: 1, others: others, minimize: true))
        XCTAssertFalse(asha.shouldPrune(trial(9, [5, 5]), step: 2, others: others, minimize: true), "step 2 is not a rung")
        XCTAssertTrue(asha.shouldPrune(trial(9, [0.5, 0.5, 7]), step: 3, others: others, minimize: true))
        XCTAssertFalse(asha.shouldPrune(trial(9, [0.5, 0.5, 7]), step: 3, others: others, minimize: false))
    }

    /// f = x + 0.3·y + 0·z on the unit cube: main-effect variances 1/12, 0.09/12 and 0, so
    /// the shares are 1/1.09, 0.09/1.09 and 0.
    func testImportanceMatchesTheAnalyticShares() throws {
        let spec = try MetricSpec(objectives: [.init("f", .minimize)])
        let space = Space.dict(keys: ["x", "y", "z"], values: [.uniform(0, 1), .uniform(0, 1), .uniform(0, 1)])
        let study = try Study(name: "i", space: space, spec: spec, sampler: SobolSampler(), seed: 1, storage: MemoryStorage())
        try study.optimize(budget: 32) { t in [("f", t.raw[0] + 0.3 * t.raw[1])] }
        let shares = Dictionary(uniqueKeysWithValues: try Importance.mainEffects(study).map { ($0.name, $0.share) })
        XCTAssertEqual(shares["x"]!, 1 / 1.09, accuracy: 0.02)
        XCTAssertEqual(shares["y"]!, 0.09 / 1.09, accuracy: 0.02)
        XCTAssertEqual(shares["z"]!, 0, accuracy: 0.01)
    }
}
