/// What the tuner optimises and watches: one or two objectives, up to four constraints,
/// and up to fifty metrics stored with each trial.
public struct MetricSpec: Sendable, Equatable {
    public enum Direction: String, Sendable { case maximize, minimize }

    public struct Objective: Sendable, Equatable {
        public let name: String
        public let direction: Direction
        public init(_ name: String, _ direction: Direction) { self.name = name; self.direction = direction }
    }

    public struct Constraint: Sendable, Equatable {
        public let name: String
        public let atLeast: Double?
        public let atMost: Double?

        public init(_ name: String, atLeast: Double? = nil, atMost: Double? = nil) throws(MetricError) {
            guard atLeast != nil || atMost != nil else {
                throw MetricError("Constraint(\"\(name)\"): give atLeast: or atMost: (or both)")
            }
            if let lo = atLeast, let hi = atMost, lo > hi {
                throw MetricError("Constraint(\"\(name)\"): atLeast \(lo) is above atMost \(hi); no value can meet it")
            }
            self.name = name; self.atLeast = atLeast; self.atMost = atMost
        }

        public func isMet(by value: Double) -> Bool { (atLeast.map { value >= $0 } ?? true) && (atMost.map { value <= $0 } ?? true) }
    }

    public let objectives: [Objective]
    public let constraints: [Constraint]
    public let stored: [String]

    public static let maxObjectives = 2, maxConstraints = 4, maxStored = 50

    public init(objectives: [Objective], constraints: [Constraint] = [], stored: [String] = []) throws(MetricError) {
        guard !objectives.isEmpty else { throw MetricError("a study needs an objective: Objective(\"auc\", .maximize)") }
        guard objectives.count <= Self.maxObjectives else {
            throw MetricError("\(objectives.count) objectives: a study optimises one or two (a Pareto front); make the others Constraint(...) or Stored(...)")
        }
        guard constraints.count <= Self.maxConstraints else {
            throw MetricError("\(constraints.count) constraints: a study takes at most \(Self.maxConstraints); keep the ones that decide, store the rest with Stored(...)")
        }
        guard stored.count <= Self.maxStored else { throw MetricError("\(stored.count) stored metrics: a study keeps at most \(Self.maxStored)") }
        let names = objectives.map(\.name) + constraints.map(\.name) + stored
        if let dup = Dictionary(grouping: names, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            throw MetricError("the metric '\(dup)' is named twice in the study's spec")
        }
        self.objectives = objectives; self.constraints = constraints; self.stored = stored
    }
}
