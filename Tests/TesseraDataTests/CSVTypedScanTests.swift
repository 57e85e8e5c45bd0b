import Foundation
import XCTest
@testable import TesseraData

/// The typed scan (a chunk read row by row once the column types are settled) against the
/// general path (split into fields, then converted), which is its oracle: on every chunk
/// it reads, the columns must be the same; every chunk it cannot read, it must decline.
final class CSVTypedScanTests: XCTestCase {
    /// The forms a field of each settled type takes in files: plain and not so plain.
    static let forms: [ColumnBuilder.Kind: [@Sendable (inout SplitMix) -> String]] = [
        .int: [{ "\($0.next() % 100_000)" }, { "-\($0.next() % 1000)" }, { "+\($0.next() % 9)" }, { _ in "007" },
               { _ in " 42 " }, { _ in "123456789012345678" }, { _ in "9223372036854775807" }, { _ in "-9223372036854775808" },
               { _ in "" }, { _ in "NA" }, { _ in "null" }, { _ in "0" }],
        .float: [{ "\($0.next() % 1000).\($0.next() % 10000)" }, { "-\($0.next() % 100).\($0.next() % 10)" }, { _ in ".5" }, { _ in "5." },
                 { _ in "-0" }, { _ in "-0.0" }, { _ in "1e5" }, { _ in "-2.5E-3" }, { _ in "12345678901234567890.5" },
                 { _ in "0.30000000000000004" }, { _ in "9007199254740993" }, { _ in "inf" }, { _ in "-Infinity" },
                 { _ in "" }, { _ in "NaN" }, { _ in "n/a" }, { _ in " 3.5" }, { "\($0.next() % 100)" }, { _ in "1.12345678901234567" }],
        .bool: [{ _ in "True" }, { _ in "False" }, { _ in "true" }, { _ in "false" }, { _ in "TRUE" }, { _ in "FALSE" },
                { _ in "" }, { _ in "NA" }, { _ in " True" }],
        .string: [{ "w\($0.next() % 7)" }, { "TX-\($0.next())" }, { _ in "" }, { _ in "NA" }, { _ in "café" }, { _ in "a b" },
                  { _ in "12" }, { _ in "tRUE" }, { _ in "x\r" }],
    ]

    /// A chunk of `rows` plain records: no quotes, `width` fields each, one line each.
    static func chunk(kinds: [ColumnBuilder.Kind], rows: Int, crlf: Bool, rng: inout SplitMix) -> [UInt8] {
        var text = ""
        for _ in 0..<rows {
            let fields = kinds.map { kind -> String in
                let forms = Self.forms[kind]!
                let field = forms[Int(rng.next() % UInt64(forms.count))](&rng)
                // One empty field alone is a blank line, which is no record (the scan declines it).
                return kinds.count == 1 && field.isEmpty ? "NA" : field
            }
            text += fields.joined(separator: ",") + (crlf && rng.next() % 2 == 0 ? "\r\n" : "\n")
        }
        return Array(text.utf8)
    }

    /// The chunk's columns by the general path, as a later chunk of a file is read.
    static func split(_ bytes: [UInt8], kinds: [ColumnBuilder.Kind], na: ColumnBuilder.MissingTokens) -> (rows: Int, columns: [Column]) {
        var block = CSVReader.Block(), report = ParseReport()
        var pieces = kinds.map { ColumnBuilder(forced: nil, kind: $0) }
        bytes.withUnsafeBufferPointer { p in
            CSVReader.Parser.split(p, width: kinds.count, delimiter: UInt8(ascii: ","), rowsPerByte: nil, into: &block, report: &report)
            for c in kinds.indices {
                CSVReader.Converter.read(column: c, of: block, skip: 0, p, into: &pieces[c], latin1: false, na: na, report: &report)
            }
        }
        return (block.rows, pieces.enumerated().map { $1.column(named: "c\($0)") })
    }

