import Foundation
import TesseraTensor

/// Writing a frame as CSV (RFC 4180) that `CSVReader` reads back as the same frame: a
/// header, then one line per row; missing values are empty fields; numbers are written in
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

    /// Writes `frame` to `path`.
    public func write(_ frame: Frame, to path: String) throws(DataError) {
        let columns = frame.columns.map { Encoded($0, delimiter: delimiter) }
        let header = headerLine(frame)
        do {
            try AtomicFile.write(to: path) { (append: (UnsafeBufferPointer<UInt8>) throws(FileError) -> Void) throws(FileError) in
                try header.withUnsafeBufferPointer { (b) throws(FileError) in try append(b) }
                var start = 0
                while start < frame.rowCount {
                    let end = Swift.min(frame.rowCount, start + batchRows)
                    for part in format(columns, start..<end) {
                        try part.withUnsafeBufferPointer { (b) throws(FileError) in try append(b) }
                    }
                    start = end
                }
            }
        } catch {
            throw DataError("cannot write '\(path)': \(error.reason)", isIO: true)
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

    static func lines(_ columns: [Encoded], _ rows: Range<Int>, delimiter: UInt8) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(rows.count * (columns.count * 8 + 1))
        for i in rows {
            for (j, c) in columns.enumerated() {
                if j > 0 { out.append(delimiter) }
                c.append(row: i, to: &out)
            }
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }

    func headerLine(_ frame: Frame) -> [UInt8] {
        Array(frame.columns.map { Self.field($0.name, delimiter: delimiter) }.joined(separator: [delimiter])) + [UInt8(ascii: "\n")]
    }

    static let missingTokens: Set<String> = CSVOptions.pandasNA

    /// A text value as it must be written: quoted when the reader would otherwise split it,
    /// take it for a missing value, or trim it.
    static func field(_ s: String, delimiter: UInt8) -> [UInt8] {
        let bytes = Array(s.utf8)
        let special = bytes.contains { $0 == delimiter || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }
        guard special || bytes.isEmpty || missingTokens.contains(s) || bytes.first == UInt8(ascii: " ") || bytes.last == UInt8(ascii: " ") else { return bytes }
        var out: [UInt8] = [UInt8(ascii: "\"")]
        for b in bytes {
            if b == UInt8(ascii: "\"") { out.append(b) }
            out.append(b)
        }
        out.append(UInt8(ascii: "\""))
        return out
    }

    /// A column ready to write: its values, and a text column's categories already encoded.
    struct Encoded: @unchecked Sendable {
        let column: Column
        let categories: [[UInt8]]

        init(_ c: Column, delimiter: UInt8) {
            column = c
            if case .string(_, let cats) = c.storage { categories = cats.map { CSVWriter.field($0, delimiter: delimiter) } } else { categories = [] }
        }

        @inline(__always)
        func append(row i: Int, to out: inout [UInt8]) {
            if column.isMissing(i) { return }
            switch column.storage {
            case .float64(let v):
                let x = v[i]
                if x.isNaN { return }  // NaN is missing in a CSV, as pandas writes it
                if x == x.rounded(), Swift.abs(x) < 1e15, !(x == 0 && x.sign == .minus) {
                    // A whole number: its integer digits and ".0", as Double.description writes it.
                    CSVWriter.appendInteger(Int64(x), to: &out)
                    out.append(UInt8(ascii: "."))
                    out.append(UInt8(ascii: "0"))
                } else {
                    out.append(contentsOf: x.description.utf8)
                }
            case .int64(let v): CSVWriter.appendInteger(v[i], to: &out)
            case .bool(let v): out.append(contentsOf: v[i] ? CSVWriter.trueBytes : CSVWriter.falseBytes)
            case .string(let codes, _):
                let k = Int(codes[i])
                if k >= 0 { out.append(contentsOf: categories[k]) }
            }
        }
    }

    static let trueBytes = Array("true".utf8), falseBytes = Array("false".utf8)

    /// The decimal digits of `n`.
    @inline(__always)
    static func appendInteger(_ n: Int64, to out: inout [UInt8]) {
        if n == .min { out.append(contentsOf: String(n).utf8); return }
        var v = n
        if v < 0 { out.append(UInt8(ascii: "-")); v = -v }
        if v < 10 { out.append(UInt8(ascii: "0") + UInt8(v)); return }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: an Int64 has at most 19 digits
        var count = 0
        withUnsafeMutableBytes(of: &digits) { d in
            while v > 0 {
                d[23 - count] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
                count += 1
            }
            out.append(contentsOf: d[(24 - count)...])
        }
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
