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
    /// Rows formatted per batch, split among the cores.
    public var batchRows = 1 << 17

    public init(delimiter: UInt8 = UInt8(ascii: ",")) { self.delimiter = delimiter }

    /// Writes `frame` to `path`. A batch is written on a thread of its own while the next
    /// one is formatted, at most two batches ahead, so the disk and the cores work at once.
    public func write(_ frame: Frame, to path: String) throws(DataError) {
        let columns = frame.columns.map { Encoded($0, delimiter: delimiter) }
        let header = headerLine(frame)
        do {
            try AtomicFile.write(to: path) { (append: (UnsafeBufferPointer<UInt8>) throws(FileError) -> Void) throws(FileError) in
                try withoutActuallyEscaping(append) { (append) throws(FileError) in
                    let sink = Sink(append)
                    sink.write([header])
                    let ahead = DispatchSemaphore(value: 2)
                    var start = 0
                    while start < frame.rowCount, !sink.failed {
                        let end = Swift.min(frame.rowCount, start + batchRows)
                        ahead.wait()
                        let parts = format(columns, start..<end)
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

        /// Called on `queue` (or before anything is queued).
        func write(_ parts: [[UInt8]]) {
            guard failure == nil else { return }
            for part in parts {
                part.withUnsafeBufferPointer { b in
                    do throws(FileError) { try append(b) } catch { failure = error }
                }
                if failure != nil { return }
            }
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
        let columns = frame.columns.map { Encoded($0, delimiter: delimiter) }
        var bytes = headerLine(frame)
        for part in format(columns, 0..<frame.rowCount) { bytes += part }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The lines of `rows`, in parts formatted on separate cores, in order.
    func format(_ columns: [Encoded], _ rows: Range<Int>) -> [[UInt8]] {
        let parts = Swift.max(1, Swift.min(Parallel.threads, rows.count / 4096))
        var out = [[UInt8]](repeating: [], count: parts)
        out.withUnsafeMutableBufferPointer { slots in
            let shared = SendablePointer(slots.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: parts) { p in
                let lo = rows.lowerBound + p * rows.count / parts, hi = rows.lowerBound + (p + 1) * rows.count / parts
                shared.pointer[p] = Self.lines(columns, lo..<hi, delimiter: delimiter)
            }
        }
        return out
    }

    /// The lines of `rows`: each column's fields formatted in one tight loop of its type
    /// (no dispatch or copy per cell) into a buffer sized for the longest fields, then
    /// interleaved into lines.
    static func lines(_ columns: [Encoded], _ rows: Range<Int>, delimiter: UInt8) -> [UInt8] {
        let n = rows.count, width = columns.count
        guard n > 0 else { return [] }
        guard width > 0 else { return [UInt8](repeating: UInt8(ascii: "\n"), count: n) }
        // At most this many bytes: numbers and Bools by their longest form, text exactly (one
        // long text must not make every row's room that long).
        let bound = columns.reduce(0) { $0 + $1.bytesNeeded(rows) }
        // 16 bytes of slack: a short field is copied as 16 bytes at once (see `copy`).
        let fields = UnsafeMutablePointer<UInt8>.allocate(capacity: bound + 16)
        defer { fields.deallocate() }
        // ends[c * n + r]: where column c's field of row r ends in `fields`.
        var ends = [Int](repeating: 0, count: n * width)
        var firsts = [Int](repeating: 0, count: width)
        var used = 0
        ends.withUnsafeMutableBufferPointer { e in
            for c in 0..<width {
                firsts[c] = used
                used = columns[c].format(rows, into: fields, at: used, ends: e.baseAddress! + c * n)
            }
        }
        // A one-column frame's missing value would be a blank line, which readers skip: it is
        // written `""` as pandas writes it (read back as missing in a column of numbers or
        // Bools), and `NA` in a text column, where `""` is the empty text.
        let lone: [UInt8] = width == 1 ? (columns[0].kind == .text ? Array("NA".utf8) : [0x22, 0x22]) : []
        return [UInt8](unsafeUninitializedCapacity: used + n * Swift.max(width, 3) + 16) { out, count in
            ends.withUnsafeBufferPointer { e in
            firsts.withUnsafeBufferPointer { f in
                let dst = out.baseAddress!
                var w = 0
                for r in 0..<n {
                    for c in 0..<width {
                        if c > 0 { dst[w] = delimiter; w += 1 }
                        let from = r == 0 ? f[c] : e[c * n + r - 1]
                        let length = e[c * n + r] - from
                        if length == 0 && width == 1 {
                            for b in lone { dst[w] = b; w += 1 }
                        } else {
                            copy(fields + from, length, to: dst, &w)
                        }
                    }
                    dst[w] = UInt8(ascii: "\n")
                    w += 1
                }
                count = w
            }}
        }
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

    /// The longest missing-value token: a longer text is never one, so it needs no lookup.
    static let longestToken = missingTokens.map(\.utf8.count).max() ?? 0

    /// `field(s)`, appended to `out` without an array of its own (a text column of a million
    /// distinct ids is encoded once per write).
    static func appendField(_ s: String, delimiter: UInt8, to out: inout [UInt8]) {
        let utf8 = s.utf8
        let special = utf8.contains { $0 == delimiter || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }
        let plain = !special && !utf8.isEmpty && utf8.first != UInt8(ascii: " ") && utf8.last != UInt8(ascii: " ")
            && (utf8.count > longestToken || !missingTokens.contains(s))
        if plain { out.append(contentsOf: utf8); return }
        out.append(UInt8(ascii: "\""))
        for b in utf8 {
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

        /// Formats rows into `out` from position `at`, recording where each field ends in
        /// `ends`; returns the position after the last field.
        func format(_ rows: Range<Int>, into out: UnsafeMutablePointer<UInt8>, at start: Int, ends: UnsafeMutablePointer<Int>) -> Int {
            var w = start, k = 0
            missing.withUnsafeBufferPointer { m in
                let absent = hasMissing ? m.baseAddress : nil
                switch kind {
                case .float:
                    doubles.withUnsafeBufferPointer { v in
                        var decimals = 0  // a column's values mostly have as many decimals as the last one
                        for i in rows {
                            if absent?[i] != true { w = CSVWriter.writeDouble(v[i], out, w, decimals: &decimals) }
                            ends[k] = w; k += 1
                        }
                    }
                case .int:
                    ints.withUnsafeBufferPointer { v in
                        for i in rows {
                            if absent?[i] != true { w = CSVWriter.writeInteger(v[i], out, w) }
                            ends[k] = w; k += 1
                        }
                    }
                case .bool:
                    bools.withUnsafeBufferPointer { v in
                        for i in rows {
                            if absent?[i] != true {
                                let word = v[i] ? CSVWriter.trueBytes : CSVWriter.falseBytes
                                for b in word { out[w] = b; w += 1 }
                            }
                            ends[k] = w; k += 1
                        }
                    }
                case .text:
                    codes.withUnsafeBufferPointer { v in
                    categoryBytes.withUnsafeBufferPointer { b in
                    categoryStarts.withUnsafeBufferPointer { s in
                        for i in rows {
                            let c = Int(v[i])
                            if absent?[i] != true && c >= 0 {
                                CSVWriter.copy(b.baseAddress! + s[c], s[c + 1] - s[c], to: out, &w)
                            }
                            ends[k] = w; k += 1
                        }
                    }}}
                }
            }
            return w
        }
    }

    static let powersOfTen: [Double] = (0...7).map { Foundation.pow(10, Double($0)) }

    /// A Double in a form that reads back as the same Double: for a number with at most 7
    /// decimals (most data), its digits directly, the fewest decimals that round-trip;
    /// otherwise Double.description (the shortest round-trip form). NaN is written as
    /// missing, as pandas writes it. Writes at `out + w`; returns the position after.
    @inline(__always)
    static func writeDouble(_ x: Double, _ out: UnsafeMutablePointer<UInt8>, _ start: Int, decimals hint: inout Int) -> Int {
        if x.isNaN { return start }
        var w = start
        let magnitude = Swift.abs(x)
        if magnitude >= 1e-4, magnitude < 1e8 {
            // The fewest decimals k whose digits round-trip: an exact integer over an exact
            // power of ten rounds once, as a parser rounds "digits / 10^k", so equal to x
            // the digits read back as x. The last value's k is tried first (k works and
            // k - 1 does not: two divisions instead of up to eight).
            func fits(_ k: Int) -> Int64? {
                let p = powersOfTen[k]
                let whole = Int64(magnitude * p + 0.5)
                return Double(whole) / p == magnitude ? whole : nil
            }
            var found: (k: Int, whole: Int64)?
            if let whole = fits(hint), hint == 0 || fits(hint - 1) == nil {
                found = (hint, whole)
            } else {
                for k in 0...7 { if let whole = fits(k) { found = (k, whole); break } }
            }
            if let (k, whole) = found {
                hint = k
                if x < 0 { out[w] = UInt8(ascii: "-"); w += 1 }
                let p10 = Int64(powersOfTen[k])
                w = writeInteger(whole / p10, out, w)
                out[w] = UInt8(ascii: "."); w += 1
                if k == 0 { out[w] = UInt8(ascii: "0"); return w + 1 }
                var fraction = whole % p10
                for d in stride(from: k - 1, through: 0, by: -1) {
                    out[w + d] = UInt8(ascii: "0") + UInt8(fraction % 10)
                    fraction /= 10
                }
                return w + k
            }
        }
        let text = x == 0 ? (x.sign == .minus ? "-0.0" : "0.0") : x.description
        for b in text.utf8 { out[w] = b; w += 1 }
        return w
    }

    /// The decimal digits of `n` at `out + w`; returns the position after.
    @inline(__always)
    static func writeInteger(_ n: Int64, _ out: UnsafeMutablePointer<UInt8>, _ start: Int) -> Int {
        var w = start
        var v = n.magnitude
        if n < 0 { out[w] = UInt8(ascii: "-"); w += 1 }
        if v < 10 { out[w] = UInt8(ascii: "0") + UInt8(v); return w + 1 }
        var digits = 0, t = v
        while t > 0 { digits += 1; t /= 10 }
        for d in stride(from: digits - 1, through: 0, by: -1) {
            out[w + d] = UInt8(ascii: "0") + UInt8(v % 10)
            v /= 10
        }
        return w + digits
    }

    static func appendDouble(_ x: Double, to out: inout [UInt8], decimals: inout Int) { append(to: &out) { writeDouble(x, $0, 0, decimals: &decimals) } }
    static func appendInteger(_ n: Int64, to out: inout [UInt8]) { append(to: &out) { writeInteger(n, $0, 0) } }

    private static func append(to out: inout [UInt8], _ write: (UnsafeMutablePointer<UInt8>) -> Int) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { b in
            let n = write(b.baseAddress!)
            out.append(contentsOf: UnsafeBufferPointer(start: b.baseAddress!, count: n))
        }
    }

    static let trueBytes = Array("true".utf8), falseBytes = Array("false".utf8)

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
