import Foundation
import TesseraTensor

/// Writing a frame as CSV (RFC 4180) that `CSVReader` reads back as the same frame: a
/// header, then one line per row; missing values are empty fields (in a one-column frame,
/// where an empty field is a blank line, `""`, or `NA` for text); numbers are written in
/// their shortest form that reads back to the same Double; text is quoted when it holds a
/// delimiter, a quote or a line break, is empty, or reads as a missing-value token (a
/// quoted field is never missing to the reader).
///
/// Rows are formatted in parallel, a batch at a time, and each batch is written as soon as
/// it is ready, so a large frame is never held twice in memory; the file appears whole or
/// not at all (`AtomicFile`). Each text column's categories are encoded once, not per row.
public struct CSVWriter: Sendable {
    public var delimiter: UInt8 = UInt8(ascii: ",")
    /// Rows formatted per batch, split among the cores: a batch of a few megabytes is still
    /// in the cache when the kernel copies it to the file (a batch of 20 MB was not, and
    /// its copy ran at a third of the speed).
    public var batchRows = 1 << 14

    public init(delimiter: UInt8 = UInt8(ascii: ",")) { self.delimiter = delimiter }

    /// Writes `frame` to `path`. A batch is written on a thread of its own while the next
    /// one is formatted, at most two batches ahead, so the disk and the cores work at once.
    public func write(_ frame: Frame, to path: String) throws(DataError) {
        let columns = encode(frame)
        let header = headerLine(frame)
        do {
            try AtomicFile.write(to: path) { (append: (UnsafeBufferPointer<UInt8>) throws(FileError) -> Void) throws(FileError) in
                try withoutActuallyEscaping(append) { (append) throws(FileError) in
                    let sink = Sink(append)
                    header.withUnsafeBufferPointer { sink.write($0) }
                    let ahead = DispatchSemaphore(value: 2)
                    var start = 0
                    while start < frame.rowCount, !sink.failed {
                        let end = Swift.min(frame.rowCount, start + batchRows)
                        ahead.wait()
                        let parts = format(columns, start..<end, buffers: sink.spare())
                        sink.queue.async { sink.write(parts); ahead.signal() }
                        start = end
                    }
                    try sink.finish()
                }
            }
        } catch {
            throw DataError("cannot write '\(path)': \(error.reason)", isIO: true)
        }
    }

    /// Where formatted batches go, in order, on a serial queue; the first failure stops it.
    private final class Sink: @unchecked Sendable {
        let queue = DispatchQueue(label: "tessera.csv-writer")
        private let append: (UnsafeBufferPointer<UInt8>) throws(FileError) -> Void
        private var failure: FileError?
        init(_ append: @escaping (UnsafeBufferPointer<UInt8>) throws(FileError) -> Void) { self.append = append }

        /// Buffers written out, for the next batches (fresh ones would be new pages for the
        /// kernel to zero every batch).
        private var written: [Buffer] = []
        private let lock = NSLock()

        func spare() -> [Buffer] { lock.withLock { let b = written; written = []; return b } }

        func write(_ bytes: UnsafeBufferPointer<UInt8>) {
            guard failure == nil else { return }
            do throws(FileError) { try append(bytes) } catch { failure = error }
        }

        /// Called on `queue`.
        func write(_ parts: [Buffer]) {
            for part in parts { write(part.bytes) }
            lock.withLock { written += parts }
        }

        var failed: Bool { queue.sync { failure != nil } }

        /// Waits for every queued batch; the first failure, if any.
        func finish() throws(FileError) {
            let f: FileError? = queue.sync { failure }
            if let f { throw f }
        }
    }

