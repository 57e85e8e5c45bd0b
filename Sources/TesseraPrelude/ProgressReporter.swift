import Foundation
import TesseraDisplay
import TesseraScript

/// Shows a domain module's progress reports as one display updated in place (a live line
/// in the shell, update_display_data in Jupyter), at most ten times a second, and only
/// for work that lasts: nothing is shown for work that ends within `delay` seconds.
final class ProgressReporter {
    private let interpreter: Interpreter
    private let task: String
    private let unit: String
    private let start = Date()
    private let delay: Double
    private var throttle = ProgressThrottle(interval: 0.1)
    private var shown = false
    private let id = "tessera-progress-\(UUID().uuidString.prefix(8))"

    init(_ interpreter: Interpreter, task: String, unit: String, delay: Double = 0.5) {
        self.interpreter = interpreter
        self.task = task
        self.unit = unit
        self.delay = delay
    }

    func report(done: Double, total: Double?, metrics: [ProgressBar.Metric] = [], finished: Bool = false) {
        let elapsed = Date().timeIntervalSince(start)
        if !shown && (elapsed < delay) { return }
        guard throttle.shouldShow(at: elapsed, finished: finished) else { return }
        let bar = ProgressBar(task: task, done: done, total: total, unit: unit, elapsed: elapsed, metrics: metrics, finished: finished)
        try? interpreter.host.display(.object(RichValue(kind: "Progress", bundle: bar.bundle)), displayID: id, update: shown)
        shown = true
    }
}
