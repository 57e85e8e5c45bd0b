import Foundation
import XCTest
@testable import TesseraData

/// CSV edge cases, each with its own test: quoting, NA tokens, encodings, ragged rows,
/// sniffing, inference, and the files that are not CSV at all.
final class CSVReaderTests: XCTestCase {
    func read(_ text: String, _ configure: (inout CSVOptions) -> Void = { _ in }) throws -> Frame {
        var o = CSVOptions()
        configure(&o)
        return try CSVReader.read(text: text, options: o)
    }

    func texts(_ c: Column) -> [String?] { (0..<c.count).map { c.text(at: $0) } }

    func testQuotedFieldsHoldDelimitersNewlinesAndQuotes() throws {
        let f = try read("name,note,n\n\"Smith, J\",\"line one\nline two\",1\n\"say \"\"hi\"\"\",plain,2\n")
        XCTAssertEqual(f.shape.rows, 2)
        XCTAssertEqual(texts(try f.column("name")), ["Smith, J", "say \"hi\""])
        XCTAssertEqual(texts(try f.column("note")), ["line one\nline two", "plain"])
        XCTAssertEqual(try f.column("n").dtype, .int64)
    }

    func testQuotedNewlinesAcrossChunkBoundaries() throws {
        var text = "id,text\n"
        for i in 0..<200 { text += "\(i),\"a, b\nc \"\"\(i)\"\"\"\n" }
        let f = try read(text) { $0.chunkBytes = 7 }
        XCTAssertEqual(f.shape.rows, 200)
        XCTAssertEqual(try f.column("text").text(at: 137), "a, b\nc \"137\"")
        XCTAssertTrue(f.parseReport.isClean, f.parseReport.summary)
    }

    func testPandasNATokensAreMissing() throws {
        let f = try read("a,b\n1,NA\n2,\n3,n/a\nNULL,x\n#N/A,None\n")
        let a = try f.column("a"), b = try f.column("b")
        XCTAssertEqual(a.dtype, .int64)
        XCTAssertEqual(a.missingCount, 2)
        XCTAssertEqual(texts(b), [nil, nil, nil, "x", nil])
        // A quoted "NA" is text someone wrote on purpose, and so is a quoted empty field: pandas
        // and writeCSV write an empty text as "" and a missing value as nothing (pandas reads
        // both back as missing; Tessera keeps what the file says, so a frame round-trips).
        let g = try read("a\n\"NA\"\n\"\"\nNA\n")
        XCTAssertEqual(texts(try g.column("a")), ["NA", "", nil])
        // pandas writes a missing value of a one-column frame as "" (an empty field would be
        // a blank line): in a column of numbers it is missing, as pandas reads it.
        let single = try read("x\n1.5\n\"\"\n2\n")
        XCTAssertEqual(try single.column("x").dtype, .float64)
        XCTAssertEqual(try single.column("x").missingCount, 1)
        // The same across chunks, whichever chunk sets the type, and in a later text chunk.
        let chunked = try read("x\n\"\"\n\"\"\n1\n2\n3\n4\n5\n6\n\"\"\n7\n") { $0.chunkBytes = 6 }
        XCTAssertEqual(try chunked.column("x").dtype, .int64)
        XCTAssertEqual(try chunked.column("x").missingCount, 3)
        let widened = try read("x\n1\n\"\"\n2\n3\n4\n5\nabc\n") { $0.chunkBytes = 6 }
        XCTAssertEqual(texts(try widened.column("x")), ["1", "", "2", "3", "4", "5", "abc"])
        let onlyEmpty = try read("x\n\"\"\n\"\"\n")
        XCTAssertEqual(texts(try onlyEmpty.column("x")), ["", ""])
        // Custom NA tokens replace the defaults.
        let h = try read("a\n-999\n5\nNA\n") { $0.naTokens = ["-999"] }
        XCTAssertEqual(texts(try h.column("a")), [nil, "5", "NA"])
    }

    func testBOMIsDroppedAndLatin1IsDetected() throws {
        var bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        bom += Array("city,n\nZürich,1\n".utf8)
        let f = try CSVReader.read(bytes: bom)
        XCTAssertEqual(f.columnNames, ["city", "n"])
        XCTAssertEqual(try f.column("city").text(at: 0), "Zürich")
        XCTAssertEqual(f.parseReport.encoding, "utf-8 (BOM)")
        let latin1: [UInt8] = Array("city,n\n".utf8) + [0x5A, 0xFC, 0x72, 0x69, 0x63, 0x68] + Array(",1\n".utf8)
        let g = try CSVReader.read(bytes: latin1)
        XCTAssertEqual(try g.column("city").text(at: 0), "Zürich")
        XCTAssertEqual(g.parseReport.encoding, "latin-1")
    }