    /// The CSV text of `frame` (for small frames and tests).
    public func text(_ frame: Frame) -> String {
        var bytes = headerLine(frame)
        for part in format(encode(frame), 0..<frame.rowCount, buffers: []) { bytes += part.bytes }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Each column ready to write, made on every core (a text column's categories are
    /// encoded here, once per write: a million ids take a while).
    func encode(_ frame: Frame) -> [Encoded] {
        var out = [Encoded?](repeating: nil, count: frame.columns.count)
        let columns = frame.columns, delimiter = self.delimiter
        out.withUnsafeMutableBufferPointer { slots in
            let shared = SendablePointer(slots.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: columns.count) { c in shared.pointer[c] = Encoded(columns[c], delimiter: delimiter) }
        }
        return out.map { $0! }
    }

    /// The lines of `rows`, in parts formatted on separate cores, in order, into `buffers`
    /// (reused) or new ones.
    func format(_ columns: [Encoded], _ rows: Range<Int>, buffers: [Buffer]) -> [Buffer] {
        let parts = Swift.max(1, Swift.min(Parallel.threads, rows.count / 4096))
        let out = (0..<parts).map { $0 < buffers.count ? buffers[$0] : Buffer() }
        let delimiter = self.delimiter
        DispatchQueue.concurrentPerform(iterations: parts) { p in
            let lo = rows.lowerBound + p * rows.count / parts, hi = rows.lowerBound + (p + 1) * rows.count / parts
            Self.lines(columns, lo..<hi, delimiter: delimiter, into: out[p])
        }
        return out
    }

    /// Bytes formatted on one core and then written out; kept for the next batch.
    final class Buffer: @unchecked Sendable {
        private(set) var base = UnsafeMutablePointer<UInt8>.allocate(capacity: 0)
        private(set) var capacity = 0
        var count = 0

        /// Room for `n` bytes (what was there is dropped).
        func reserve(_ n: Int) {
            count = 0
            guard n > capacity else { return }
            base.deallocate()
            capacity = Swift.max(n, capacity * 5 / 4)
            base = .allocate(capacity: capacity)
        }

        var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

        deinit { base.deallocate() }
    }

    /// The lines of `rows`, written row by row straight into one buffer sized for the
    /// longest fields: each cell is formatted in place through raw views of its column (no
    /// array access, copy or second pass per cell).
    static func lines(_ columns: [Encoded], _ rows: Range<Int>, delimiter: UInt8, into buffer: Buffer) {
        let n = rows.count, width = columns.count
        guard n > 0 else { buffer.reserve(0); return }
        guard width > 0 else {
            buffer.reserve(n)
            buffer.base.initialize(repeating: UInt8(ascii: "\n"), count: n)
            buffer.count = n
            return
        }
        // At most this many bytes: numbers and Bools by their longest form, text exactly (one
        // long text must not make every row's room that long), a delimiter or newline per
        // cell, 2 per cell for a lone column's missing values, and 16 of slack for `copy`.
        let bound = columns.reduce(0) { $0 + $1.bytesNeeded(rows) } + n * width + (width == 1 ? 2 * n : 0) + 16
        // A one-column frame's missing value would be a blank line, which readers skip: it is
        // written `""` as pandas writes it (read back as missing in a column of numbers or
        // Bools), and `NA` in a text column, where `""` is the empty text.
        let lone: (UInt8, UInt8) = columns[0].kind == .text ? (UInt8(ascii: "N"), UInt8(ascii: "A")) : (0x22, 0x22)
        let tables = Tables()
        var hints = [Int](repeating: 0, count: width)
        buffer.reserve(bound)
        withExtendedLifetime(columns) {
            let views = columns.map { $0.view }
            do {
                let dst = buffer.base
                var w = 0
                views.withUnsafeBufferPointer { cs in
                hints.withUnsafeMutableBufferPointer { h in
                    for r in rows {
                        for c in 0..<width {
                            if c > 0 { dst[w] = delimiter; w &+= 1 }
                            let column = cs[c]
                            let start = w
                            if column.missing?[r] != true {
                                switch column.kind {
                                case .float: w = writeDouble(column.doubles[r], dst, w, decimals: &h[c], tables)
                                case .int: w = writeInteger(column.ints[r], dst, w, tables)
                                case .bool:
                                    let word = column.bools[r] ? tables.trueWord : tables.falseWord
                                    UnsafeMutableRawPointer(dst + w).storeBytes(of: word.bytes, as: UInt64.self)
                                    w &+= word.count
                                case .text:
                                    let k = Int(column.codes[r])
                                    if k >= 0 { copy(column.categoryBytes + column.categoryStarts[k], column.categoryStarts[k + 1] - column.categoryStarts[k], to: dst, &w) }
                                }
                            }
                            if width == 1 && w == start { dst[w] = lone.0; dst[w + 1] = lone.1; w &+= 2 }
                        }
                        dst[w] = UInt8(ascii: "\n")
                        w &+= 1
                    }
                }}
                buffer.count = w
            }
        }
    }

    /// The formatting tables, read once per batch: a static's every read goes through a
    /// lazy-initialization check, which showed in the profile of the per-cell loop.
    struct Tables {
        let digitPairs = CSVWriter.digitPairs
        let powersOfTen64 = CSVWriter.powersOfTen64
        let decimalPowers = CSVWriter.decimalPowers
        /// "true" and "false" as the bytes of one word, and their lengths.
        let trueWord: (bytes: UInt64, count: Int) = (0x6575_7274, 4)
        let falseWord: (bytes: UInt64, count: Int) = (0x65_736C_6166, 5)
    }

    func headerLine(_ frame: Frame) -> [UInt8] {
        Array(frame.columns.map { Self.field($0.name, delimiter: delimiter) }.joined(separator: [delimiter])) + [UInt8(ascii: "\n")]
    }

    static let missingTokens: Set<String> = CSVOptions.pandasNA

    /// A text value as it must be written: quoted when the reader would otherwise split it,
    /// take it for a missing value, or trim it.
    static func field(_ s: String, delimiter: UInt8) -> [UInt8] {
        var out: [UInt8] = []
        appendField(s, delimiter: delimiter, to: &out)
        return out
    }

    /// The first bytes of the missing-value tokens: a text starting otherwise is never one.
    static let tokenFirstBytes = Set(missingTokens.compactMap(\.utf8.first))

    /// The longest missing-value token: a longer text is never one, so it needs no lookup.
    static let longestToken = missingTokens.map(\.utf8.count).max() ?? 0

    /// `field(s)`, appended to `out` without an array of its own (a text column of a million
    /// distinct ids is encoded once per write).
    static func appendField(_ s: String, delimiter: UInt8, to out: inout [UInt8]) {
        var s = s
        let plain = s.withUTF8 { b -> Bool in
            guard let first = b.first, first != UInt8(ascii: " "), b[b.count - 1] != UInt8(ascii: " ") else { return false }
            for c in b where c == delimiter || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\n") || c == UInt8(ascii: "\r") { return false }
            out.append(contentsOf: b)
            return true
        }
        if plain {
            // Taken back if it spells a missing-value token (rare: only short texts that
            // start as one does can).
            let utf8 = s.utf8
            guard utf8.count <= longestToken, tokenFirstBytes.contains(utf8.first!), missingTokens.contains(s) else { return }
            out.removeLast(utf8.count)
        }
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            if b == UInt8(ascii: "\"") { out.append(b) }
            out.append(b)
        }
        out.append(UInt8(ascii: "\""))
    }

    /// A column ready to write: its values in a typed array of their own (read without a
    /// copy per cell), missing flags, and a text column's categories already encoded, end to
    /// end in one byte array.
    struct Encoded: @unchecked Sendable {
        enum Kind { case float, int, bool, text }
        let kind: Kind
        let doubles: [Double], ints: [Int64], bools: [Bool], codes: [Int32]
        let missing: [Bool]
        let hasMissing: Bool
        /// The encoded categories, and where each starts (one more offset at the end).
        let categoryBytes: [UInt8], categoryStarts: [Int]
        /// The most bytes one field takes: a Double's shortest form (at most 24 bytes), an
        /// Int64's 20, "false" (0 for text, which is counted field by field).
        let longestField: Int

        init(_ c: Column, delimiter: UInt8) {
            var doubles: [Double] = [], ints: [Int64] = [], bools: [Bool] = [], codes: [Int32] = []
            var bytes: [UInt8] = [], starts: [Int] = [0]
            switch c.storage {
            case .float64(let v): kind = .float; doubles = v
            case .int64(let v): kind = .int; ints = v
            case .bool(let v): kind = .bool; bools = v
            case .string(let k, let cats):
                kind = .text
                codes = k
                for cat in cats {
                    CSVWriter.appendField(cat, delimiter: delimiter, to: &bytes)
                    starts.append(bytes.count)
                }
            }
            (self.doubles, self.ints, self.bools, self.codes) = (doubles, ints, bools, codes)
            (categoryBytes, categoryStarts) = (bytes + [UInt8](repeating: 0, count: 16), starts)
            switch kind {
            case .float: longestField = 26
            case .int: longestField = 20
            case .bool: longestField = 5
            case .text: longestField = 0
            }
            missing = c.missing ?? []
            hasMissing = c.missing != nil
        }


        /// Raw views of the column's arrays, for the per-cell loop: valid while this value is.
        struct View {
            let kind: Kind
            let doubles: UnsafePointer<Double>, ints: UnsafePointer<Int64>, bools: UnsafePointer<Bool>, codes: UnsafePointer<Int32>
            let missing: UnsafePointer<Bool>?
            let categoryBytes: UnsafePointer<UInt8>, categoryStarts: UnsafePointer<Int>
        }

        var view: View {
            func base<T>(_ a: [T]) -> UnsafePointer<T> { a.withUnsafeBufferPointer { $0.baseAddress ?? UnsafePointer(bitPattern: MemoryLayout<T>.alignment)! } }
            return View(kind: kind, doubles: base(doubles), ints: base(ints), bools: base(bools), codes: base(codes),
                        missing: hasMissing ? base(missing) : nil, categoryBytes: base(categoryBytes), categoryStarts: base(categoryStarts))
        }

        /// The most bytes `rows`' fields take: a number's or Bool's longest form per row, a
        /// text column's fields exactly.
        func bytesNeeded(_ rows: Range<Int>) -> Int {
            guard kind == .text else { return longestField * rows.count }
            return codes.withUnsafeBufferPointer { v in
                categoryStarts.withUnsafeBufferPointer { s in
                    var total = 0
                    for i in rows {
                        let c = Int(v[i])
                        if c >= 0 { total += s[c + 1] - s[c] }
                    }
                    return total
                }
            }
        }

    }

    nonisolated(unsafe) static let decimalPowers: UnsafePointer<Double> = {
        let table = UnsafeMutablePointer<Double>.allocate(capacity: 8)
        for k in 0...7 { table[k] = Foundation.pow(10, Double(k)) }
        return UnsafePointer(table)
    }()

    /// A Double in a form that reads back as the same Double: for a number with at most 7
    /// decimals (most data), its digits directly, the fewest decimals that round-trip;
    /// otherwise Double.description (the shortest round-trip form). NaN is written as
    /// missing, as pandas writes it. Writes at `out + w`; returns the position after.
    @inline(__always)
    static func writeDouble(_ x: Double, _ out: UnsafeMutablePointer<UInt8>, _ start: Int, decimals hint: inout Int, _ tables: Tables = Tables()) -> Int {
        if x.isNaN { return start }
        var w = start
        let magnitude = Swift.abs(x)
        if magnitude >= 1e-4, magnitude < 1e8 {
            // The fewest decimals k whose digits round-trip: an exact integer over an exact
            // power of ten rounds once, as a parser rounds "digits / 10^k", so equal to x
            // the digits read back as x. The last value's k is tried first (k works and
            // k - 1 does not: two divisions instead of up to eight).
            func fits(_ k: Int) -> Int64? {
                let p = tables.decimalPowers[k]
                let whole = Int64(magnitude * p + 0.5)
                return Double(whole) / p == magnitude ? whole : nil
            }
            var found: (k: Int, whole: Int64)?
            // k decimals are the fewest when the last of them is not 0: at most 15
            // significant digits, two different decimals are never the same Double, so if
            // k - 1 decimals fitted, they would be these digits without a trailing 0.
            if let whole = fits(hint), hint == 0 || whole % 10 != 0 {
                found = (hint, whole)
            } else {
                for k in 0...7 { if let whole = fits(k) { found = (k, whole); break } }
            }
            if let (k, whole) = found {
                hint = k
                if x < 0 { out[w] = UInt8(ascii: "-"); w += 1 }
                let p10 = Int64(tables.decimalPowers[k])
                w = writeInteger(whole / p10, out, w, tables)
                out[w] = UInt8(ascii: "."); w += 1
                if k == 0 { out[w] = UInt8(ascii: "0"); return w + 1 }
                writeDigits(UInt64(whole % p10), count: k, out + w, tables)
                return w + k
            }
        }
        let text = x == 0 ? (x.sign == .minus ? "-0.0" : "0.0") : x.description
        for b in text.utf8 { out[w] = b; w += 1 }
        return w
    }

    /// The decimal digits of `n` at `out + w`; returns the position after.
    @inline(__always)
    static func writeInteger(_ n: Int64, _ out: UnsafeMutablePointer<UInt8>, _ start: Int, _ tables: Tables = Tables()) -> Int {
        var w = start
        let v = n.magnitude
        if n < 0 { out[w] = UInt8(ascii: "-"); w += 1 }
        if v < 10 { out[w] = UInt8(ascii: "0") + UInt8(v); return w + 1 }
        let digits = digitCount(v, tables)
        writeDigits(v, count: digits, out + w, tables)
        return w + digits
    }

    /// How many decimal digits `v` has (at least 1): from its bit length, then one comparison.
    @inline(__always)
    static func digitCount(_ v: UInt64, _ tables: Tables) -> Int {
        let guess = ((64 - (v | 1).leadingZeroBitCount) &* 1233) >> 12  // about log10 of the bit length
        return guess + (v >= tables.powersOfTen64[guess] ? 1 : 0)
    }

    /// The last `count` decimal digits of `v` (with leading zeros) at `out`, two at a time.
    @inline(__always)
    static func writeDigits(_ v: UInt64, count: Int, _ out: UnsafeMutablePointer<UInt8>, _ tables: Tables) {
        var v = v, d = count
        let pairs = tables.digitPairs
        while d >= 2 {
            let pair = Int(v % 100) &* 2
            v /= 100
            d -= 2
            out[d] = pairs[pair]
            out[d + 1] = pairs[pair + 1]
        }
        if d == 1 { out[0] = UInt8(ascii: "0") &+ UInt8(v % 10) }
    }

    /// "00" "01" ... "99", end to end.
    nonisolated(unsafe) static let digitPairs: UnsafePointer<UInt8> = {
        let table = UnsafeMutablePointer<UInt8>.allocate(capacity: 200)
        for i in 0..<100 { table[2 * i] = UInt8(ascii: "0") + UInt8(i / 10); table[2 * i + 1] = UInt8(ascii: "0") + UInt8(i % 10) }
        return UnsafePointer(table)
    }()

    /// 10^0 ... 10^19, for `digitCount`.
    nonisolated(unsafe) static let powersOfTen64: UnsafePointer<UInt64> = {
        let table = UnsafeMutablePointer<UInt64>.allocate(capacity: 21)
        var p: UInt64 = 1
        for i in 0..<20 { table[i] = p; p = i < 19 ? p &* 10 : p }
        table[20] = .max
        return UnsafePointer(table)
    }()

    static func appendDouble(_ x: Double, to out: inout [UInt8], decimals: inout Int) { append(to: &out) { writeDouble(x, $0, 0, decimals: &decimals) } }
    static func appendInteger(_ n: Int64, to out: inout [UInt8]) { append(to: &out) { writeInteger(n, $0, 0) } }

    private static func append(to out: inout [UInt8], _ write: (UnsafeMutablePointer<UInt8>) -> Int) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { b in
            let n = write(b.baseAddress!)
            out.append(contentsOf: UnsafeBufferPointer(start: b.baseAddress!, count: n))
        }
    }

