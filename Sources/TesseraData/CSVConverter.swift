import Foundation
import TesseraTensor

extension CSVReader {
    /// The second stage of reading: turns a chunk's fields into typed columns. It runs on
    /// its own queue, so that while it converts one chunk the reader already splits the
    /// next one into fields (the two stages overlap on two cores).
    final class Converter: @unchecked Sendable {
        let options: CSVOptions
        let name: String
        let missingTokens: ColumnBuilder.MissingTokens
        var latin1 = false
        var names: [String] = []
        var builders: [ColumnBuilder] = []
        var report = ParseReport()
        var headerPending = true
        /// The file's size, to size the columns after the first chunk.
        var expectedBytes: Int?
        /// The first error a chunk raised; the reader rethrows it.
        var error: Error?
        /// Polled while a long header is named (an interrupt); thread-safe.
        var isCancelled: (() -> Bool)?

        init(options: CSVOptions, name: String) {
            self.options = options
            self.name = name
            missingTokens = ColumnBuilder.MissingTokens(options.naTokens)
        }

        func convert(_ block: Block, _ p: UnsafeBufferPointer<UInt8>, bytesInBlock: Int) throws {
            var header = 0
            if headerPending {
                guard block.rows > 0 else { return }
                headerPending = false
                let firstTexts = (0..<block.width).map { block.text(row: 0, column: $0, p, latin1: self.latin1) }
                let isHeader = options.header ?? Self.looksLikeHeader(firstTexts, block: block, p: p)
                report.hasHeader = isHeader
                if isHeader {
                    names = try Self.columnNames(firstTexts, report: &report, isCancelled: isCancelled)
                    header = 1
                } else {
                    names = (1...max(1, firstTexts.count)).map { "column\($0)" }
                }
                // Each column costs its builder and working arrays before any row: refuse a
                // header wider than memory can hold rather than be killed building it.
                try HostMemory.check(count: names.count, bytesEach: Self.bytesPerColumn, what: "the \(names.count) columns of '\(name)'")
                builders = names.map { ColumnBuilder(forced: options.types[$0]) }
                for t in options.types.keys where !names.contains(t) {
                    throw DataError("types: names a column '\(t)' that the file does not have", suggestion: DataError.closest(t, in: names).map { "did you mean '\($0)'?" })
                }
            }
            let width = names.count
            let first = header
            let n = block.rows - first
            guard n > 0 else { return }
            let latin1 = self.latin1
            let na = missingTokens
            // Size the columns once from the first chunk's bytes per row, so they do not
            // double (and briefly triple) their memory as they grow.
            var estimate = 0
            if let total = expectedBytes, bytesInBlock > 0, builders.first?.isEmpty ?? false {
                estimate = Int(Double(total) / Double(bytesInBlock) * Double(block.rows) * 1.02) + 16
            }
            let capacity = estimate, stride = block.capacity
            var reports = [ParseReport](repeating: ParseReport(), count: width)
            var updated = builders
            builders = []  // one owner, so the columns grow in place instead of being copied
            // Columns convert independently: spread them over the cores. Each iteration
            // touches only its own builder and report.
            updated.withUnsafeMutableBufferPointer { bs in
            reports.withUnsafeMutableBufferPointer { rs in
            block.starts.withUnsafeBufferPointer { cs in
            block.lengths.withUnsafeBufferPointer { cl in
            block.flags.withUnsafeBufferPointer { cf in
            block.lines.withUnsafeBufferPointer { ln in
                let shared = Shared(builders: bs.baseAddress!, reports: rs.baseAddress!, bytes: p,
                                    starts: cs, lengths: cl, flags: cf, lines: UnsafeBufferPointer(rebasing: ln[first...]))
                DispatchQueue.concurrentPerform(iterations: width) { c in
                    let range = (c * stride + first)..<(c * stride + first + n)
                    shared.builders[c].append(starts: UnsafeBufferPointer(rebasing: shared.starts[range]),
                                              lengths: UnsafeBufferPointer(rebasing: shared.lengths[range]),
                                              flags: UnsafeBufferPointer(rebasing: shared.flags[range]),
                                              lines: shared.lines, bytes: shared.bytes, latin1: latin1, na: na,
                                              capacity: capacity, report: &shared.reports[c])
                }
            }}}}}}
            builders = updated
            for r in reports where !r.isClean { report.merge(r) }
        }

        /// About what one column takes before its values (its builder, report and arrays).
        static let bytesPerColumn = 2048

        /// Whether a first row names columns: not when it is all numbers; yes when some
        /// column is numeric below it but text in it; otherwise (text everywhere) yes
        /// unless a numeric column below also starts with a number (then it is data).
        static func looksLikeHeader(_ first: [String], block: Block, p: UnsafeBufferPointer<UInt8>) -> Bool {
            let firstNumeric = first.map { Number.double(Array($0.utf8)) != nil }
            if firstNumeric.allSatisfy({ $0 }) { return false }
            // Which columns are numeric in the next rows of the chunk.
            var belowNumeric = [Bool](repeating: true, count: first.count)
            var seen = [Bool](repeating: false, count: first.count)
            for r in 1..<Swift.min(block.rows, 21) {
                for c in 0..<first.count {
                    let k = c * block.capacity + r
                    let s = Int(block.starts[k]), length = Int(block.lengths[k])
                    guard length > 0 else { continue }
                    seen[c] = true
                    if Number.double(p.baseAddress! + s, length) == nil { belowNumeric[c] = false }
                }
            }
            for c in first.indices where seen[c] && belowNumeric[c] && !firstNumeric[c] && !first[c].isEmpty { return true }
            for c in first.indices where seen[c] && belowNumeric[c] && firstNumeric[c] { return false }
            return true
        }

        /// The header's names, made unique as pandas does (`a`, `a.1`, `a.2`) in linear time:
        /// a set of the names taken and, per name, the next suffix to try.
        static func columnNames(_ raw: [String], report: inout ParseReport, isCancelled: (() -> Bool)? = nil) throws -> [String] {
            var taken = Set<String>(minimumCapacity: raw.count)
            var nextSuffix: [String: Int] = [:]
            var names: [String] = []
            names.reserveCapacity(raw.count)
            for (i, r) in raw.enumerated() {
                if i & 4095 == 4095, isCancelled?() == true { throw CSVReader.Cancelled() }
                var n = r.trimmingCharacters(in: .whitespaces)
                if n.isEmpty {
                    n = "column\(i + 1)"
                    report.add(1, .renamedColumn, "column \(i + 1) has no name; it is called '\(n)'")
                }
                if taken.contains(n) {
                    var k = nextSuffix[n] ?? 1
                    var candidate = "\(n).\(k)"
                    while taken.contains(candidate) { k += 1; candidate = "\(n).\(k)" }
                    nextSuffix[n] = k + 1
                    report.add(1, .renamedColumn, "two columns are named '\(n)'; the later one is called '\(candidate)'")
                    n = candidate
                }
                taken.insert(n)
                names.append(n)
            }
            return names
        }    }
}
