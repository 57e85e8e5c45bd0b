import ArgumentParser
import Foundation
import TesseraMetrics
import TesseraTune
import TesseraPrelude

/// `tessera tune-bench`: the tuner on the standard test functions, seeds and budgets of
/// ../shared/bench/hpo_anchors.py, one JSON line per run, so bench/hpo.py can set its
/// regrets and suggestion times beside the anchors'.
struct TuneBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune-bench",
        abstract: "Run the tuner on the benchmark functions and print one JSON line per run.")

    @Option(name: .long, help: "Comma-separated functions (default: all six).")
    var functions: String = BenchmarkFunction.all.map(\.name).joined(separator: ",")

    @Option(name: .long, help: "Seeds, as first-last or a comma-separated list.")
    var seeds: String = "0-14"

    @Option(name: .long, help: "Method: bayes, random, sobol or grid.")
    var method: String = "bayes"

    func run() throws {
        let seedList: [UInt64] = seeds.contains("-")
            ? { let p = seeds.split(separator: "-").compactMap { UInt64($0) }; return Array(p[0]...p[1]) }()
            : seeds.split(separator: ",").compactMap { UInt64($0) }
        for name in functions.split(separator: ",").map(String.init) {
            guard let f = BenchmarkFunction.named(name) else { throw ValidationError("unknown function \(name)") }
            for seed in seedList {
                let spec = try MetricSpec(objectives: [.init("f", .minimize)])
                guard let kind = TuningMethods.sampler(method) else {
                    throw ValidationError("unknown method \(method); the methods are " + TuningMethods.samplers.map(\.name).joined(separator: ", "))
                }
                // As the anchors run: the sampler's own start, not one sized to the budget.
                let compiled = try f.space.compile()
                let sampler = try kind.make(compiled, TuningMethods.Options(budget: f.budget, startup: BayesSampler.startupTrials(dimensions: compiled.count)))
                let study = try Study(name: "\(name)-\(seed)", space: f.space, spec: spec, sampler: sampler, seed: seed, storage: MemoryStorage())
                var cpu: [Double] = []
                var best = Double.infinity
                let wall = Date()
                // budget + 1 suggestions: the last only times the suggestion at n = budget.
                for i in 0...f.budget {
                    let c0 = Self.cpuSeconds()
                    let trial = try study.ask()
                    cpu.append((Self.cpuSeconds() - c0) * 1000)
                    if i == f.budget { break }
                    let x = (0..<f.bounds.count).map { trial.raw[$0] }
                    let y = f.evaluate(x)
                    best = min(best, y)
                    try study.tell(trial.number, metrics: [("f", y)])
                }
                let regret = max(0, best - f.minimum)
                func at(_ n: Int) -> Double? { n < cpu.count ? cpu[n] : nil }
                let line: [String: Any] = ["method": "tessera_\(method)", "func": name, "seed": seed, "budget": f.budget, "regret": regret,
                                           "cpu_ms_last": cpu.last!, "cpu_ms_20": at(20) as Any, "cpu_ms_40": at(40) as Any, "cpu_ms_50": at(50) as Any,
                                           "cpu_ms_80": at(80) as Any, "wall": Date().timeIntervalSince(wall)]
                let data = try JSONSerialization.data(withJSONObject: line.filter { !($0.value is NSNull) && !(($0.value as Any?) == nil) }, options: [.sortedKeys])
                FileHandle.standardOutput.write(data + Data("\n".utf8))
            }
        }
    }

    static func cpuSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
}

/// `tessera worker`: joins a stored study and runs its trials: on any host with
/// `--storage URL --study NAME` (the session's code comes from the study), or as one of the
/// processes of `tune(parallel: n)` (the code comes through standard input).
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run trials of a stored study, on this host or any other.",
        discussion: """
            Takes the session's cells from the study (stored there by the session that runs tune(storage:, name:)), \
            replays them quietly, then asks the study for suggestions until its budget is taken and no trial runs. \
            A worker that starts before the study waits for it.

            Exit status: 0 when the study is done (or was stopped from its session), 1 when the storage or the \
            session cannot be read or a replayed cell failed, 2 when the replay never reached the study's tune call, \
            3 when the study runs other code than the worker's --session.
            """)

    @Option(name: .long, help: "The session's cells as JSON: a file, or - for standard input (how tune(parallel:) hands them over). Left out, the worker takes the code stored with the study.")
    var session: String?

    @Option(name: .long, help: "The study's PostgreSQL server (postgresql://user@host:5432/db), or its SQLite file.")
    var storage: String

    @Option(name: .long, help: "The study's name (tune's name:, \"study\" when left out there).")
    var study: String = "study"

    @Flag(name: .long, help: "Exit when the process that started this one exits (tune(parallel:) passes it).")
    var followParent = false

    func run() throws {
        if followParent {
            // A worker of tune(parallel:) must not outlive the session that started it (a
            // killed kernel): when its parent goes, it goes, and its running trial is marked.
            let parent = getppid()
            Thread.detachNewThread {
                while getppid() == parent { Thread.sleep(forTimeInterval: 0.2) }
                kill(getpid(), SIGKILL)
            }
        }
        let status = TuneWorker.run(session: session, storage: storage, study: study)
        if status != .done { throw ExitCode(status.rawValue) }
    }
}