    /// The chunk's columns by the scan, or nil where it declines.
    static func scan(_ bytes: [UInt8], kinds: [ColumnBuilder.Kind], na: ColumnBuilder.MissingTokens, scanner: CSVReader.TypedScan = .init(),
                     rowsPerByte: Double = 1) -> (rows: Int, columns: [Column])? {
        var pieces = kinds.map { ColumnBuilder(forced: nil, kind: $0) }
        let rows = bytes.withUnsafeBufferPointer { p in
            scanner.read(p, kinds: kinds, delimiter: UInt8(ascii: ","), na: na, latin1: false, rowsPerByte: rowsPerByte, into: &pieces)
        }
        return rows.map { ($0, pieces.enumerated().map { $1.column(named: "c\($0)") }) }
    }

    static func outline(_ c: Column) -> String {
        "\(c.dtype) \(c.missingCount) missing \((0..<Swift.min(12, c.count)).map { c.text(at: $0) ?? "NA" })"
    }

    func testTheScanReadsWhatTheSplitReads() {
        var rng = SplitMix(seed: 11)
        let na = ColumnBuilder.MissingTokens(CSVOptions.pandasNA)
        let all: [ColumnBuilder.Kind] = [.int, .float, .bool, .string]
        for trial in 0..<300 {
            let kinds = (0..<(1 + Int(rng.next() % 6))).map { _ in all[Int(rng.next() % 4)] }
            let bytes = Self.chunk(kinds: kinds, rows: 1 + Int(rng.next() % 200), crlf: trial % 5 == 0, rng: &rng)
            let oracle = Self.split(bytes, kinds: kinds, na: na)
            // Every form above is of its column's type: the split keeps the types, and the scan reads every chunk.
            XCTAssertEqual(oracle.columns.map { ColumnBuilder.Kind($0.dtype) }, kinds, "trial \(trial)")
            guard let read = Self.scan(bytes, kinds: kinds, na: na) else {
                XCTFail("trial \(trial): declined a plain chunk of \(kinds)")
                continue
            }
            XCTAssertEqual(read.rows, oracle.rows, "trial \(trial)")
            for (c, (a, b)) in zip(read.columns, oracle.columns).enumerated() {
                XCTAssertEqual(a, b, "trial \(trial), column \(c): \(Self.outline(a)) vs \(Self.outline(b))")
            }
        }
    }

    func testAScannerGrowsForDenserChunks() {
        let na = ColumnBuilder.MissingTokens(CSVOptions.pandasNA)
        let bytes = Array((0..<1000).map { "\($0)\n" }.joined().utf8)
        let scanner = CSVReader.TypedScan()
        // The density predicts 64 rows: the chunk is declined (the general path reads it)
        // and the next chunk finds room for twice as many, until they fit.
        XCTAssertNil(Self.scan(bytes, kinds: [.int], na: na, scanner: scanner, rowsPerByte: 0))
        var tries = 1
        while Self.scan(bytes, kinds: [.int], na: na, scanner: scanner, rowsPerByte: 0) == nil { tries += 1 }
        XCTAssertEqual(tries, 4)  // 64, 128, 256, 512 rows: then 1,024
        XCTAssertEqual(Self.scan(bytes, kinds: [.int], na: na, scanner: scanner, rowsPerByte: 0)?.columns.first?.double(at: 999), 999)
    }

    func testTheScanDeclinesWhatItDoesNotRead() {
        let na = ColumnBuilder.MissingTokens(CSVOptions.pandasNA)
        let kinds: [ColumnBuilder.Kind] = [.int, .string, .float]
        XCTAssertNotNil(Self.scan(Array("1,a,2.5\n2,b,3\n".utf8), kinds: kinds, na: na))
        let declined = [
            "1,\"a\",2.5\n",      // a quote: the split knows quoting
            "1,a\n2,b,3\n",       // a short row (reported and padded by the split)
            "1,a,2.5,9\n",        // a long row (reported and dropped)
            "1,a,2.5\n\n2,b,3\n", // a blank line (skipped)
            "x,a,2.5\n",          // text in an int column (the column widens)
            "1,a,True\n",         // a Bool in a float column
            "1,a,2.5",            // no newline at the end (the file's last record)
            "1,a,2.5\r",          // a CR alone ends no line here
        ]
        for text in declined {
            XCTAssertNil(Self.scan(Array(text.utf8), kinds: kinds, na: na), text.debugDescription)
        }
        // A token that reads as a number makes every field a possible token: not scanned at all.
        XCTAssertFalse(CSVReader.TypedScan.applies(kinds: kinds, forced: [nil, nil, nil], na: ColumnBuilder.MissingTokens(["-999"])))
        XCTAssertFalse(CSVReader.TypedScan.applies(kinds: kinds, forced: [.int64, nil, nil], na: na))
        XCTAssertFalse(CSVReader.TypedScan.applies(kinds: [.empty, .int], forced: [nil, nil], na: na))
        XCTAssertTrue(CSVReader.TypedScan.applies(kinds: kinds, forced: [nil, .string, nil], na: na))
    }

