/// How missing values are filled: from the column's own values (in `clean`) or from the
/// training rows (in `Impute`).
public enum ImputeStrategy: String, Sendable, CaseIterable, Codable {
    case median, mean, mode, zero
}

/// What `frame.clean(...)` does; each step writes a line to the frame's `log`.
public struct CleanOptions: Sendable {
    public var dropDuplicates = true
    /// nil leaves missing values as they are.
    public var impute: ImputeStrategy?
    public var dropColumns: [String] = []
    /// Drop columns with a single value.
    public var dropConstant = false
    /// Read text columns that are mostly numbers as numbers (stray tokens become missing).
    public var fixMixedTypes = true
    /// Treat infinities and NaN stored as values as missing.
    public var nonFiniteAsMissing = true
    /// Drop rows whose target is missing.
    public var dropMissingTarget = true

    public init() {}
}

extension Frame {
    /// A cleaned copy, with a `log` line for every change: columns dropped, text columns
    /// read as numbers, non-finite values made missing, rows without a target, duplicate
    /// rows, values imputed. Imputing here uses this frame's own statistics; to keep test
    /// rows out of them, split first and use `Impute(...).fit(train)`.
    public func clean(_ o: CleanOptions = CleanOptions()) throws(DataError) -> Frame {
        var f = self
        var log = self.log
        if !o.dropColumns.isEmpty {
            f = try f.drop(o.dropColumns)
            log.append("dropped column\(o.dropColumns.count == 1 ? "" : "s") \(o.dropColumns.map { "'\($0)'" }.joined(separator: ", ")) (asked)")
        }
        if o.dropConstant {
            let constant = f.columns.filter { $0.name != f.target && $0.uniqueTexts.count <= 1 }.map(\.name)
            if !constant.isEmpty {
                f = try f.drop(constant)
                log.append("dropped constant column\(constant.count == 1 ? "" : "s") \(constant.map { "'\($0)'" }.joined(separator: ", "))")
            }
        }
        var columns = f.columns
        for (k, c) in columns.enumerated() {
            if o.fixMixedTypes, c.dtype == .string, let (numbers, count, strays) = Self.mostlyNumbers(c) {
                columns[k] = numbers
                log.append("read '\(c.name)' as numbers: \(count) text value\(count == 1 ? "" : "s") (\(strays.prefix(3).map { "'\($0)'" }.joined(separator: ", "))) became missing")
            }
            if o.nonFiniteAsMissing, case .float64(let v) = columns[k].storage {
                var mask = columns[k].missing ?? [Bool](repeating: false, count: v.count)
                var changed = 0
                for i in v.indices where !mask[i] && !v[i].isFinite { mask[i] = true; changed += 1 }
                if changed > 0 {
                    columns[k] = Column(name: columns[k].name, storage: columns[k].storage, missing: mask)
                    log.append("made \(changed) infinite or NaN value\(changed == 1 ? "" : "s") in '\(c.name)' missing")
                }
            }
        }
        f = try f.derived(columns: columns)
        if o.dropMissingTarget, let t = f.target, let target = try? f.column(t), target.missingCount > 0 {
            let before = f.rowCount
            f = f.filter { !target.isMissing($0) }
            log.append("dropped \(before - f.rowCount) row\(before - f.rowCount == 1 ? "" : "s") without a '\(t)'")
        }
        if o.dropDuplicates {
            let hashes = CheckContext.rowHashes(f.columns, rows: f.rowCount)
            var seen = Set<UInt64>()
            var keep: [Int] = []
            for (i, h) in hashes.enumerated() where seen.insert(h).inserted { keep.append(i) }
            if keep.count < f.rowCount {
                log.append("dropped \(f.rowCount - keep.count) duplicate row\(f.rowCount - keep.count == 1 ? "" : "s") (kept the first of each)")
                f = f.take(keep)
            }
        }
        if let strategy = o.impute {
            let fitted = try Impute(strategy).fit(f)
            for line in fitted.describeFills(f) { log.append(line) }
            f = try fitted.apply(f)
        }
        f.log = log
        return f
    }

    /// The column as float64 when at least 80% of its values are numbers, with the text
    /// values it could not read.
    static func mostlyNumbers(_ c: Column) -> (column: Column, strayCount: Int, strays: [String])? {
        guard case .string(let codes, let cats) = c.storage else { return nil }
        let parsed = cats.map { Number.double(Array($0.utf8)) }
        var numeric = 0, total = 0
        for code in codes where code >= 0 { total += 1; if parsed[Int(code)] != nil { numeric += 1 } }
        guard total > 0, Double(numeric) >= 0.8 * Double(total) else { return nil }
        var values = [Double](repeating: 0, count: codes.count)
        var missing = [Bool](repeating: false, count: codes.count)
        var strays: [String] = []
        var strayCount = 0
        for (i, code) in codes.enumerated() {
            if code < 0 { missing[i] = true; continue }
            if let v = parsed[Int(code)] { values[i] = v } else {
                missing[i] = true
                strayCount += 1
                if !strays.contains(cats[Int(code)]) { strays.append(cats[Int(code)]) }
            }
        }
        return (Column(name: c.name, storage: .float64(values), missing: missing), strayCount, strays)
    }
}
