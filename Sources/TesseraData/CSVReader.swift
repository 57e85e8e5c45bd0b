import Foundation

/// How to read a CSV file; every field has a sensible default (sniffed or pandas').
public struct CSVOptions: Sendable {
    /// The field separator; nil sniffs it from the first lines (`,` `;` tab `|`).
    public var delimiter: UInt8?
    /// Whether the first row names the columns; nil decides from the data.
    public var header: Bool?
    /// Fields that mean "missing" (pandas' defaults unless replaced).
    public var naTokens: Set<String> = CSVOptions.pandasNA
    /// Per-column types that override inference.
    public var types: [String: Column.DType] = [:]
    /// Turn every bad line into an error instead of a report entry.
    public var strict = false
    /// The column to predict, kept on the frame.
    public var target: String?
    /// Bytes read and parsed at a time: memory stays bounded by this, not the file size.
    public var chunkBytes = 8 << 20

    public init() {}

    /// pandas.read_csv's default NA values.
    public static let pandasNA: Set<String> = [
        "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
        "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
    ]
}

/// Reads CSV text into a Frame: RFC 4180 quoting (delimiters, quotes and newlines inside
/// quoted fields), delimiter sniffing, header detection, NA tokens, type inference per
/// column (int64, float64, bool, string) with overrides, UTF-8 with or without a BOM and
/// Latin-1 when the file is not UTF-8.
///
/// The file streams through in chunks: memory holds one chunk and the columns built so
/// far. Bad lines are recorded in the frame's ParseReport with their line numbers
/// (short rows padded with missing values, long rows and an unterminated final quote
/// dropped, undecodable bytes read as Latin-1) unless `strict` makes them an error.
/// Between chunks the reader reports progress and checks for cancellation.
public enum CSVReader {
    /// Thrown when `isCancelled` says stop (an interrupt between chunks).
    public struct Cancelled: Error {}