    /// A whole file read in chunks (most of them scanned) and in one chunk (split) is the same frame.
    func testAFileReadsTheSameScannedOrSplit() throws {
        var rng = SplitMix(seed: 5)
        let kinds: [ColumnBuilder.Kind] = [.int, .float, .bool, .string, .string]
        // The first rows settle each column's type in its plainest form.
        var text = "i,f,b,s,id\n" + (0..<50).map { "\($0),\($0).5,True,w\($0 % 3),TX-\($0)" }.joined(separator: "\n") + "\n"
        text += String(decoding: Self.chunk(kinds: kinds, rows: 5000, crlf: false, rng: &rng), as: UTF8.self)
        let whole = try CSVReader.read(text: text, options: { var o = CSVOptions(); o.chunkBytes = 1 << 24; return o }())
        for size in [300, 4096, 65536] {
            let chunked = try CSVReader.read(text: text, options: { var o = CSVOptions(); o.chunkBytes = size; return o }())
            XCTAssertTrue(chunked.sameContents(as: whole), "chunks of \(size): \(CSVReaderTests.outline(chunked)) vs \(CSVReaderTests.outline(whole))")
            XCTAssertEqual(chunked.parseReport.issues, whole.parseReport.issues)
        }
    }

    /// An id column's chunks are listed and its repeats found at the end: the same frame and
    /// report as a read in one chunk, where every value is looked up as it comes.
    func testAColumnOfDistinctTextsReadsTheSameInChunks() throws {
        // The header's `°` says UTF-8 (a first chunk of ASCII and stray bytes alone would be Latin-1).
        var text = "id,n°\n"
        for i in 0..<20_000 {
            // Distinct at first, then repeats of earlier ids, and a value that is not UTF-8 twice.
            let id = i < 12_000 ? "TX-\(i)" : "TX-\(i % 7000)"
            text += (i == 13_000 || i == 15_000 ? "bad\u{FFFD}" : id) + ",\(i)\n"
        }
        var bytes = Array(text.utf8)
        // Make the two marked values stray Latin-1 bytes (0xE9) in a UTF-8 file.
        let marker = Array("\u{FFFD}".utf8)
        var i = 0
        while i + marker.count <= bytes.count {
            if Array(bytes[i..<(i + marker.count)]) == marker { bytes.replaceSubrange(i..<(i + marker.count), with: [0xE9]) }
            i += 1
        }
        var whole = CSVOptions(), chunked = CSVOptions()
        whole.chunkBytes = 1 << 24
        chunked.chunkBytes = 4096
        let a = try CSVReader.read(bytes: bytes, options: whole), b = try CSVReader.read(bytes: bytes, options: chunked)
        XCTAssertTrue(a.sameContents(as: b), "\(CSVReaderTests.outline(a)) vs \(CSVReaderTests.outline(b))")
        XCTAssertEqual(a.parseReport.issues, b.parseReport.issues)
        XCTAssertEqual(b.parseReport.issues.filter { $0.kind == .undecodable }.map(\.line), [13_002])
        let id = try b.column("id")
        guard case .string(_, let categories) = id.storage else { return XCTFail("id is \(id.dtype)") }
        XCTAssertEqual(categories.count, 12_001)
        XCTAssertEqual(Array(categories.prefix(3)), ["TX-0", "TX-1", "TX-2"])
        XCTAssertEqual(id.text(at: 19_999), "TX-\(19_999 % 7000)")
    }
}
