import Foundation

/// Long work in progress (training, tuning, reading a large file) as a front end shows it:
/// a bar, the count, the rate and the time left, and the latest metrics. Domain modules
/// report plain numbers; the prelude turns them into a ProgressBar and shows it in one
/// display updated in place (a live line in the shell, update_display_data in Jupyter).
public struct ProgressBar: Sendable, Equatable {
    /// What is being done: `epoch 2/5`, `reading fraud.csv`.
    public var task: String
    public var done: Double
    /// Nil when the amount of work is not known in advance.
    public var total: Double?
    /// What `done` counts: `samples`, `MB`, `trials`.
    public var unit: String
    /// Seconds since the work began.
    public var elapsed: Double
    /// Latest values worth watching, in order: `loss 0.231`, `val_auc 0.94`.
    public var metrics: [Metric]
    public var finished: Bool
    /// Why finished work ended before its total: `stopped early`, `pruned`, `interrupted`.
    public var outcome: String?

    public struct Metric: Sendable, Equatable {
        public var name: String
        public var value: Double
        public init(_ name: String, _ value: Double) { self.name = name; self.value = value }
    }

    public init(task: String, done: Double, total: Double?, unit: String, elapsed: Double,
                metrics: [Metric] = [], finished: Bool = false) {
        self.task = task
        self.done = done
        self.total = total
        self.unit = unit
        self.elapsed = elapsed
        self.metrics = metrics
        self.finished = finished
    }

    /// Units per second so far; nil before any time has passed.
    public var rate: Double? { elapsed > 0 && done > 0 ? done / elapsed : nil }

    /// Seconds left at the rate so far; nil without a total or a rate.
    public var eta: Double? {
        guard let total, let rate, rate > 0, !finished else { return nil }
        return max(0, (total - done) / rate)
    }

    public var fraction: Double? {
        guard let total, total > 0 else { return nil }
        return min(1, max(0, done / total))
    }

    /// One line: `reading data.csv ▕██████░░░░▏ 62% 620/1000 MB · 12.3 MB/s · ETA 0:04 · loss 0.231`.
    public var plainText: String { line(withBar: true) }

    /// The line, with or without its text bar (the HTML view draws its own).
    func line(withBar: Bool) -> String {
        var parts = [task]
        if let f = fraction {
            let width = 20
            let filled = Int((f * Double(width)).rounded(.down))
            if withBar { parts.append("▕" + String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled) + "▏") }
            // Rounded down, but not below a whole percent the division lands just under (58/100).
            parts.append("\(Int((f * 100 + 1e-9).rounded(.down)))%")
            parts.append("\(Self.number(done))/\(Self.number(total!)) \(unit)")
        } else {
            parts.append("\(Self.number(done)) \(unit)")
        }
        var tail: [String] = []
        if let r = rate { tail.append("\(Self.number(r)) \(unit)/s") }
        if finished, let outcome {
            tail.append("\(outcome) after \(Self.duration(elapsed))")
        } else if finished {
            tail.append("done in \(Self.duration(elapsed))")
        } else if let eta {
            tail.append("ETA \(Self.duration(eta))")
        }
        tail += metrics.map { "\($0.name) \(Self.metric($0.value))" }
        return ([parts.joined(separator: " ")] + tail).joined(separator: " · ")
    }

    /// The same as HTML: one `<progress>` bar (the text bar's block characters left out) and
    /// the line beside it. A bar without a total is indeterminate while running and full
    /// once finished.
    public var html: String {
        let value = fraction ?? (finished ? 1 : nil)
        let bar = value.map { "<progress value=\"\(String(format: "%.4f", $0))\" max=\"1\" style=\"width:12em;flex:none\"></progress>" }
            ?? "<progress style=\"width:12em;flex:none\"></progress>"
        return "<div class=\"tessera-progress\" style=\"display:flex;align-items:center;gap:0.6em;font-family:monospace\">"
            + bar + "<span>" + HTML.escape(line(withBar: false)) + "</span></div>"
    }

    public var bundle: MimeBundle {
        var b = MimeBundle(plain: plainText)
        b.set("text/html", html)
        return b
    }

    /// 1234567 → `1.23M`, 12345 → `12,345`, 12.345 → `12.3`, 0.5 → `0.5`.
    static func number(_ v: Double) -> String {
        let a = abs(v)
        if a >= 1e7 { return String(format: "%.2fM", v / 1e6) }
        if a >= 1000 {
            let i = Int(v.rounded())
            var digits = String(abs(i))
            var groups: [String] = []
            while digits.count > 3 { groups.insert(String(digits.suffix(3)), at: 0); digits.removeLast(3) }
            groups.insert(digits, at: 0)
            return (i < 0 ? "-" : "") + groups.joined(separator: ",")
        }
        if v == v.rounded() { return String(Int(v)) }
        return a >= 10 ? String(format: "%.1f", v) : String(format: "%.2f", v)
    }

    /// An amount of money: `$1,234`, `$12.35M`.
    public static func money(_ v: Double) -> String { (v < 0 ? "-$" : "$") + number(abs(v.rounded())) }

    static func metric(_ v: Double) -> String {
        guard v.isFinite else { return "\(v)" }
        return abs(v) >= 1000 || abs(v) < 0.001 && v != 0 ? String(format: "%.3g", v) : String(format: "%.4g", v)
    }

    /// 75 → `1:15`, 3725 → `1:02:05`.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        if seconds < 10 && seconds != seconds.rounded() { return String(format: "%.1fs", seconds) }
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}

/// Decides which progress reports are shown: the first, the last, and the others at most
/// `interval` seconds apart, so a fast loop does not flood the front end with updates.
public struct ProgressThrottle: Sendable {
    public let interval: Double
    private var lastShown: Double?

    public init(interval: Double = 0.1) { self.interval = interval }

    /// Whether to show a report made at `time` (seconds, any monotonic clock).
    public mutating func shouldShow(at time: Double, finished: Bool) -> Bool {
        if finished || lastShown == nil || time - lastShown! >= interval {
            lastShown = time
            return true
        }
        return false
    }
}