    func testUndecodableBytesLaterInAUTF8FileAreReportedByLine() throws {
        var bytes = Array("city,n\nZürich,1\n".utf8)
        bytes += [0x42, 0xE9, 0x6C, 0x65] + Array(",2\n".utf8)  // "Béle" in Latin-1
        let f = try CSVReader.read(bytes: bytes)
        XCTAssertEqual(try f.column("city").text(at: 1), "Béle")
        XCTAssertEqual(f.parseReport.issues.first?.line, 3)
        XCTAssertEqual(f.parseReport.issues.first?.kind, .undecodable)
    }

    func testRaggedRowsAreReportedWithLineNumbers() throws {
        let f = try read("a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n")
        XCTAssertEqual(f.shape.rows, 3)  // the long row is skipped, the short one padded
        XCTAssertEqual(texts(try f.column("c")), ["3", nil, "12"])
        XCTAssertEqual(f.parseReport.issues.map(\.line), [3, 4])
        XCTAssertEqual(f.parseReport.issues.map(\.kind), [.shortRow, .longRow])
        XCTAssertThrowsError(try read("a,b,c\n1,2,3\n4,5\n") { $0.strict = true }) { error in
            XCTAssertTrue("\(error)".contains("1 bad line, first line 3"), "\(error)")
        }
    }

    func testUnterminatedQuoteIsReported() throws {
        let f = try read("a,b\n1,x\n2,\"never closed\n3,y\n")
        XCTAssertEqual(f.shape.rows, 1)
        XCTAssertEqual(f.parseReport.issues.first?.kind, .unterminatedQuote)
        XCTAssertEqual(f.parseReport.issues.first?.line, 3)
    }

    func testDelimiterIsSniffed() throws {
        XCTAssertEqual(try read("a;b;c\n1;2,5;3\n4;5;6\n").columnNames, ["a", "b", "c"])
        XCTAssertEqual(try read("a\tb\n1\t2\n").parseReport.delimiter, "\t")
        XCTAssertEqual(try read("a|b\n1|2\n").columnNames, ["a", "b"])
    }

    func testHeaderIsDetected() throws {
        let numeric = try read("1,2,3\n4,5,6\n")
        XCTAssertEqual(numeric.columnNames, ["column1", "column2", "column3"])
        XCTAssertEqual(numeric.shape.rows, 2)
        XCTAssertEqual(try read("x,y\n1,2\n").columnNames, ["x", "y"])
        XCTAssertEqual(try read("1,2\n3,4\n") { $0.header = true }.columnNames, ["1", "2"])
    }

    func testTypesAreInferredAndOverridable() throws {
        let f = try read("i,f,b,s,mixed\n1,1.5,True,x,1\n-2,2e3,false,y,two\n")
        XCTAssertEqual(f.columns.map(\.dtype), [.int64, .float64, .bool, .string, .string])
        XCTAssertEqual(try f.column("f").double(at: 1), 2000)
        let g = try read("zip,amount\n01234,5\n90210,x\n") { $0.types = ["zip": .string, "amount": .float64] }
        XCTAssertEqual(try g.column("zip").text(at: 0), "01234")
        XCTAssertEqual(try g.column("amount").missingCount, 1)
        XCTAssertEqual(g.parseReport.issues.first?.kind, .conversion)
        XCTAssertThrowsError(try read("a\n1\n") { $0.types = ["b": .string] })
    }

    func testChunksWidenTypes() throws {
        var text = "v\n"
        for i in 0..<100 { text += "\(i)\n" }
        text += "2.5\n"
        let f = try read(text) { $0.chunkBytes = 64 }
        XCTAssertEqual(try f.column("v").dtype, .float64)
        XCTAssertEqual(try f.column("v").double(at: 100), 2.5)
        let g = try read(text + "oops\n") { $0.chunkBytes = 64 }
        XCTAssertEqual(try g.column("v").dtype, .string)
        XCTAssertEqual(try g.column("v").text(at: 3), "3")
    }

