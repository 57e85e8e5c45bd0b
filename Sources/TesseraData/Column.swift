/// One column of a Frame: a name, typed values, and which of them are missing.
///
/// Strings are stored as categorical codes into a dictionary of distinct values, which
/// keeps a million-row text column small and makes grouping and one-hot encoding cheap.
/// A missing value has its flag set in `missing`; the value stored under it is a
/// placeholder (0, false, code -1) that no computation should read.
public struct Column: Sendable, Equatable {
    public enum DType: String, Sendable, CaseIterable, Codable {
        case float64, int64, bool, string
    }

    public enum Storage: Sendable, Equatable {
        case float64([Double])
        case int64([Int64])
        case bool([Bool])
        /// Codes into `categories`; -1 where missing.
        case string(codes: [Int32], categories: [String])
    }

    public var name: String
    public var storage: Storage
    /// True where the value is missing; nil when none is.
    public var missing: [Bool]?

    public init(name: String, storage: Storage, missing: [Bool]? = nil) {
        self.name = name
        self.storage = storage
        self.missing = missing.flatMap { $0.contains(true) ? $0 : nil }
        precondition(self.missing == nil || self.missing!.count == count, "missing mask length differs from the column's")
    }

    public init(_ name: String, doubles: [Double?]) {
        self.init(name: name, storage: .float64(doubles.map { $0 ?? 0 }), missing: doubles.map { $0 == nil })
    }

    public init(_ name: String, ints: [Int64?]) {
        self.init(name: name, storage: .int64(ints.map { $0 ?? 0 }), missing: ints.map { $0 == nil })
    }

    public init(_ name: String, bools: [Bool?]) {
        self.init(name: name, storage: .bool(bools.map { $0 ?? false }), missing: bools.map { $0 == nil })
    }

    public init(_ name: String, strings: [String?]) {
        var index: [String: Int32] = [:]
        var categories: [String] = []
        var codes: [Int32] = []
        codes.reserveCapacity(strings.count)
        for s in strings {
            guard let s else { codes.append(-1); continue }
            if let c = index[s] { codes.append(c) } else {
                let c = Int32(categories.count)
                index[s] = c
                categories.append(s)
                codes.append(c)
            }
        }
        self.init(name: name, storage: .string(codes: codes, categories: categories), missing: strings.map { $0 == nil })
    }

    public var dtype: DType {
        switch storage {
        case .float64: return .float64
        case .int64: return .int64
        case .bool: return .bool
        case .string: return .string
        }
    }

    public var count: Int {
        switch storage {
        case .float64(let v): return v.count
        case .int64(let v): return v.count
        case .bool(let v): return v.count
        case .string(let c, _): return c.count
        }
    }

    public var isNumeric: Bool { dtype == .float64 || dtype == .int64 || dtype == .bool }

    public func isMissing(_ i: Int) -> Bool { missing?[i] ?? false }

    public var missingCount: Int { missing?.reduce(0) { $0 + ($1 ? 1 : 0) } ?? 0 }

    /// The value at row `i` as a Double (numbers and bools; nil for strings or missing).
    public func double(at i: Int) -> Double? {
        if isMissing(i) { return nil }
        switch storage {
        case .float64(let v): return v[i]
        case .int64(let v): return Double(v[i])
        case .bool(let v): return v[i] ? 1 : 0
        case .string: return nil
        }
    }

    /// The value at row `i` as text (nil when missing): what a table shows.
    public func text(at i: Int) -> String? {
        if isMissing(i) { return nil }
        switch storage {
        case .float64(let v): return Self.format(v[i])
        case .int64(let v): return String(v[i])
        case .bool(let v): return v[i] ? "true" : "false"
        case .string(let c, let cats): return c[i] >= 0 ? cats[Int(c[i])] : nil
        }
    }

    /// The value at row `i`, typed.
    public func value(at i: Int) -> CellValue {
        if isMissing(i) { return .missing }
        switch storage {
        case .float64(let v): return .double(v[i])
        case .int64(let v): return .int(v[i])
        case .bool(let v): return .bool(v[i])
        case .string(let c, let cats): return c[i] >= 0 ? .string(cats[Int(c[i])]) : .missing
        }
    }

    /// Numbers as a Double never prints a float as an integer: 3.0 stays `3.0`.
    static func format(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d > 0 ? "inf" : "-inf" }
        return "\(d)"
    }

    /// The non-missing numeric values (empty for strings).
    public var numericValues: [Double] {
        var out: [Double] = []
        out.reserveCapacity(count)
        for i in 0..<count { if let d = double(at: i) { out.append(d) } }
        return out
    }

    /// The rows at `indices`, in that order.
    public func take(_ indices: [Int]) -> Column {
        let m = missing.map { mask in indices.map { mask[$0] } }
        switch storage {
        case .float64(let v): return Column(name: name, storage: .float64(indices.map { v[$0] }), missing: m)
        case .int64(let v): return Column(name: name, storage: .int64(indices.map { v[$0] }), missing: m)
        case .bool(let v): return Column(name: name, storage: .bool(indices.map { v[$0] }), missing: m)
        case .string(let c, let cats): return Column(name: name, storage: .string(codes: indices.map { c[$0] }, categories: cats), missing: m)
        }
    }

    /// Distinct non-missing values, in order of first appearance.
    public var uniqueTexts: [String] {
        if case .string(let codes, let cats) = storage {
            var seen = [Bool](repeating: false, count: cats.count)
            var out: [String] = []
            for c in codes where c >= 0 && !seen[Int(c)] { seen[Int(c)] = true; out.append(cats[Int(c)]) }
            return out
        }
        var seen = Set<String>()
        var out: [String] = []
        for i in 0..<count { if let t = text(at: i), seen.insert(t).inserted { out.append(t) } }
        return out
    }
}

/// One cell, typed.
public enum CellValue: Sendable, Equatable, Hashable {
    case missing
    case double(Double)
    case int(Int64)
    case bool(Bool)
    case string(String)

    public var asDouble: Double? {
        switch self {
        case .double(let d): return d
        case .int(let i): return Double(i)
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }
}
