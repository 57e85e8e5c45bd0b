import Foundation
import TesseraTensor

extension CSVReader {
    /// The second stage of reading: splits chunks of whole records into fields and turns
    /// them into typed columns, each chunk on a core of its own (two at a time), then puts
    /// the chunks' columns together in file order. A chunk is split and converted by one
    /// thread while its bytes are in that core's cache; putting it in place copies its
    /// values and maps its text categories to the column's.
    final class Converter: @unchecked Sendable {
        let options: CSVOptions
        let name: String
        let missingTokens: ColumnBuilder.MissingTokens
        var latin1 = false
        // Read and written on the thread that submits, and by `merge` (one at a time, in
        // file order) after the header is known.
        var names: [String] = []
        var builders: [ColumnBuilder] = []
        var report = ParseReport()
        var headerPending = true
        /// The line (1-based) the next chunk to be put in place starts on.
        private(set) var nextLine = 1
        /// The file's size, to size the columns after the first chunk.
        var expectedBytes: Int?
        /// Polled while a long header is named (an interrupt); thread-safe.
        var isCancelled: (() -> Bool)?

        /// Guards what the workers and the merging share below.
        private let lock = NSLock()
        /// Each column's type so far: a chunk is read as that type first (the one-pass path).
        private var kinds: [ColumnBuilder.Kind] = []
        /// Per column, whether nearly every value so far was new (an id): a chunk then lists
        /// its texts without looking for repeats, which putting it in place finds anyway.
        private var distinct: [Bool] = []
        private var rowsPerByte: Double?
        /// Finished chunks waiting for the ones before them, by number.
        private var finished: [Int: Chunk] = [:]
        private var submitted = 0, merged = 0
        private var capacity = 0
        /// Chunks in flight (split, converted or waiting to be put in place): four, so that a
        /// worker rarely waits for the merging, and memory holds a few chunks whatever the
        /// file's size (two made the workers wait: 0.28 s against 0.25 s on the mixed file).
        private let slots = DispatchSemaphore(value: 4)
        private let inFlight = DispatchGroup()
        private let merging = DispatchQueue(label: "tessera.csv.merge")
        /// Memory of chunks put in place, for the next ones (see `ColumnBuilder.recycle`).
        private var spareBytes: [[UInt8]] = [], spareBlocks: [Block] = [], spareColumns: [[ColumnBuilder]] = []
        private var spareScans: [TypedScan] = []

        init(options: CSVOptions, name: String) {
            self.options = options
            self.name = name
            missingTokens = ColumnBuilder.MissingTokens(options.naTokens)
        }

        /// One chunk split and converted: its columns, each read on its own, and what it found.
        struct Chunk: @unchecked Sendable {
            var bytes: [UInt8]
            /// The chunk's fields, when it was split (a chunk read by TypedScan has only its
            /// row and line counts here).
            var block: Block
            var split: Bool
            var delimiter: UInt8
            /// Rows of the block that are data (1 when its first row is the header).
            var skip: Int
            var pieces: [ColumnBuilder]
            /// The column types each piece was read as first.
            var hints: [ColumnBuilder.Kind]
            var report: ParseReport
        }

        /// Waits until every chunk submitted is in place.
        func wait() { inFlight.wait() }

        /// An empty byte array, with the memory of a chunk already put in place when there is one.
        func takeBuffer() -> [UInt8] { lock.withLock { spareBytes.popLast() } ?? [] }

        /// Splits and converts `bytes` (whole records) on another core. The first chunk is
        /// split here: its first row decides whether there is a header, which names the
        /// columns (and so their forced types) before any chunk is converted.
        func submit(_ bytes: [UInt8], width: Int, delimiter: UInt8) throws {
            var first: (block: Block, report: ParseReport)?
            var skip = 0
            if headerPending {
                var block = Block(), splitReport = ParseReport()
                bytes.withUnsafeBufferPointer { Parser.split($0, width: width, delimiter: delimiter, rowsPerByte: nil, into: &block, report: &splitReport) }
                guard block.rows > 0 else {
                    // Nothing but blank lines so far: nothing to name the columns by.
                    report.merge(splitReport, shiftingLinesBy: nextLine)
                    nextLine += block.lineCount
                    return
                }
                try bytes.withUnsafeBufferPointer { try nameColumns(block, $0) }
                skip = report.hasHeader ? 1 : 0
                first = (block, splitReport)
                lock.withLock {
                    kinds = builders.map(\.kind)
                    if block.rows > 0 { rowsPerByte = Double(block.rows) / Double(Swift.max(1, bytes.count)) }
                }
            }
            slots.wait()
            inFlight.enter()
            let number = submitted
            submitted += 1
            let (hints, density, unique) = lock.withLock { (kinds, rowsPerByte, distinct) }
            let forced = names.map { options.types[$0] }
            let latin1 = self.latin1, na = missingTokens
            DispatchQueue.global().async { [self, skip, first] in
                let (spareBlock, spare) = lock.withLock { (spareBlocks.popLast(), spareColumns.popLast()) }
                var block = first?.block ?? spareBlock ?? Block()
                var chunkReport = first?.report ?? ParseReport()
                var pieces = spare ?? []
                if pieces.count != width { pieces = (0..<width).map { ColumnBuilder(forced: forced[$0], kind: hints[$0]) } }
                var split = true
                bytes.withUnsafeBufferPointer { p in
                    for c in 0..<width { pieces[c].recycle(forced: forced[c], kind: hints[c], distinct: unique.isEmpty ? false : unique[c]) }
                    // Settled types: each row read once, where it lies (see TypedScan).
                    if first == nil, let density, TypedScan.applies(kinds: hints, forced: forced, na: na) {
                        let scan = lock.withLock { spareScans.popLast() } ?? TypedScan()
                        if let rows = scan.read(p, kinds: hints, delimiter: delimiter, na: na, latin1: latin1, rowsPerByte: density, into: &pieces) {
                            block.prepare(width: width, capacity: 1)
                            block.rows = rows
                            block.lineCount = rows
                            split = false
                        }
                        lock.withLock { spareScans.append(scan) }
                    }
                    guard split else { return }
                    if first == nil { Parser.split(p, width: width, delimiter: delimiter, rowsPerByte: density, into: &block, report: &chunkReport) }
                    for c in 0..<width {
                        Self.read(column: c, of: block, skip: skip, p, into: &pieces[c], latin1: latin1, na: na, report: &chunkReport)
                    }
                }
                // A listed column's Strings made here, on this core, not all at the end.
                for c in 0..<width { pieces[c].makeListedTexts() }
                let chunk = Chunk(bytes: bytes, block: block, split: split, delimiter: delimiter, skip: skip, pieces: pieces, hints: hints, report: chunkReport)
                lock.withLock {
                    finished[number] = chunk
                    if block.rows > 0 { rowsPerByte = Double(block.rows) / Double(Swift.max(1, bytes.count)) }
                }
                merging.async { self.mergeFinished() }
            }
        }

