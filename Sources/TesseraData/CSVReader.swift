import Foundation
import TesseraTensor

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
    public var chunkBytes = 512 << 10

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

    /// The longest record (a line, or lines joined by a quoted field) the reader accepts:
    /// field offsets within a chunk are 32-bit.
    public static let longestRecord = 1 << 30

    public static func read(path: String, options: CSVOptions = CSVOptions(),
                            progress: ((_ bytesDone: Int, _ bytesTotal: Int) -> Void)? = nil,
                            isCancelled: (() -> Bool)? = nil) throws -> Frame {
        do {
            return try readOnce(path: path, options: options, progress: progress, isCancelled: isCancelled)
        } catch let again as ReadAgainAsText {
            return try readOnce(path: path, options: again.options(options), progress: progress, isCancelled: isCancelled)
        }
    }

    /// Thrown by a read whose columns held numbers or Bools in one chunk and text in a
    /// later one: the numbers were made text again ("7" for "007"), so the file is read
    /// again with those columns as text from the start, which gives the file's own text
    /// whatever the chunk size. It is rare (a column must change type part way) and
    /// costs a second read then.
    struct ReadAgainAsText: Error {
        let columns: [String]
        func options(_ options: CSVOptions) -> CSVOptions {
            var o = options
            for c in columns { o.types[c] = .string }
            return o
        }
    }

    static func readOnce(path: String, options: CSVOptions, progress: ((_ bytesDone: Int, _ bytesTotal: Int) -> Void)?,
                         isCancelled: (() -> Bool)?) throws -> Frame {
        let handle: RegularFile.Handle
        do { handle = try RegularFile.open(path) } catch {
            let hint = error.reason == "no such file" ? "check the path (relative paths start at \(FileManager.default.currentDirectoryPath))" : nil
            throw DataError("\(error)", suggestion: hint, isIO: true)
        }
        defer { handle.close() }
        let total = handle.size
        var parser = Parser(options: options, name: path)
        parser.expectedBytes = total
        parser.isCancelled = isCancelled
        // However reading ends (an error, an interrupt), no conversion is left running behind it.
        defer { parser.converter.wait() }
        var done = 0
        var chunk = [UInt8](repeating: 0, count: Swift.max(1, options.chunkBytes))
        let fd = handle.descriptor
        while true {
            if isCancelled?() == true { throw Cancelled() }
            let n = chunk.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw DataError("cannot read '\(path)': \(RegularFile.reason(errno))", isIO: true)
            }
            if n == 0 { break }
            done += n
            try chunk.withUnsafeBufferPointer { try parser.feed(UnsafeBufferPointer(rebasing: $0[0..<n])) }
            progress?(done, total)
            // A record longer than the chunk is carried whole into the next read: read more at
            // a time, so that a very long line costs linear time, not quadratic.
            if parser.carry.count > chunk.count / 2 && chunk.count < longestRecord {
                chunk = [UInt8](repeating: 0, count: Swift.min(longestRecord, chunk.count * 2))
            }
        }
        return try parser.finish()
    }

    /// Reads CSV from memory (tests, generated data).
    public static func read(text: String, name: String = "<text>", options: CSVOptions = CSVOptions()) throws -> Frame {
        try read(bytes: Array(text.utf8), name: name, options: options)
    }

    /// Reads CSV from bytes in memory, as a file's would be read (encodings included).
    public static func read(bytes: [UInt8], name: String = "<bytes>", options: CSVOptions = CSVOptions()) throws -> Frame {
        do {
            return try readOnce(bytes: bytes, name: name, options: options)
        } catch let again as ReadAgainAsText {
            return try readOnce(bytes: bytes, name: name, options: again.options(options))
        }
    }

    static func readOnce(bytes: [UInt8], name: String, options: CSVOptions) throws -> Frame {
        var parser = Parser(options: options, name: name)
        defer { parser.converter.wait() }
        // In chunks of `chunkBytes`, as a file is read, so that what reading a file does at a
        // chunk's edge happens here too.
        let step = Swift.max(1, options.chunkBytes)
        try bytes.withUnsafeBufferPointer { all in
            var start = 0
            while start < all.count {
                let end = Swift.min(all.count, start + step)
                try parser.feed(UnsafeBufferPointer(rebasing: all[start..<end]))
                start = end
            }
        }
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
        /// The file ends its lines with CR alone (classic Mac OS): every CR is read as a newline.
        var crLines = false
        /// The file is UTF-16 (`bigEndian` or not): chunks are transcoded to UTF-8 first.
        var utf16: (bigEndian: Bool, pending: [UInt8])?
        /// Polled between header names and between chunks (an interrupt).
        var isCancelled: (() -> Bool)? {
            get { converter.isCancelled }
            nonmutating set { converter.isCancelled = newValue }
        }
        var delimiter: UInt8 = UInt8(ascii: ",")
        /// What reading the start of the file found (its encoding); the converter keeps what
        /// splitting and converting the chunks found.
        var report = ParseReport()
        /// Fields per row: the first record's (0 until it is read).
        var width = 0
        /// Splits and converts the chunks on the cores and puts them together in order.
        let converter: Converter
        /// The file's size, to size the columns after the first chunk.
        var expectedBytes: Int? {
            get { converter.expectedBytes }
            nonmutating set { converter.expectedBytes = newValue }
        }

        init(options: CSVOptions, name: String) {
            self.options = options
            self.name = name
            converter = Converter(options: options, name: name)
        }

        mutating func feed(_ chunk: UnsafeBufferPointer<UInt8>) throws {
            var bytes = converter.takeBuffer()
            bytes.append(contentsOf: carry)
            carry.removeAll(keepingCapacity: true)
            if !started && utf16 == nil, let encoding = Self.wideEncoding(bytes + chunk.prefix(64)) {
                utf16 = try wide(encoding)
            }
            if utf16 != nil { bytes += transcodeUTF16(chunk) } else { bytes.append(contentsOf: chunk) }
            if !started {
                try start(&bytes)
                if bytes.isEmpty { return }
            }
            if crLines { Self.crToNewline(&bytes) }
            if bytes.count > CSVReader.longestRecord {
                converter.wait()
                throw DataError("'\(name)' has a record longer than \(CSVReader.longestRecord >> 20) MB starting at line \(converter.nextLine): this is not CSV data a reader can split",
                                suggestion: "check the delimiter and the quotes: an unclosed quote makes the rest of a file one field")
            }
            // Hand on the complete records; an unfinished last one waits for the next chunk.
            let cut = bytes.withUnsafeBufferPointer { Self.lastRecordEnd($0, delimiter: delimiter) }
            if cut == 0 { carry = bytes; return }
            if cut < bytes.count {
                carry.append(contentsOf: bytes[cut...])
                bytes.removeLast(bytes.count - cut)
            }
            try submit(bytes)
        }

        /// Sends records on to be split and converted; the first chunk also fixes the width.
        mutating func submit(_ bytes: [UInt8]) throws {
            if width == 0 {
                guard let w = bytes.withUnsafeBufferPointer({ Self.firstRecordWidth($0, delimiter: delimiter) }) else { return }
                width = w
            }
            converter.latin1 = latin1
            try converter.submit(bytes, width: width, delimiter: delimiter)
        }

        mutating func finish() throws -> Frame {
            if let u = utf16, !u.pending.isEmpty {
                report.add(0, .encoding, "the file ends in the middle of a UTF-16 character; its last \(u.pending.count) byte\(u.pending.count == 1 ? " was" : "s were") dropped")
            }
            if !started {
                throw DataError("'\(name)' is empty: no header and no rows", suggestion: "check that the file was written completely")
            }
            if !carry.isEmpty {
                let bytes = carry
                carry = []
                try submit(bytes)
            }
            converter.wait()  // every chunk converted and put in place
            if converter.headerPending {
                throw DataError("'\(name)' has no rows: it holds only whitespace")
            }
            converter.settleDistinctColumns()
            var report = self.report
            report.merge(converter.report)
            report.sortByLine()
            report.hasHeader = converter.report.hasHeader
            if options.strict, let first = report.dataIssues.first {
                throw DataError("'\(name)' has \(report.dataIssueCount) bad line\(report.dataIssueCount == 1 ? "" : "s"), first \(first)",
                                suggestion: "fix the file, or read it without strict: true to keep the good rows and see the report")
            }
            let widened = converter.builders.indices.filter { converter.builders[$0].widenedFromValues }.map { converter.names[$0] }
            if !widened.isEmpty { throw ReadAgainAsText(columns: widened) }
            // The columns are made on every core (a text column's strings are most of it).
            let builders = converter.builders, names = converter.names
            var made = [Column?](repeating: nil, count: builders.count)
            made.withUnsafeMutableBufferPointer { out in
                let target = SendablePointer(out.baseAddress!)
                DispatchQueue.concurrentPerform(iterations: builders.count) { i in target.pointer[i] = builders[i].column(named: names[i]) }
            }
            let columns = made.map { $0! }
            report.rowsRead = columns.first?.count ?? 0
            return try Frame(columns: columns, target: options.target, parseReport: report)
        }

        /// The high bit of every zero byte of `v` (exact for the lowest one, which is all
        /// the scan needs).
        @inline(__always)
        static func zeroBytes(_ v: UInt64) -> UInt64 {
            (v &- 0x0101_0101_0101_0101) & ~v & 0x8080_8080_8080_8080
        }

        /// The first chunk: refuse binary files, drop a BOM, choose the encoding and the delimiter.
        mutating func start(_ bytes: inout [UInt8]) throws {
            if bytes.count < 4096 && bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
                // Whitespace so far: wait for more (or finish() reports an empty file).
                carry = bytes
                bytes = []
                return
            }
            started = true
            if utf16 == nil, let nul = bytes.prefix(8192).firstIndex(of: 0) {
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
            //
            // Latin-1 only when the first chunk has bytes that are not UTF-8 and not one valid
            // multi-byte UTF-8 character: a single `é` in UTF-8 says the file is UTF-8 (a
            // Latin-1 text almost never happens to spell a valid sequence).
            let (valid, invalid) = Self.utf8Census(bytes)
            if invalid > 0 && valid == 0 {
                latin1 = true
                converter.latin1 = true
                report.encoding = "latin-1"
                report.add(0, .encoding, "the file is not UTF-8; it was read as Latin-1 (ISO 8859-1)")
            }
            // Lines ended by CR alone (classic Mac OS): no LF anywhere, but CRs.
            if !bytes.contains(0x0A) && bytes.contains(0x0D) {
                crLines = true
                report.lineEndings = "CR (classic Mac OS)"
                Self.crToNewline(&bytes)
            }
            delimiter = options.delimiter ?? Self.sniffDelimiter(bytes)
            report.delimiter = String(UnicodeScalar(delimiter))
        }

        /// Every CR as a newline, for a file whose lines end in CR alone.
        static func crToNewline(_ bytes: inout [UInt8]) {
            bytes.withUnsafeMutableBufferPointer { p in
                for i in p.indices where p[i] == 0x0D { p[i] = 0x0A }
            }
        }

        /// The UTF-16 or UTF-32 encoding the start of a file shows by its byte order mark or,
        /// without one, by NUL bytes at every other position among ASCII text.
        static func wideEncoding(_ head: [UInt8]) -> String? {
            if head.starts(with: [0xFF, 0xFE, 0, 0]) { return "UTF-32LE" }
            if head.starts(with: [0, 0, 0xFE, 0xFF]) { return "UTF-32BE" }
            if head.starts(with: [0xFF, 0xFE]) { return "UTF-16LE" }
            if head.starts(with: [0xFE, 0xFF]) { return "UTF-16BE" }
            let pairs = head.count / 2
            guard pairs >= 4 else { return nil }
            let evenNUL = (0..<pairs).filter { head[2 * $0] == 0 }.count, oddNUL = (0..<pairs).filter { head[2 * $0 + 1] == 0 }.count
            // Mostly ASCII (a NUL in most pairs, always on the same side) and never a NUL on the other side.
            if oddNUL * 10 >= pairs * 7 && evenNUL == 0 { return "UTF-16LE" }
            if evenNUL * 10 >= pairs * 7 && oddNUL == 0 { return "UTF-16BE" }
            return nil
        }

        /// Sets up reading a wide encoding, or refuses one this reader does not read.
        mutating func wide(_ encoding: String) throws -> (bigEndian: Bool, pending: [UInt8]) {
            guard encoding.hasPrefix("UTF-16") else {
                throw DataError("'\(name)' is \(encoding) text, which this reader does not read",
                                suggestion: "save it as UTF-8 (e.g. iconv -f \(encoding) -t UTF-8)")
            }
            report.encoding = encoding.lowercased()
            report.add(0, .encoding, "the file is \(encoding); it was converted to UTF-8 as it was read")
            return (encoding == "UTF-16BE", [])
        }

        /// A chunk of UTF-16 as UTF-8 (a byte order mark dropped, a character cut by the
        /// chunk's end kept for the next one, unpaired surrogates as U+FFFD).
        mutating func transcodeUTF16(_ chunk: UnsafeBufferPointer<UInt8>) -> [UInt8] {
            guard var state = utf16 else { return Array(chunk) }
            var bytes = state.pending
            bytes.append(contentsOf: chunk)
            var units: [UInt16] = []
            units.reserveCapacity(bytes.count / 2)
            var i = 0
            while i + 1 < bytes.count {
                units.append(state.bigEndian ? UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1]) : UInt16(bytes[i + 1]) << 8 | UInt16(bytes[i]))
                i += 2
            }
            // A high surrogate at the end waits for its pair.
            var keep = bytes.count - i
            if let last = units.last, (0xD800...0xDBFF).contains(last) { units.removeLast(); keep += 2 }
            state.pending = Array(bytes.suffix(keep))
            if !started, units.first == 0xFEFF { units.removeFirst() }
            utf16 = state
            var out: [UInt8] = []
            out.reserveCapacity(units.count)
            _ = transcode(units.makeIterator(), from: UTF16.self, to: UTF8.self, stoppingOnError: false) { out.append($0) }
            return out
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

        /// Splits a chunk of whole records into the columns of `block` (row r of column c at
        /// c * capacity + r), so that converting reads each column in order without a pass
        /// that transposes them. The width is the first record's: a shorter row is padded with
        /// absent fields, a longer one is dropped, and both are reported. Lines are counted
        /// from 0 at the chunk's start (the converter adds where the chunk starts).
        ///
        /// The chunk ends at a record's end, except the file's last one, which may end inside
        /// a quoted field that is never closed (reported; the rest is dropped).
        static func split(_ buffer: UnsafeBufferPointer<UInt8>, width: Int, delimiter: UInt8, rowsPerByte: Double?,
                          into block: inout Block, report: inout ParseReport) {
            // Room for the rows the last chunk's density predicts (the block grows if not).
            let expected = rowsPerByte.map { Int(Double(buffer.count) * $0 * 1.1) + 16 } ?? Swift.min(4096, buffer.count / (2 * Swift.max(1, width)) + 16)
            block.prepare(width: width, capacity: expected)
            guard let p = buffer.baseAddress, buffer.count > 0 else { return }
            // The writer is the block's one owner while it fills it (a second would make it copy).
            var taken = Block()
            swap(&taken, &block)
            var writer = FieldWriter(consume taken, width: width)
            if memchr(p, 0x22, buffer.count) == nil {
                splitUnquoted(p, buffer.count, delimiter: delimiter, &writer)
            } else {
                splitQuoted(p, buffer.count, delimiter: delimiter, &writer)
            }
            block = writer.finish(report: &report)
        }

        /// `split` for a chunk without a quote (most files): every delimiter and newline ends
        /// a field, so they are found eight bytes at a time and each field is stored as its
        /// end is found, with no test per byte.
        static func splitUnquoted(_ p: UnsafePointer<UInt8>, _ end: Int, delimiter: UInt8, _ writer: inout FieldWriter) {
            let delimiterWord = UInt64(delimiter) &* 0x0101_0101_0101_0101
            let raw = UnsafeRawPointer(p)
            var fieldStart = 0, c = 0, firstEmpty = false
            var line = 0, recordLine = 0
            var i = 0
            while i < end {
                var hit: UInt64 = 0
                if i + 8 <= end {
                    let word = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                    hit = exactZeroBytes(word ^ delimiterWord) | exactZeroBytes(word ^ 0x0A0A_0A0A_0A0A_0A0A)
                } else {
                    for k in 0..<(end - i) where p[i + k] == delimiter || p[i + k] == 0x0A { hit |= 0x80 << UInt64(8 * k) }
                }
                while hit != 0 {
                    let j = i + hit.trailingZeroBitCount >> 3
                    hit &= hit &- 1
                    var e = j
                    if e > fieldStart && p[e - 1] == 0x0D { e -= 1 }
                    if p[j] == 0x0A {
                        if c == 0 && e == fieldStart {
                            // A blank line between records.
                            line += 1; recordLine = line; fieldStart = j + 1
                            continue
                        }
                        if c == 0 { firstEmpty = e == fieldStart }
                        writer.store(c, fieldStart, e, 0)
                        writer.endRecord(fields: c + 1, firstEmpty: firstEmpty, line: recordLine)
                        c = 0; line += 1; recordLine = line
                    } else {
                        if c == 0 { firstEmpty = e == fieldStart }
                        writer.store(c, fieldStart, e, 0)
                        c += 1
                    }
                    fieldStart = j + 1
                }
                i += 8
            }
            if c > 0 || fieldStart < end {
                // The file ends without a newline: the rest is the last field.
                var e = end
                if e > fieldStart && p[e - 1] == 0x0D { e -= 1 }
                if c == 0 { firstEmpty = e == fieldStart }
                if !(c == 0 && e == fieldStart) {
                    writer.store(c, fieldStart, e, 0)
                    writer.endRecord(fields: c + 1, firstEmpty: firstEmpty, line: recordLine)
                }
            }
            writer.lineCount = line
        }

        /// `split` for a chunk with quotes: field by field (see `field`).
        static func splitQuoted(_ p: UnsafePointer<UInt8>, _ end: Int, delimiter: UInt8, _ writer: inout FieldWriter) {
            let delimiterWord = UInt64(delimiter) &* 0x0101_0101_0101_0101
            var line = 0
            var i = 0
            records: while i < end {
                // Skip blank lines between records.
                if p[i] == 0x0A { line += 1; i += 1; continue }
                if p[i] == 0x0D && i + 1 < end && p[i + 1] == 0x0A { line += 1; i += 2; continue }
                let recordLine = line
                var c = 0
                var firstEmpty = false
                while true {
                    let field = Self.field(p, i, end, delimiter: delimiter, delimiterWord: delimiterWord, final: true, line: &line)
                    if !field.closed {
                        // A quote opened and never closed: the rest of the file is one field.
                        writer.unterminatedLine = recordLine
                        break records
                    }
                    writer.store(c, field.start, field.end, field.flag)
                    if c == 0 { firstEmpty = field.end == field.start }
                    c += 1
                    i = field.next
                    if i >= end { break }
                    if p[i] == delimiter {
                        i += 1
                        if i >= end {
                            // A delimiter ends the file: one more empty field.
                            writer.store(c, i, i, 0)
                            c += 1
                            break
                        }
                    } else {
                        i += 1  // the newline
                        line += 1
                        break
                    }
                }
                writer.endRecord(fields: c, firstEmpty: firstEmpty, line: recordLine)
            }
            writer.lineCount = line
        }

        /// The high bit of every zero byte of `v`, exactly (`zeroBytes` is exact only for the
        /// lowest one).
        @inline(__always)
        static func exactZeroBytes(_ v: UInt64) -> UInt64 {
            ~(((v & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7F7F_7F7F_7F7F_7F7F) | v | 0x7F7F_7F7F_7F7F_7F7F)
        }

        /// Where the last complete record of a chunk ends (0: none does). Without a quote in
        /// the chunk that is after its last newline; with quotes, the records are walked, since
        /// a newline inside a quoted field ends nothing.
        static func lastRecordEnd(_ buffer: UnsafeBufferPointer<UInt8>, delimiter: UInt8) -> Int {
            guard let p = buffer.baseAddress, buffer.count > 0 else { return 0 }
            let end = buffer.count
            if memchr(p, 0x22, end) == nil {
                var i = end
                while i > 0 && p[i - 1] != 0x0A { i -= 1 }
                return i
            }
            let delimiterWord = UInt64(delimiter) &* 0x0101_0101_0101_0101
            var line = 0
            var i = 0, last = 0
            while i < end {
                if p[i] == 0x0A { i += 1; last = i; continue }
                while true {
                    let field = Self.field(p, i, end, delimiter: delimiter, delimiterWord: delimiterWord, final: false, line: &line)
                    if !field.closed { return last }
                    i = field.next
                    if i >= end { return last }
                    let newline = p[i] == 0x0A
                    i += 1
                    if newline { last = i; break }
                    if i >= end { return last }
                }
            }
            return last
        }

        /// The number of fields of the chunk's first record (which is whole: the chunk ends at
        /// a record's end), or nil when the chunk holds nothing but blank lines.
        static func firstRecordWidth(_ buffer: UnsafeBufferPointer<UInt8>, delimiter: UInt8) -> Int? {
            guard let p = buffer.baseAddress else { return nil }
            let end = buffer.count
            let delimiterWord = UInt64(delimiter) &* 0x0101_0101_0101_0101
            var i = 0
            var line = 0
            while i < end && (p[i] == 0x0A || (p[i] == 0x0D && i + 1 < end && p[i + 1] == 0x0A)) { i += p[i] == 0x0A ? 1 : 2 }
            if i >= end { return nil }
            var c = 0
            while true {
                let field = Self.field(p, i, end, delimiter: delimiter, delimiterWord: delimiterWord, final: true, line: &line)
                c += 1
                if !field.closed { return c }
                i = field.next
                if i >= end { return c }
                if p[i] != delimiter { return c }
                i += 1
                if i >= end { return c + 1 }
            }
        }

        /// The field that starts at `i`: its bytes (`start..<end`, without quotes or a
        /// trailing CR), how it was quoted (0 plain, 1 quoted, 2 quoted with "" inside), and
        /// where the delimiter or newline after it (or the chunk's end) is. `closed` is false
        /// for a quoted field the chunk ends inside.
        @inline(__always)
        static func field(_ p: UnsafePointer<UInt8>, _ i0: Int, _ end: Int, delimiter: UInt8, delimiterWord: UInt64, final: Bool,
                          line: inout Int) -> (start: Int, end: Int, flag: UInt8, next: Int, closed: Bool) {
            var i = i0
            if p[i] == 0x22 {
                // A quoted field: up to the closing quote; "" is a literal quote.
                i += 1
                let s = i
                var escaped = false
                while i < end {
                    let b = p[i]
                    if b == 0x22 {
                        if i + 1 < end && p[i + 1] == 0x22 { escaped = true; i += 2; continue }
                        if i + 1 == end && !final { break }  // "" may continue in the next chunk
                        let e = i
                        i += 1
                        // Text after the closing quote up to the delimiter is dropped (as pandas does).
                        while i < end && p[i] != delimiter && p[i] != 0x0A { i += 1 }
                        return (s, e, escaped ? 2 : 1, i, true)
                    }
                    if b == 0x0A { line += 1 }
                    i += 1
                }
                return (s, i, escaped ? 2 : 1, i, false)
            }
            let s = i
            // Eight bytes at a time while no delimiter or newline is among them.
            let base = UnsafeRawPointer(p)
            while i + 8 <= end {
                let word = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                let hit = zeroBytes(word ^ delimiterWord) | zeroBytes(word ^ 0x0A0A_0A0A_0A0A_0A0A)
                if hit != 0 { i += hit.trailingZeroBitCount >> 3; break }
                i += 8
            }
            while i < end {
                let b = p[i]
                if b == delimiter || b == 0x0A { break }
                i += 1
            }
            var e = i
            if e > s && p[e - 1] == 0x0D { e -= 1 }
            return (s, e, 0, i, true)
        }

    }

    /// Stores a chunk's fields in a block's column runs as the splitter finds them, and
    /// ends each record: a full one is a row; a short one is padded with absent fields; a
    /// longer one is dropped; a line holding one empty field is nothing. Both are reported.
    struct FieldWriter {
        private var block: Block
        let width: Int
        private var capacity = 0
        private var rows = 0
        private var s: UnsafeMutablePointer<Int32>, l: UnsafeMutablePointer<Int32>, f: UnsafeMutablePointer<UInt8>
        private var shortRows: [(line: Int32, fields: Int32)] = [], longRows: [(line: Int32, fields: Int32)] = []
        var unterminatedLine: Int?
        var lineCount = 0

        init(_ block: Block, width: Int) {
            self.block = block
            self.width = width
            (s, l, f) = (UnsafeMutablePointer(bitPattern: 8)!, UnsafeMutablePointer(bitPattern: 8)!, UnsafeMutablePointer(bitPattern: 8)!)
            refresh()
        }

        /// The block's arrays are uniquely owned here and change only when they grow, so their
        /// addresses hold between growths.
        private mutating func refresh() {
            capacity = block.capacity
            s = block.starts.withUnsafeMutableBufferPointer { $0.baseAddress! }
            l = block.lengths.withUnsafeMutableBufferPointer { $0.baseAddress! }
            f = block.flags.withUnsafeMutableBufferPointer { $0.baseAddress! }
        }

        @inline(__always)
        mutating func store(_ c: Int, _ start: Int, _ end: Int, _ flag: UInt8) {
            guard c < width else { return }
            let k = c &* capacity &+ rows
            s[k] = Int32(truncatingIfNeeded: start)
            l[k] = Int32(truncatingIfNeeded: end &- start)
            f[k] = flag
        }

        @inline(__always)
        mutating func endRecord(fields c: Int, firstEmpty: Bool, line: Int) {
            if c == width {
                block.lines.append(Int32(clamping: line))
                rows += 1
            } else if c == 1 && firstEmpty {
                return  // a line with nothing on it
            } else if c < width {
                for k in c..<width { l[k &* capacity &+ rows] = -1; f[k &* capacity &+ rows] = 0 }
                shortRows.append((Int32(clamping: line), Int32(c)))
                block.lines.append(Int32(clamping: line))
                rows += 1
            } else {
                longRows.append((Int32(clamping: line), Int32(clamping: c)))
                return
            }
            if rows == capacity {
                // More rows than the block has room for: double its runs, keeping their rows.
                block.rows = rows
                block.grow()
                refresh()
            }
        }

        /// The filled block; its short, long and unterminated records reported.
        mutating func finish(report: inout ParseReport) -> Block {
            block.rows = rows
            block.lineCount = lineCount
            for r in shortRows {
                report.add(Int(r.line), .shortRow, "\(r.fields) field\(r.fields == 1 ? "" : "s") where the header has \(width); the missing ones are empty")
            }
            for r in longRows {
                report.add(Int(r.line), .longRow, "\(r.fields) fields where the header has \(width); the row was skipped")
            }
            if let u = unterminatedLine {
                report.add(u, .unterminatedQuote, "a quoted field opened here is never closed; the rest of the file (from this line) was dropped")
            }
            return block
        }
    }

    /// A chunk's fields, column by column: row r of column c is at c * capacity + r in
    /// `starts` (its first byte), `lengths` (its byte count; -1 for a field a short row
    /// lacks) and `flags` (0 plain, 1 quoted, 2 quoted with "" inside).
    struct Block {
        var width = 0
        /// Rows each column's run has room for.
        var capacity = 0
        var rows = 0
        var starts: [Int32] = []
        var lengths: [Int32] = []
        var flags: [UInt8] = []
        /// The line each row starts on, counted from 0 at the chunk's start.
        var lines: [Int32] = []
        /// The lines the chunk spans (its newlines).
        var lineCount = 0

        /// Empty, with room for `capacity` rows of `width` fields (the arrays are reused
        /// when they are large enough).
        mutating func prepare(width: Int, capacity: Int) {
            self.width = width
            self.capacity = Swift.max(1, capacity)
            rows = 0
            lines.removeAll(keepingCapacity: true)
            let total = width * self.capacity
            if starts.count < total {
                // Not zeroed: every slot a row uses is written before it is read.
                starts = Self.uninitialized(total)
                lengths = Self.uninitialized(total)
                flags = Self.uninitialized(total)
            }
        }

        static func uninitialized<T: BitwiseCopyable>(_ count: Int) -> [T] {
            [T](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
        }

        /// Twice the room per column, the rows so far moved to their new places.
        mutating func grow() {
            let old = capacity
            let (s, l, f) = (starts, lengths, flags)
            capacity = old * 2
            starts = Self.uninitialized(width * capacity)
            lengths = Self.uninitialized(width * capacity)
            flags = Self.uninitialized(width * capacity)
            for c in 0..<width {
                starts[c * capacity..<c * capacity + rows] = s[c * old..<c * old + rows]
                lengths[c * capacity..<c * capacity + rows] = l[c * old..<c * old + rows]
                flags[c * capacity..<c * capacity + rows] = f[c * old..<c * old + rows]
            }
        }

        /// The text of row `r`'s field in column `c` ("" for an absent one).
        func text(row r: Int, column c: Int, _ p: UnsafeBufferPointer<UInt8>, latin1: Bool) -> String {
            let k = c * capacity + r
            guard lengths[k] >= 0 else { return "" }
            var bytes = Array(p[Int(starts[k])..<Int(starts[k]) + Int(lengths[k])])
            if flags[k] == 2 { bytes = Self.unescape(bytes) }
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

        /// UTF-8 text; Latin-1 when the file is Latin-1; UTF-8 with its stray bytes read as
        /// Latin-1 when these bytes are not all UTF-8.
        static func decode(_ bytes: [UInt8], latin1: Bool) -> (text: String, undecodable: Bool) {
            if latin1 { return (TextDecoding.latin1(bytes), false) }
            if let s = String(validating: bytes, as: UTF8.self) { return (s, false) }
            return (TextDecoding.repairingUTF8(bytes), true)
        }
    }
}
