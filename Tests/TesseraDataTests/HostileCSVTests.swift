import Foundation
import XCTest
@testable import TesseraData

/// Files that used to be read silently wrong, or not at all: line endings of classic Mac
/// OS, encodings other than UTF-8, a few stray bytes, huge headers, paths that are not
/// files. Each is read right, or refused with its name.
final class HostileCSVTests: XCTestCase {
    var folder: String!

    override func setUp() {
        folder = NSTemporaryDirectory() + "tessera-hostile-csv-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(atPath: folder) }

    func texts(_ c: Column) -> [String?] { (0..<c.count).map { c.text(at: $0) } }

    func testCROnlyLineEndingsReadEveryRow() throws {
        let f = try CSVReader.read(text: "a,b,label\r1,2,x\r3,4,y\r5,\"six\rlines\",x\r")
        XCTAssertEqual(f.shape.rows, 3)
        XCTAssertEqual(f.columnNames, ["a", "b", "label"])
        XCTAssertEqual(try f.column("a").dtype, .int64)
        XCTAssertEqual(texts(try f.column("label")), ["x", "y", "x"])
        XCTAssertEqual(f.parseReport.lineEndings, "CR (classic Mac OS)")
        XCTAssertTrue(f.parseReport.summary.contains("lines ended by CR"), f.parseReport.summary)
        // Across chunks, too.
        var o = CSVOptions()
        o.chunkBytes = 5
        let g = try CSVReader.read(text: "a,b\r" + (0..<300).map { "\($0),\($0 * 2)\r" }.joined(), options: o)
        XCTAssertEqual(g.shape.rows, 300)
        XCTAssertEqual(try g.column("b").double(at: 299), 598)
        // CRLF files are not mistaken for CR ones.
        XCTAssertNil(try CSVReader.read(text: "a\r\n1\r\n").parseReport.lineEndings)
    }

    func testDuplicateHeaderNamesAreRenamedInLinearTime() throws {
        let n = 80_000
        let text = Array(repeating: "x", count: n).joined(separator: ",") + "\n" + Array(repeating: "1", count: n).joined(separator: ",") + "\n"
        let start = Date()
        let f = try CSVReader.read(text: text)
        XCTAssertLessThan(Date().timeIntervalSince(start), 60, "quadratic renaming took 10.7 s for this header in release builds")
        XCTAssertEqual(f.columnNames.count, n)
        XCTAssertEqual(f.columnNames[0], "x")
        XCTAssertEqual(f.columnNames[1], "x.1")
        XCTAssertEqual(f.columnNames[n - 1], "x.\(n - 1)")
        XCTAssertEqual(Set(f.columnNames).count, n)
        // A name that collides with a made-up one is skipped past, as pandas does.
        var report = ParseReport()
        XCTAssertEqual(try CSVReader.Converter.columnNames(["a", "a.1", "a", "a"], report: &report), ["a", "a.1", "a.2", "a.3"])
    }

    func testAUTF8FileWithAFewStrayBytesKeepsItsUTF8() throws {
        // One é in UTF-8, then two fields with Latin-1 bytes: still a UTF-8 file.
        var bytes = Array("name,city\nAnn,café\n".utf8)
        bytes += Array("Bob,K".utf8) + [0xF6] + Array("ln\n".utf8)
        bytes += Array("Cy,".utf8) + [0xE9, 0xE8] + Array("\n".utf8)
        let f = try CSVReader.read(bytes: bytes)
        XCTAssertEqual(texts(try f.column("city")), ["café", "Köln", "éè"])
        XCTAssertEqual(f.parseReport.encoding, "utf-8")
        let bad = f.parseReport.issues.filter { $0.kind == .undecodable }
        XCTAssertEqual(bad.map(\.line), [3, 4])
        XCTAssertTrue(bad[0].message.contains("\\xF6 at byte 2"), bad[0].message)
        XCTAssertFalse(bad[0].message.contains("\u{FFFD}"), "reports show the characters, not replacement marks")
        // A mixed field keeps its UTF-8 part.
        let g = try CSVReader.read(bytes: Array("a\nx\n".utf8) + Array("café ".utf8) + [0xFF] + Array("\n".utf8))
        XCTAssertEqual(try g.column("a").text(at: 1), "café ÿ")
        // A file with no UTF-8 characters at all is Latin-1, as before.
        let h = try CSVReader.read(bytes: Array("city\n".utf8) + [0x4B, 0xF6, 0x6C, 0x6E] + Array("\n".utf8))
        XCTAssertEqual(try h.column("city").text(at: 0), "Köln")
        XCTAssertEqual(h.parseReport.encoding, "latin-1")
    }

    /// Reports quote a Latin-1 file's text as it reads, not as U+FFFD replacement marks.
    func testReportsOfALatin1FileShowItsCharacters() throws {
        var o = CSVOptions()
        o.types = ["n": .int64]
        let bytes = Array("name,n\n".utf8) + [0x4B, 0xF6, 0x6C, 0x6E] + Array(",zw".utf8) + [0xF6] + Array("lf\n".utf8)
        let f = try CSVReader.read(bytes: bytes, options: o)
        let conversion = try XCTUnwrap(f.parseReport.issues.first { $0.kind == .conversion })
        XCTAssertTrue(conversion.message.contains("'zwölf' is not int64"), conversion.message)
        XCTAssertFalse(f.parseReport.summary.contains("\u{FFFD}"))
    }

    func testUTF16IsReadAndUTF32IsRefusedByName() throws {
        let text = "a,b\n1,é\n2,日本\n3,🙂\n"
        func utf16(_ bigEndian: Bool, bom: Bool) -> [UInt8] {
            var out: [UInt8] = bom ? (bigEndian ? [0xFE, 0xFF] : [0xFF, 0xFE]) : []
            for u in text.utf16 { out += bigEndian ? [UInt8(u >> 8), UInt8(u & 0xFF)] : [UInt8(u & 0xFF), UInt8(u >> 8)] }
            return out
        }
        for (bigEndian, bom) in [(false, true), (true, true), (false, false), (true, false)] {
            let f = try CSVReader.read(bytes: utf16(bigEndian, bom: bom))
            XCTAssertEqual(f.columnNames, ["a", "b"], "big endian \(bigEndian), BOM \(bom)")
            XCTAssertEqual(texts(try f.column("b")), ["é", "日本", "🙂"])
            XCTAssertEqual(f.parseReport.encoding, bigEndian ? "utf-16be" : "utf-16le")
        }
        // Split into tiny chunks, a character (or a surrogate pair) may straddle two.
        let path = folder + "/u16.csv"
        try Data(utf16(false, bom: true)).write(to: URL(fileURLWithPath: path))
        var o = CSVOptions()
        o.chunkBytes = 3
        XCTAssertEqual(texts(try CSVReader.read(path: path, options: o).column("b")), ["é", "日本", "🙂"])
        XCTAssertThrowsError(try CSVReader.read(bytes: [0xFF, 0xFE, 0, 0, 0x61, 0, 0, 0])) { error in
            XCTAssertTrue("\(error)".contains("is UTF-32LE text"), "\(error)")
        }
    }

    func testPathsThatAreNotFilesAreRefusedWithoutBlocking() throws {
        let fifo = folder + "/pipe.csv"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let started = Date()
        XCTAssertThrowsError(try CSVReader.read(path: fifo)) { XCTAssertTrue("\($0)".contains("a FIFO (named pipe), not a regular file"), "\($0)") }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "a FIFO without a writer must not block the read")
        XCTAssertThrowsError(try CSVReader.read(path: folder)) { XCTAssertTrue("\($0)".contains("it is a folder"), "\($0)") }
        XCTAssertThrowsError(try CSVReader.read(path: "/dev/zero")) { XCTAssertTrue("\($0)".contains("a character device"), "\($0)") }
        let loop = folder + "/loop.csv"
        XCTAssertEqual(symlink(loop, loop), 0)
        XCTAssertThrowsError(try CSVReader.read(path: loop)) { error in
            XCTAssertTrue("\(error)".contains("a loop of symbolic links"), "\(error)")
            XCTAssertFalse("\(error)".contains("no such file"))
        }
        try "a\n1\n".write(toFile: folder + "/a.csv", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try CSVReader.read(path: folder + "/a.csv\0.txt")) { error in
            XCTAssertTrue("\(error)".contains("NUL character"), "a NUL must not cut the path short to a file that exists: \(error)")
        }
    }

    func testAVeryLongLineIsReadInLinearTime() throws {
        let path = folder + "/long.csv"
        let cells = 2_000_000
        let text = "a\n" + String(repeating: "x", count: cells) + "\n1\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        var o = CSVOptions()
        o.chunkBytes = 4096
        let start = Date()
        let f = try CSVReader.read(path: path, options: o)
        XCTAssertLessThan(Date().timeIntervalSince(start), 60)
        XCTAssertEqual(f.shape.rows, 2)
        XCTAssertEqual(try f.column("a").text(at: 0)?.count, cells)
    }
}