    public static func read(path: String, options: CSVOptions = CSVOptions(),
                            progress: ((_ bytesDone: Int, _ bytesTotal: Int) -> Void)? = nil,
                            isCancelled: (() -> Bool)? = nil) throws -> Frame {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataError("cannot read '\(path)': no such file", suggestion: "check the path (relative paths start at \(FileManager.default.currentDirectoryPath))", isIO: true)
        }
        guard !isDirectory.boolValue else { throw DataError("cannot read '\(path)': it is a folder, not a CSV file", isIO: true) }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw DataError("cannot read '\(path)': permission denied or not readable", isIO: true)
        }
        defer { try? handle.close() }
        let total = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        var parser = Parser(options: options, name: path)
        parser.expectedBytes = total
        var done = 0
        var chunk = [UInt8](repeating: 0, count: options.chunkBytes)
        let fd = handle.fileDescriptor
        while true {
            if isCancelled?() == true { throw Cancelled() }
            let n = chunk.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw DataError("cannot read '\(path)': \(String(cString: strerror(errno)))", isIO: true)
            }
            if n == 0 { break }
            done += n
            try chunk.withUnsafeBufferPointer { try parser.feed(UnsafeBufferPointer(rebasing: $0[0..<n])) }
            progress?(done, total)
        }
        return try parser.finish()
    }

    /// Reads CSV from memory (tests, generated data).
    public static func read(text: String, name: String = "<text>", options: CSVOptions = CSVOptions()) throws -> Frame {
        var parser = Parser(options: options, name: name)
        var bytes = Array(text.utf8)
        try bytes.withUnsafeMutableBufferPointer { try parser.feed(UnsafeBufferPointer($0)) }
        return try parser.finish()
    }

    static func read(bytes: [UInt8], name: String = "<bytes>", options: CSVOptions = CSVOptions()) throws -> Frame {
        var parser = Parser(options: options, name: name)
        try bytes.withUnsafeBufferPointer { try parser.feed($0) }
        return try parser.finish()
    }

    // MARK: The streaming parser

    struct Parser {
        let options: CSVOptions
        let name: String
        /// Bytes of an unfinished record carried to the next chunk.
        var carry: [UInt8] = []
        var started = false
        var latin1 = false
        var delimiter: UInt8 = UInt8(ascii: ",")
        var names: [String] = []
        var builders: [ColumnBuilder] = []
        var report = ParseReport()
        /// Line number (1-based) of the next record's first line.
        var line = 1
        var headerPending = true
        let naBytes: [[UInt8]]
        /// Fields per byte in the last chunk, to size the next chunk's arrays.
        var fieldsPerByte: Double?
        var spareBlock: Block?
        var columnar = Columnar()
        /// The file's size, to size the columns after the first chunk.
        var expectedBytes: Int?

        init(options: CSVOptions, name: String) {
            self.options = options
            self.name = name
            naBytes = options.naTokens.map { Array($0.utf8) }
        }

        mutating func feed(_ chunk: UnsafeBufferPointer<UInt8>) throws {
            var bytes = carry
            bytes.append(contentsOf: chunk)
            carry = []
            if !started {
                try start(&bytes)
                if bytes.isEmpty { return }
            }
            // Parse the complete records; an unfinished last one waits for the next chunk.
            let consumed = try parse(bytes, final: false)
            carry = consumed < bytes.count ? Array(bytes[consumed...]) : []
        }

        mutating func finish() throws -> Frame {
            if !started {
                throw DataError("'\(name)' is empty: no header and no rows", suggestion: "check that the file was written completely")
            }
            if !carry.isEmpty {
                let bytes = carry
                carry = []
                _ = try parse(bytes, final: true)
            }
            if headerPending {
                throw DataError("'\(name)' has no rows: it holds only whitespace")
            }
            if options.strict, let first = report.dataIssues.first {
                throw DataError("'\(name)' has \(report.dataIssueCount) bad line\(report.dataIssueCount == 1 ? "" : "s"), first \(first)",
                                suggestion: "fix the file, or read it without strict: true to keep the good rows and see the report")
            }
            var columns: [Column] = []
            for (i, b) in builders.enumerated() { columns.append(b.column(named: names[i], report: &report)) }
            report.rowsRead = columns.first?.count ?? 0
            return try Frame(columns: columns, target: options.target, parseReport: report)
        }

        /// The first chunk: refuse binary files, drop a BOM, choose the encoding and the delimiter.
        mutating func start(_ bytes: inout [UInt8]) throws {
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) && bytes.count < 4096 {
                // Whitespace so far: wait for more (or finish() reports an empty file).
                carry = bytes
                bytes = []
                return
            }
            started = true
            if let nul = bytes.prefix(8192).firstIndex(of: 0) {
                throw DataError("'\(name)' looks like a binary file (a NUL byte at offset \(nul)), not CSV text",
                                suggestion: "for image sets use the IDX reader (dataset(\"fashion_mnist\"))")
            }
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
                bytes.removeFirst(3)
                report.encoding = "utf-8 (BOM)"
            }
            // A file with bytes that are not UTF-8 and few or no UTF-8 characters is
            // Latin-1; a UTF-8 file with a few broken lines stays UTF-8, and those lines'
            // fields are read as Latin-1 and reported.
            let (valid, invalid) = Self.utf8Census(bytes)
            if invalid > 0 && valid < invalid {
                latin1 = true
                report.encoding = "latin-1"
                report.add(0, .encoding, "the file is not UTF-8; it was read as Latin-1 (ISO 8859-1)")
            }
            delimiter = options.delimiter ?? Self.sniffDelimiter(bytes)
            report.delimiter = String(UnicodeScalar(delimiter))
        }

        /// Valid multi-byte UTF-8 sequences and invalid bytes in `bytes` (a sequence cut
        /// off by the end of the chunk counts as neither).
        static func utf8Census(_ bytes: [UInt8]) -> (valid: Int, invalid: Int) {
            var valid = 0, invalid = 0, i = 0
            let n = bytes.count
            while i < n {
                let b = bytes[i]
                if b < 0x80 { i += 1; continue }
                let length = b >= 0xF0 && b < 0xF5 ? 4 : b >= 0xE0 ? 3 : b >= 0xC2 && b < 0xE0 ? 2 : 0
                if length == 0 { invalid += 1; i += 1; continue }
                if i + length > n { break }
                if (1..<length).allSatisfy({ bytes[i + $0] & 0xC0 == 0x80 }) { valid += 1; i += length } else { invalid += 1; i += 1 }
            }
            return (valid, invalid)
        }

        /// The candidate that splits the first lines into the same number of fields most
        /// consistently (more than one field), as Python's csv.Sniffer reasons.
        static func sniffDelimiter(_ bytes: [UInt8]) -> UInt8 {
            let candidates: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: ";"), 0x09, UInt8(ascii: "|")]
            var counts = [[Int]](repeating: [], count: candidates.count)
            var current = [Int](repeating: 0, count: candidates.count)
            var inQuotes = false
            var lines = 0
            for b in bytes.prefix(65536) {
                if b == 0x22 { inQuotes.toggle(); continue }
                if inQuotes { continue }
                if b == 0x0A {
                    for k in candidates.indices { counts[k].append(current[k]); current[k] = 0 }
                    lines += 1
                    if lines == 50 { break }
                } else if let k = candidates.firstIndex(of: b) {
                    current[k] += 1
                }
            }
            if lines < 50 { for k in candidates.indices where current[k] > 0 { counts[k].append(current[k]) } }
            var best = candidates[0]
            var bestScore = 0.0
            for (k, c) in counts.enumerated() {
                guard let mode = Dictionary(grouping: c, by: { $0 }).max(by: { $0.value.count < $1.value.count })?.key, mode > 0 else { continue }
                let consistency = Double(c.filter { $0 == mode }.count) / Double(max(1, c.count))
                let score = consistency * 100 + Double(min(mode, 50))
                if score > bestScore { bestScore = score; best = candidates[k] }
            }
            return best
        }

        /// Splits the bytes into records and fields and converts them per column; returns
        /// how many bytes it consumed. Unless `final`, a record cut off by the end of the
        /// chunk is left unconsumed (it is carried to the next chunk).
        mutating func parse(_ bytes: [UInt8], final: Bool) throws -> Int {
            // The field arrays are reused from chunk to chunk: fresh ones would be new
            // pages for the kernel to zero every time.
            var block = spareBlock ?? Block()
            spareBlock = nil
            block.removeAll()
            block.reserve(fields: fieldsPerByte.map { Int(Double(bytes.count) * $0 * 1.1) } ?? 0)
            defer { spareBlock = block }
            let delimiter = self.delimiter
            var line = self.line
            var unterminated = false
            var consumed = 0
            bytes.withUnsafeBufferPointer { p in
                let end = p.count
                var i = 0
                records: while i < end {
                    // Skip blank lines between records.
                    if p[i] == 0x0A { line += 1; i += 1; consumed = i; continue }
                    if p[i] == 0x0D && i + 1 < end && p[i + 1] == 0x0A { line += 1; i += 2; consumed = i; continue }
                    let recordLine = line
                    let firstField = block.starts.count
                    var fieldCount = 0
                    while true {
                        if p[i] == 0x22 {
                            // A quoted field: up to the closing quote; "" is a literal quote.
                            i += 1
                            let s = i
                            var escaped = false
                            var closed = false
                            while i < end {
                                let b = p[i]
                                if b == 0x22 {
                                    if i + 1 < end && p[i + 1] == 0x22 { escaped = true; i += 2; continue }
                                    if i + 1 == end && !final { break }  // "" may continue in the next chunk
                                    closed = true
                                    break
                                }
                                if b == 0x0A { line += 1 }
                                i += 1
                            }
                            if !closed {
                                if !final { block.truncate(to: firstField); line = recordLine; break records }
                                block.append(s, i, escaped ? 2 : 1)
                                unterminated = true
                                fieldCount += 1
                                block.records.append(Record(firstField: Int32(firstField), fieldCount: Int32(fieldCount), line: Int32(recordLine)))
                                consumed = end
                                break records
                            }
                            block.append(s, i, escaped ? 2 : 1)
                            i += 1
                            // Text after the closing quote up to the delimiter is dropped (as pandas does).
                            while i < end && p[i] != delimiter && p[i] != 0x0A { i += 1 }
                        } else {
                            let s = i
                            while i < end {
                                let b = p[i]
                                if b == delimiter || b == 0x0A { break }
                                i += 1
                            }
                            var e = i
                            if e > s && p[e - 1] == 0x0D { e -= 1 }
                            block.append(s, e, 0)
                        }
                        fieldCount += 1
                        if i >= end {
                            // The chunk ended inside this record: wait for the rest unless this is the end.
                            if !final { block.truncate(to: firstField); line = recordLine; break records }
                            break
                        }
                        if p[i] == delimiter {
                            i += 1
                            if i >= end {
                                if !final { block.truncate(to: firstField); line = recordLine; break records }
                                block.append(i, i, 0)
                                fieldCount += 1
                                break
                            }
                        } else {
                            i += 1  // the newline
                            line += 1
                            break
                        }
                    }
                    block.records.append(Record(firstField: Int32(firstField), fieldCount: Int32(fieldCount), line: Int32(recordLine)))
                    consumed = i
                }
            }
            self.line = line
            if unterminated, let last = block.records.popLast() {
                report.add(Int(last.line), .unterminatedQuote, "a quoted field opened here is never closed; the rest of the file (from this line) was dropped")
                block.truncate(to: Int(last.firstField))
            }
            if consumed > 0 && !block.starts.isEmpty { fieldsPerByte = Double(block.starts.count) / Double(consumed) }
            try bytes.withUnsafeBufferPointer { p in try convert(block, p, bytesInBlock: consumed) }
            return consumed
        }

        mutating func convert(_ block: Block, _ p: UnsafeBufferPointer<UInt8>, bytesInBlock: Int) throws {
            var records = block.records[...]
            if headerPending {
                guard let first = records.first else { return }
                headerPending = false
                let firstTexts = (0..<Int(first.fieldCount)).map { block.text(Int(first.firstField) + $0, p, latin1: self.latin1) }
                let isHeader = options.header ?? Self.looksLikeHeader(firstTexts, block: block, p: p, delimiterCount: Int(first.fieldCount))
                report.hasHeader = isHeader
                if isHeader {
                    names = Self.columnNames(firstTexts, report: &report)
                    records = records.dropFirst()
                } else {
                    names = (1...max(1, firstTexts.count)).map { "column\($0)" }
                }
                builders = names.map { ColumnBuilder(forced: options.types[$0]) }
                for t in options.types.keys where !names.contains(t) {
                    throw DataError("types: names a column '\(t)' that the file does not have", suggestion: DataError.closest(t, in: names).map { "did you mean '\($0)'?" })
                }
            }
            let width = names.count
            // Lay the block out column by column, padding short rows and dropping long ones.
            var kept: [Record] = []
            kept.reserveCapacity(records.count)
            for r in records {
                let n = Int(r.fieldCount)
                if n == width { kept.append(r); continue }
                if n == 1 && block.ends[Int(r.firstField)] == block.starts[Int(r.firstField)] { continue }  // an empty line
                if n < width {
                    report.add(Int(r.line), .shortRow, "\(n) field\(n == 1 ? "" : "s") where the header has \(width); the missing ones are empty")
                    kept.append(r)
                } else {
                    report.add(Int(r.line), .longRow, "\(n) fields where the header has \(width); the row was skipped")
                }
            }
            let latin1 = self.latin1
            let na = naBytes
            // Size the columns once from the first chunk's bytes per row, so they do not
            // double (and briefly triple) their memory as they grow.
            var estimate = 0
            if let total = expectedBytes, bytesInBlock > 0, !kept.isEmpty, builders.first?.isEmpty ?? false {
                estimate = Int(Double(total) / Double(bytesInBlock) * Double(kept.count) * 1.02) + 16
            }
            let capacity = estimate
            // Transpose the fields into one contiguous run per column (absent fields of short
            // rows have length -1): each column's conversion then reads memory in order
            // instead of striding across every row.
            let n = kept.count
            columnar.fill(from: block, records: kept, width: width)
            var reports = [ParseReport](repeating: ParseReport(), count: width)
            var updated = builders
            builders = []  // one owner, so the columns grow in place instead of being copied
            // Columns convert independently: spread them over the cores. Each iteration
            // touches only its own builder and report.
            updated.withUnsafeMutableBufferPointer { bs in
            reports.withUnsafeMutableBufferPointer { rs in
            columnar.starts.withUnsafeBufferPointer { cs in
            columnar.lengths.withUnsafeBufferPointer { cl in
            columnar.flags.withUnsafeBufferPointer { cf in
            columnar.lines.withUnsafeBufferPointer { ln in
                let shared = Shared(builders: bs.baseAddress!, reports: rs.baseAddress!, bytes: p,
                                    starts: cs, lengths: cl, flags: cf, lines: ln)
                DispatchQueue.concurrentPerform(iterations: width) { c in
                    let range = (c * n)..<((c + 1) * n)
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

        /// Whether a first row names columns: not when it is all numbers; yes when some
        /// column is numeric below it but text in it; otherwise (text everywhere) yes
        /// unless a numeric column below also starts with a number (then it is data).
        static func looksLikeHeader(_ first: [String], block: Block, p: UnsafeBufferPointer<UInt8>, delimiterCount: Int) -> Bool {
            let firstNumeric = first.map { Number.double(Array($0.utf8)) != nil }
            if firstNumeric.allSatisfy({ $0 }) { return false }
            // Which columns are numeric in the next rows of the chunk.
            var belowNumeric = [Bool](repeating: true, count: first.count)
            var seen = [Bool](repeating: false, count: first.count)
            for r in block.records.dropFirst().prefix(20) {
                for c in 0..<min(first.count, Int(r.fieldCount)) {
                    let f = Int(r.firstField) + c
                    let s = Int(block.starts[f]), e = Int(block.ends[f])
                    guard e > s else { continue }
                    seen[c] = true
                    if Number.double(p.baseAddress! + s, e - s) == nil { belowNumeric[c] = false }
                }
            }
            for c in first.indices where seen[c] && belowNumeric[c] && !firstNumeric[c] && !first[c].isEmpty { return true }
            for c in first.indices where seen[c] && belowNumeric[c] && firstNumeric[c] { return false }
            return true
        }

        static func columnNames(_ raw: [String], report: inout ParseReport) -> [String] {
            var seen: [String: Int] = [:]
            var names: [String] = []
            for (i, r) in raw.enumerated() {
                var n = r.trimmingCharacters(in: .whitespaces)
                if n.isEmpty {
                    n = "column\(i + 1)"
                    report.add(1, .renamedColumn, "column \(i + 1) has no name; it is called '\(n)'")
                }
                if let k = seen[n] {
                    var candidate = "\(n).\(k)"
                    var j = k
                    while seen[candidate] != nil || names.contains(candidate) { j += 1; candidate = "\(n).\(j)" }
                    seen[n] = j + 1
                    report.add(1, .renamedColumn, "two columns are named '\(n)'; the later one is called '\(candidate)'")
                    n = candidate
                } else {
                    seen[n] = 1
                }
                names.append(n)
            }
            return names
        }
    }

    /// The buffers that the per-column workers share; each worker writes only its own slots.
    struct Shared: @unchecked Sendable {
        let builders: UnsafeMutablePointer<ColumnBuilder>
        let reports: UnsafeMutablePointer<ParseReport>
        let bytes: UnsafeBufferPointer<UInt8>
        let starts: UnsafeBufferPointer<Int32>
        let lengths: UnsafeBufferPointer<Int32>
        let flags: UnsafeBufferPointer<UInt8>
        let lines: UnsafeBufferPointer<Int32>
    }

    /// What the transposition workers share; each writes only its own records' slots.
    struct Transposition: @unchecked Sendable {
        let s: UnsafeMutablePointer<Int32>, l: UnsafeMutablePointer<Int32>, f: UnsafeMutablePointer<UInt8>
        let bs: UnsafeBufferPointer<Int32>, be: UnsafeBufferPointer<Int32>, bf: UnsafeBufferPointer<UInt8>
        let records: UnsafeBufferPointer<Record>
    }

    /// A chunk's fields column by column: column c's fields are at c * rows ..< (c + 1) * rows.
    struct Columnar {
        var starts: [Int32] = []
        var lengths: [Int32] = []
        var flags: [UInt8] = []
        /// The line each record starts on.
        var lines: [Int32] = []

        mutating func fill(from block: Block, records: [Record], width: Int) {
            let n = records.count
            let total = n * width
            // Reused from chunk to chunk: resized, not reallocated.
            if starts.count != total {
                starts = [Int32](repeating: 0, count: total)
                lengths = [Int32](repeating: -1, count: total)
                flags = [UInt8](repeating: 0, count: total)
            }
            lines.removeAll(keepingCapacity: true)
            starts.withUnsafeMutableBufferPointer { s in
            lengths.withUnsafeMutableBufferPointer { l in
            flags.withUnsafeMutableBufferPointer { f in
            block.starts.withUnsafeBufferPointer { bs in
            block.ends.withUnsafeBufferPointer { be in
            block.flags.withUnsafeBufferPointer { bf in
            records.withUnsafeBufferPointer { rp in
                // Record ranges in parallel: each writes its own rows of every column.
                let parts = Swift.min(4, Swift.max(1, n / 2048))
                let shared = Transposition(s: s.baseAddress!, l: l.baseAddress!, f: f.baseAddress!,
                                           bs: bs, be: be, bf: bf, records: rp)
                DispatchQueue.concurrentPerform(iterations: parts) { part in
                    let lo = part * n / parts, hi = (part + 1) * n / parts
                    for r in lo..<hi {
                        let rec = shared.records[r]
                        let first = Int(rec.firstField), present = Swift.min(Int(rec.fieldCount), width)
                        for c in 0..<present {
                            let k = c * n + r
                            shared.s[k] = shared.bs[first + c]
                            shared.l[k] = shared.be[first + c] - shared.bs[first + c]
                            shared.f[k] = shared.bf[first + c]
                        }
                        for c in present..<width {
                            shared.l[c * n + r] = -1
                            shared.f[c * n + r] = 0
                        }
                    }
                }
            }}}}}}}
            for rec in records { lines.append(rec.line) }
        }
    }

    struct Record {
        var firstField: Int32
        var fieldCount: Int32
        var line: Int32
    }

    /// The fields of a chunk: byte ranges and how they were quoted (0 plain, 1 quoted,
    /// 2 quoted with "" inside).
    struct Block {
        var starts: [Int32] = []
        var ends: [Int32] = []
        var flags: [UInt8] = []
        var records: [Record] = []

        @inline(__always)
        mutating func append(_ s: Int, _ e: Int, _ flag: UInt8) {
            starts.append(Int32(s))
            ends.append(Int32(e))
            flags.append(flag)
        }

        mutating func reserve(fields: Int) {
            starts.reserveCapacity(fields)
            ends.reserveCapacity(fields)
            flags.reserveCapacity(fields)
        }

        mutating func removeAll() {
            starts.removeAll(keepingCapacity: true)
            ends.removeAll(keepingCapacity: true)
            flags.removeAll(keepingCapacity: true)
            records.removeAll(keepingCapacity: true)
        }

        /// Drops the fields from index `field` on (a record cut off by the chunk's end).
        mutating func truncate(to field: Int) {
            starts.removeSubrange(field...)
            ends.removeSubrange(field...)
            flags.removeSubrange(field...)
        }

        func text(_ f: Int, _ p: UnsafeBufferPointer<UInt8>, latin1: Bool) -> String {
            var bytes = Array(p[Int(starts[f])..<Int(ends[f])])
            if flags[f] == 2 { bytes = Self.unescape(bytes) }
            return Self.decode(bytes, latin1: latin1).text
        }

        static func unescape(_ bytes: [UInt8]) -> [UInt8] {
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count)
            var i = 0
            while i < bytes.count {
                out.append(bytes[i])
                i += (bytes[i] == 0x22 && i + 1 < bytes.count && bytes[i + 1] == 0x22) ? 2 : 1
            }
            return out
        }

        /// UTF-8 text, or Latin-1 when the file is Latin-1 or these bytes are not UTF-8.
        static func decode(_ bytes: [UInt8], latin1: Bool) -> (text: String, undecodable: Bool) {
            if !latin1, let s = String(validating: bytes, as: UTF8.self) { return (s, false) }
            return (String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) })), !latin1)
        }
    }
}
