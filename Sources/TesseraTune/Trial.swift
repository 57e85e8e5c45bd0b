import Foundation
import TesseraMetrics

/// One evaluation of the objective: its parameters, what it returned, how it ended.
public struct Trial: Sendable {
    public enum State: String, Sendable, CaseIterable {
        /// Being evaluated (or was, when its worker died: see `Study.resume`).
        case running
        case complete
        /// Stopped early by a pruner; `metrics` holds its last reported value.
        case pruned
        /// The objective threw, or returned NaN or no value for an objective.
        case failed
    }

    /// An intermediate value reported with `trial.report(step, value)`.
    public struct Report: Sendable, Equatable {
        public let step: Int
        public let value: Double
        public init(step: Int, value: Double) { self.step = step; self.value = value }
    }

    public let number: Int
    /// One value per dimension of the space; NaN where the chosen options leave it out.
    public var raw: [Double]
    public var params: ParamValue
    public var state: State
    /// Metric name → value, in the order the objective returned them.
    public var metrics: [(name: String, value: Double)]
    public var error: String?
    public var reports: [Report]
    public var started: Date
    public var finished: Date?
    /// Who ran it: "host:pid" (nil in memory).
    public var worker: String?
    /// The lost trial (its worker died or went silent) that this one runs again with the
    /// same parameters, under `tune(retries:)`.
    public var retryOf: Int?

    public init(number: Int, raw: [Double], params: ParamValue, state: State = .running, metrics: [(name: String, value: Double)] = [],
                error: String? = nil, reports: [Report] = [], started: Date = Date(), finished: Date? = nil,
                worker: String? = nil, retryOf: Int? = nil) {
        self.number = number; self.raw = raw; self.params = params; self.state = state; self.metrics = metrics
        self.error = error; self.reports = reports; self.started = started; self.finished = finished
        self.worker = worker; self.retryOf = retryOf
    }

    /// The host its worker ran on (the worker's name less its process id).
    public var host: String? {
        guard let worker, let colon = worker.lastIndex(of: ":") else { return worker }
        return String(worker[..<colon])
    }

    public func metric(_ name: String) -> Double? { metrics.first { $0.name == name }?.value }

    /// The objectives' values, when the trial completed (or was pruned with a value).
    public func objectives(_ spec: MetricSpec) -> [Double]? {
        guard state == .complete || state == .pruned else { return nil }
        let values = spec.objectives.compactMap { metric($0.name) }
        return values.count == spec.objectives.count && values.allSatisfy(\.isFinite) ? values : nil
    }

    /// The first objective's value.
    public func value(_ spec: MetricSpec) -> Double? { objectives(spec)?.first }

    /// Whether every constraint of the spec is met (true when there are none).
    public func isFeasible(_ spec: MetricSpec) -> Bool {
        spec.constraints.allSatisfy { c in metric(c.name).map { c.isMet(by: $0) } ?? false }
    }

    /// Seconds the evaluation took.
    public var duration: Double? { finished.map { $0.timeIntervalSince(started) } }
}