        /// Appends column `c` of the block's data rows to `builder`.
        static func read(column c: Int, of block: Block, skip: Int, _ p: UnsafeBufferPointer<UInt8>, into builder: inout ColumnBuilder,
                         latin1: Bool, na: ColumnBuilder.MissingTokens, report: inout ParseReport) {
            let n = block.rows - skip
            guard n > 0 else { return }
            let range = (c * block.capacity + skip)..<(c * block.capacity + skip + n)
            block.starts.withUnsafeBufferPointer { s in
            block.lengths.withUnsafeBufferPointer { l in
            block.flags.withUnsafeBufferPointer { f in
            block.lines.withUnsafeBufferPointer { ln in
                builder.append(starts: UnsafeBufferPointer(rebasing: s[range]), lengths: UnsafeBufferPointer(rebasing: l[range]),
                               flags: UnsafeBufferPointer(rebasing: f[range]), lines: UnsafeBufferPointer(rebasing: ln[skip...]),
                               bytes: p, latin1: latin1, na: na, report: &report)
            }}}}
        }

        /// Puts finished chunks in place, in file order, as long as the next one is finished.
        private func mergeFinished() {
            while var chunk = lock.withLock({ finished.removeValue(forKey: merged) }) {
                merge(chunk)
                // Its memory goes to the next chunks.
                chunk.bytes.removeAll(keepingCapacity: true)
                lock.withLock {
                    spareBytes.append(chunk.bytes)
                    spareBlocks.append(chunk.block)
                    spareColumns.append(chunk.pieces)
                }
                merged += 1
                slots.signal()
                inFlight.leave()
            }
        }

        private func merge(_ chunk: Chunk) {
            let lineShift = nextLine
            report.merge(chunk.report, shiftingLinesBy: lineShift)
            // Size the columns once from the first chunk's rows per byte, so they do not
            // double (and briefly triple) their memory as they grow.
            let rows = chunk.block.rows - chunk.skip
            if capacity == 0, let total = expectedBytes, rows > 0 {
                capacity = Int(Double(total) / Double(Swift.max(1, chunk.bytes.count)) * Double(rows) * 1.02) + 16
            }
            let latin1 = self.latin1, na = missingTokens
            chunk.bytes.withUnsafeBufferPointer { p in
                // Fields to read again from, split only if a column needs it (rare: its type
                // changed since the chunk was handed out).
                var fields: Block? = chunk.split ? chunk.block : nil
                let width = builders.count
                for c in builders.indices {
                    let forced = builders[c].forced
                    builders[c].absorb(chunk.pieces[c], readAs: chunk.hints[c], capacity: capacity, lineShift: lineShift, report: &report) { kind in
                        // The chunk was read before the column's type was known: read it again
                        // as the chunks of one builder are, from the column's type.
                        var again = ColumnBuilder(forced: forced, kind: kind)
                        var ignored = ParseReport()
                        if fields == nil {
                            var block = Block()
                            Parser.split(p, width: width, delimiter: chunk.delimiter, rowsPerByte: nil, into: &block, report: &ignored)
                            fields = block
                        }
                        Self.read(column: c, of: fields!, skip: chunk.skip, p, into: &again, latin1: latin1, na: na, report: &ignored)
                        return again
                    }
                }
            }
            nextLine += chunk.block.lineCount
            let settled = builders.map(\.kind), unique = builders.map(\.mostlyDistinct)
            lock.withLock { kinds = settled; distinct = unique }
        }

        /// The repeats found in the columns whose texts were listed (an id: see
        /// `ColumnBuilder.settleDistinct`), once every chunk is in place.
        func settleDistinctColumns() {
            for c in builders.indices { builders[c].settleDistinct(report: &report) }
        }

        /// Decides from the first rows whether the first is a header, and names the columns.
        private func nameColumns(_ block: Block, _ p: UnsafeBufferPointer<UInt8>) throws {
            headerPending = false
            let firstTexts = (0..<block.width).map { block.text(row: 0, column: $0, p, latin1: self.latin1) }
            let isHeader = options.header ?? Self.looksLikeHeader(firstTexts, block: block, p: p)
            report.hasHeader = isHeader
            if isHeader {
                names = try Self.columnNames(firstTexts, report: &report, isCancelled: isCancelled)
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