    /// Chunks are split and converted on several cores and put together in order; a chunk
    /// read before its column's type was known is read again from that type. Whatever the
    /// chunk size, the frame and the report are the ones a single chunk gives, on files
    /// whose columns change type part way, with quotes, ragged rows, blank lines and NA.
    func testChunkSizeNeverChangesWhatIsRead() throws {
        var rng = SplitMix(seed: 7)
        let cells: [(inout SplitMix) -> String] = [
            { "\($0.next() % 1000)" }, { "-\($0.next() % 100).\($0.next() % 100)" }, { _ in "NA" }, { _ in "" }, { _ in "\"\"" },
            { "w\($0.next() % 5)" }, { _ in "True" }, { _ in "\"a,b\"" }, { _ in "\"two\nlines\"" }, { "007\($0.next() % 3)" },
        ]
        for trial in 0..<40 {
            let width = 1 + Int(rng.next() % 4)
            // Each column draws from a few kinds of cell, changing after a random row.
            let plans = (0..<width).map { _ in (Int(rng.next() % 10), Int(rng.next() % 10), Int(rng.next() % 300)) }
            var text = (0..<width).map { "c\($0)" }.joined(separator: ",") + "\n"
            for row in 0..<(50 + Int(rng.next() % 400)) {
                if rng.next() % 40 == 0 { text += "\n"; continue }
                var fields = plans.map { plan in cells[row < plan.2 ? plan.0 : plan.1](&rng) }
                if rng.next() % 60 == 0 { fields.removeLast() }
                if rng.next() % 60 == 0 { fields.append("extra") }
                text += fields.joined(separator: ",") + (rng.next() % 20 == 0 ? "\r\n" : "\n")
            }
            if trial % 3 == 0 { text.removeLast() }
            let whole = try read(text) { $0.chunkBytes = 1 << 20 }
            for size in [5, 64, 333, 4096] {
                let chunked = try read(text) { $0.chunkBytes = size }
                XCTAssertTrue(chunked.sameContents(as: whole), "trial \(trial), chunks of \(size): \(Self.outline(chunked)) vs \(Self.outline(whole))")
                XCTAssertEqual(chunked.parseReport.issues, whole.parseReport.issues, "trial \(trial), chunks of \(size)")
            }
        }
    }

    /// Each column's name, type, missing count and first values: enough to see what differs.
    static func outline(_ f: Frame) -> String {
        f.columns.map { c in "\(c.name) \(c.dtype) \(c.missingCount) missing \((0..<Swift.min(8, c.count)).map { c.text(at: $0) ?? "NA" })" }.joined(separator: "; ")
    }

    func testFloatsAreCorrectlyRounded() throws {
        let values = ["0.1", "3.14159", "-2.5e-10", "1e22", "1.7976931348623157e308", "123456789012345678", "0.30000000000000004", "inf", "-Infinity"]
        let f = try read("x\n" + values.joined(separator: "\n") + "\n")
        let c = try f.column("x")
        for (i, v) in values.enumerated() {
            XCTAssertEqual(c.double(at: i), Double(v == "inf" ? "inf" : v == "-Infinity" ? "-inf" : v), v)
        }
    }

    func testCRLFAndBlankLines() throws {
        let f = try read("a,b\r\n1,x\r\n\r\n2,y\r\n")
        XCTAssertEqual(f.shape.rows, 2)
        XCTAssertEqual(texts(try f.column("b")), ["x", "y"])
    }

    func testDuplicateAndEmptyColumnNamesAreRenamed() throws {
        let f = try read("a,a,,b\n1,2,3,4\n")
        XCTAssertEqual(f.columnNames, ["a", "a.1", "column3", "b"])
        XCTAssertEqual(f.parseReport.issues.filter { $0.kind == .renamedColumn }.count, 2)
    }

    func testFilesThatAreNotCSV() throws {
        XCTAssertThrowsError(try read("")) { XCTAssertTrue("\($0)".contains("is empty")) }
        XCTAssertThrowsError(try read("\n\n  \n")) { XCTAssertTrue("\($0)".contains("empty") || "\($0)".contains("no rows")) }
        let headerOnly = try read("a,b,c\n")
        XCTAssertEqual(headerOnly.shape.rows, 0)
        XCTAssertEqual(headerOnly.columnNames, ["a", "b", "c"])
        XCTAssertThrowsError(try CSVReader.read(bytes: [0x89, 0x50, 0x4E, 0x47, 0, 0, 1, 2])) {
            XCTAssertTrue("\($0)".contains("binary file"), "\($0)")
        }
        XCTAssertThrowsError(try CSVReader.read(path: "/no/such/file.csv")) { error in
            XCTAssertTrue("\(error)".contains("cannot read '/no/such/file.csv': no such file"))
            XCTAssertTrue((error as? DataError)?.isIO ?? false)
        }
    }

    func testReadsFromAFileInChunksWithProgress() throws {
        let path = NSTemporaryDirectory() + "tessera-csv-\(UUID().uuidString).csv"
        defer { try? FileManager.default.removeItem(atPath: path) }
        var text = "id,value,label\n"
        for i in 0..<5000 { text += "\(i),\(Double(i) / 3),\(i % 2 == 0 ? "even" : "odd")\n" }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        var o = CSVOptions()
        o.chunkBytes = 4096
        var reports: [Int] = []
        let f = try CSVReader.read(path: path, options: o, progress: { done, _ in reports.append(done) })
        XCTAssertEqual(f.shape.rows, 5000)
        XCTAssertEqual(try f.column("value").double(at: 4999), 4999.0 / 3)
        XCTAssertGreaterThan(reports.count, 10)
        XCTAssertEqual(reports.last, text.utf8.count)
        var calls = 0
        XCTAssertThrowsError(try CSVReader.read(path: path, options: o, isCancelled: { calls += 1; return calls > 3 })) {
            XCTAssertTrue($0 is CSVReader.Cancelled)
        }
    }
}

/// A small seeded generator, so a failing case can be read again.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
