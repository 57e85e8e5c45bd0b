/// Weighted counts of (true class, predicted class), classes in sorted order: the basis
/// of accuracy, precision, recall, F-scores and Matthews correlation.
public struct ConfusionMatrix: Sendable, Equatable {
    public let classes: [String]
    /// counts[true][predicted]
    public let counts: [[Double]]

    public init(_ yTrue: Labels, _ yPred: Labels, weights: [Double]? = nil, function: String = "confusion") throws(MetricError) {
        try Check.lengths(function, [("yTrue", yTrue.count), ("yPred", yPred.count)])
        if let t = yTrue.numbers { try Check.finite(function, "yTrue", t) }
        if let p = yPred.numbers { try Check.finite(function, "yPred", p) }
        let w = try Check.weights(function, weights, yTrue.count)
        let t = yTrue.keys, p = yPred.keys
        let all = Set(t).union(p)
        let classes: [String]
        if all.allSatisfy({ Double($0) != nil }) {
            classes = all.sorted { Double($0)! < Double($1)! }
        } else {
            classes = all.sorted()
        }
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        var c = [[Double]](repeating: [Double](repeating: 0, count: classes.count), count: classes.count)
        for i in t.indices { c[index[t[i]]!][index[p[i]]!] += w[i] }
        self.classes = classes
        self.counts = c
    }

    public var total: Double { counts.reduce(0) { $0 + $1.reduce(0, +) } }
    public var k: Int { classes.count }
    func row(_ i: Int) -> Double { counts[i].reduce(0, +) }
    func column(_ j: Int) -> Double { counts.reduce(0) { $0 + $1[j] } }
}
