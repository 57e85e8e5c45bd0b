import Foundation

/// The heartbeat of the trial a worker is running: a thread of its own, on a connection of
/// its own, stamps the trial every `interval` seconds on the storage's clock, so that a
/// trial whose worker was killed, hung or cut off is found silent by any other worker
/// (`Study.ask`) after the study's grace period, however long the trial runs.
final class Heartbeat: @unchecked Sendable {
    private let storage: any StudyStorage
    private let study: Int64
    private let interval: Double
    private let condition = NSCondition()
    private var trial: Int?
    private var ended = false

    /// Starts the thread; it beats nothing until `begin`.
    init(storage: any StudyStorage, study: Int64, interval: Double) {
        self.storage = storage; self.study = study; self.interval = interval
        let thread = Thread { [self] in loop() }
        thread.name = "tessera-heartbeat"
        thread.start()
    }

    /// Beats for `number` from now on (the claim itself stamped the first beat).
    func begin(_ number: Int) { condition.withLock { trial = number } }

    /// Stops beating (the trial was told).
    func pause() { condition.withLock { trial = nil } }

    /// Ends the thread.
    func end() {
        condition.withLock { ended = true; condition.signal() }
    }

    private func loop() {
        while true {
            let (done, number): (Bool, Int?) = condition.withLock {
                _ = condition.wait(until: Date(timeIntervalSinceNow: interval))
                return (ended, trial)
            }
            if done { return }
            // A failed beat is not the trial's failure: the storage reconnects, and a trial
            // silent past the grace period is the study's to judge.
            if let number { try? storage.beat(study: study, trial: number) }
        }
    }
}
