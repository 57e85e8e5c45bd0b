import Foundation
import Synchronization
import TesseraDisplay
import TesseraScript

/// Shows a domain module's progress reports as one display updated in place (a live line
/// in the shell, update_display_data in Jupyter), at most ten times a second, and only
/// for work that lasts: nothing is shown before `delay` seconds have passed.
///
/// `finish` ends the display at its final state, also when the work stopped early, was
/// pruned, interrupted or failed, so no bar is left mid-way in a saved notebook. Work that
/// `leavesFinalLine` (a fit, a study) shows that final line even when it ended within the
/// delay, unless it ran inside other reported work (the fits of a study's trials).
final class ProgressReporter {
    private let interpreter: Interpreter
    private let task: String
    private let unit: String
    private let start = Date()
    private let delay: Double
    private let leavesFinalLine: Bool
    private let nested: Bool
    private var throttle = ProgressThrottle(interval: 0.1)
    private var shown = false
    private var ended = false
    private var last: (done: Double, total: Double?, metrics: [ProgressBar.Metric]) = (0, nil, [])
    private let id = "tessera-progress-\(UUID().uuidString.prefix(8))"

    /// How many reporters are running now (work inside other work is nested).
    private static let running = Mutex(0)

    init(_ interpreter: Interpreter, task: String, unit: String, delay: Double = 0.5, leavesFinalLine: Bool = false) {
        self.interpreter = interpreter
        self.task = task
        self.unit = unit
        self.delay = delay
        self.leavesFinalLine = leavesFinalLine
        nested = Self.running.withLock { n in defer { n += 1 }; return n > 0 }
    }

    deinit {
        if !ended { Self.running.withLock { $0 -= 1 } }
    }

    func report(done: Double, total: Double?, metrics: [ProgressBar.Metric] = [], finished: Bool = false) {
        guard !ended else { return }
        last = (done, total, metrics)
        let elapsed = Date().timeIntervalSince(start)
        if !shown && (elapsed < delay) { return }
        guard throttle.shouldShow(at: elapsed, finished: finished) else { return }
        show(ProgressBar(task: task, done: done, total: total, unit: unit, elapsed: elapsed, metrics: metrics, finished: finished))
    }

    /// Ends the display at the last reported state: `outcome` says why it ended before its
    /// total ("stopped early", "interrupted"); nil for work that ran to its end.
    func finish(_ outcome: String? = nil, done: Double? = nil, metrics: [ProgressBar.Metric]? = nil) {
        guard !ended else { return }
        ended = true
        Self.running.withLock { $0 -= 1 }
        guard shown || (leavesFinalLine && !nested) else { return }
        var bar = ProgressBar(task: task, done: done ?? last.done, total: last.total, unit: unit, elapsed: Date().timeIntervalSince(start),
                              metrics: metrics ?? last.metrics, finished: true)
        bar.outcome = outcome
        show(bar)
    }

    private func show(_ bar: ProgressBar) {
        try? interpreter.host.display(.object(RichValue(kind: "Progress", bundle: bar.bundle)), displayID: id, update: shown)
        shown = true
    }
}