    /// `length` bytes to `out + w`: a short field as two 8-byte words (a call to memmove per
    /// field of a few bytes costs more than the copy); both buffers have 16 bytes of slack
    /// past their last field, and what lands past the field is overwritten by the next.
    @inline(__always)
    static func copy(_ from: UnsafePointer<UInt8>, _ length: Int, to out: UnsafeMutablePointer<UInt8>, _ w: inout Int) {
        if length <= 16 {
            let src = UnsafeRawPointer(from), dst = UnsafeMutableRawPointer(out + w)
            dst.storeBytes(of: src.loadUnaligned(as: UInt64.self), as: UInt64.self)
            dst.storeBytes(of: src.loadUnaligned(fromByteOffset: 8, as: UInt64.self), toByteOffset: 8, as: UInt64.self)
        } else {
            (out + w).update(from: from, count: length)
        }
        w += length
    }
}

/// A pointer handed to concurrently running code that writes disjoint slots of it.
struct SendablePointer<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>
    init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}

extension Frame {
    /// Writes the frame as CSV that `readCSV` reads back as the same frame (see `CSVWriter`).
    public func writeCSV(to path: String, delimiter: UInt8 = UInt8(ascii: ",")) throws(DataError) {
        try CSVWriter(delimiter: delimiter).write(self, to: path)
    }
}
