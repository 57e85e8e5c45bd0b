import XCTest
@testable import TesseraData

/// The frame essentials' edges: what pandas users would try first and what goes wrong
/// (test_frames.py compares the common cases with pandas itself).
final class FrameOperationsTests: XCTestCase {
    func frame() throws -> Frame {
        try Frame(columns: [
            Column("k", ints: [3, 1, nil, 1, 2]),
            Column("t", strings: ["b", "a", "a", nil, "c"]),
            Column("x", doubles: [0.5, .nan, 2, -1, nil]),
        ])
    }

    func read(_ text: String) throws -> Frame {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-ops-\(getpid())-\(UUID().uuidString).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return try CSVReader.read(path: path)
    }

    /// Text that would be split, trimmed or taken for a missing value is quoted, and reads
    /// back as the same text; numbers read back as the same Doubles.
    func testWrittenCSVReadsBackAsTheSameFrame() throws {
        let tricky = try Frame(columns: [
            Column("text", strings: ["NA", "", "a,b", "say \"hi\"", "two\nlines", " padded ", "null", nil, "Köln"]),
            Column("x", doubles: [0.1, -0.0, 1e-300, 123456789.125, .infinity, -.infinity, nil, 1e20, 3]),
            Column("n", ints: [Int64.min, Int64.max, 0, -7, nil, 10, 1, 2, 3]),
            Column("b", bools: [true, false, nil, true, true, false, false, true, true]),
        ])
        let text = CSVWriter().text(tricky)
        XCTAssertTrue(text.hasPrefix("text,x,n,b\n\"NA\",0.1,-9223372036854775808,true\n\"\",-0.0,9223372036854775807,false\n"), text)
        XCTAssertTrue(text.contains("\"say \"\"hi\"\"\"") && text.contains("\"two\nlines\"") && text.contains("\" padded \""), text)
        let back = try read(text)
        XCTAssertTrue(back.sameContents(as: tricky), "\(back.columns) vs \(tricky.columns)")
        XCTAssertEqual(try back.column("x").double(at: 1)?.sign, .minus)
        // NaN is written as a missing value, as pandas writes it: in a one-column frame as
        // `""` (an empty field there would be a blank line, which readers skip).
        let nan = try Frame(columns: [Column("x", doubles: [.nan, 1])])
        XCTAssertEqual(CSVWriter().text(nan), "x\n\"\"\n1.0\n")
        XCTAssertEqual(try read(CSVWriter().text(nan)).rowCount, 2)
        XCTAssertEqual(try read(CSVWriter().text(nan)).column("x").missingCount, 1)
        // One text column: a missing value is NA, the empty text "", the text NA "NA".
        let lone = try Frame(columns: [Column("t", strings: ["a", nil, "", "NA"])])
        XCTAssertEqual(CSVWriter().text(lone), "t\na\nNA\n\"\"\n\"NA\"\n")
        XCTAssertTrue(try read(CSVWriter().text(lone)).sameContents(as: lone))
        for column in [Column("n", ints: [nil, 3, nil]), Column("b", bools: [true, nil, nil]), Column("e", strings: [nil, nil, ""])] {
            let one = try Frame(columns: [column])
            XCTAssertTrue(try read(CSVWriter().text(one)).sameContents(as: one), CSVWriter().text(one))
        }
    }

    /// Every Double the writer formats reads back as the same Double, by Swift's parser and
    /// the CSV reader's, whether it takes the fast path (few decimals) or the general one.
    func testWrittenDoublesReadBackExactly() throws {
        var rng = SystemRandomNumberGenerator()
        var values: [Double] = [0.1, 0.2 + 0.1, 1e-4, 9.99999999e7, 1e8, 123.4567, -0.5, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 2.5e-5]
        for _ in 0..<20_000 {
            let decimals = Double(Int.random(in: 0...9, using: &rng))
            let scale = Foundation.pow(10, Double(Int.random(in: -6...10, using: &rng)))
            values.append((Double.random(in: -1...1, using: &rng) * scale * Foundation.pow(10, decimals)).rounded() / Foundation.pow(10, decimals))
            values.append(Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &rng)))
        }
        var hint = 0  // the writer's guess of the decimals, carried from value to value as in a column
        for x in values where x.isFinite {
            var out: [UInt8] = []
            CSVWriter.appendDouble(x, to: &out, decimals: &hint)
            let text = String(decoding: out, as: UTF8.self)
            XCTAssertEqual(Double(text)?.bitPattern, x.bitPattern, "\(x) was written \(text)")
            let parsed = out.withUnsafeBufferPointer { Number.double($0.baseAddress!, $0.count) }
            XCTAssertEqual(parsed?.bitPattern, x.bitPattern, "\(x) was written \(text), which the reader reads as \(String(describing: parsed))")
            if text.count > x.description.count { XCTFail("\(x): \(text) is longer than \(x.description)") }
        }
    }

    /// One long text does not make room for itself in every row: 100,000 rows with a 1 MB
    /// value in one of them write in megabytes of memory, not a hundred gigabytes.
    func testOneLongTextDoesNotSizeEveryRow() throws {
        var texts: [String?] = Array(repeating: "short", count: 100_000)
        texts[7] = String(repeating: "x", count: 1 << 20)
        let f = try Frame(columns: [Column("t", strings: texts)])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-long-\(getpid()).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try f.writeCSV(to: path)
        XCTAssertTrue(try CSVReader.read(path: path).sameContents(as: f))
    }

    func testAWrittenFileIsWholeAndItsErrorsAreIOErrors() throws {
        let rows = 300_000
        let big = try Frame(columns: [Column("i", ints: (0..<rows).map { Int64($0) }), Column("s", strings: (0..<rows).map { "v\($0 % 7)" })])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-big-\(getpid()).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var writer = CSVWriter()
        writer.batchRows = 70_000  // several batches, each split among the cores
        try writer.write(big, to: path)
        XCTAssertTrue(try CSVReader.read(path: path).sameContents(as: big))
        XCTAssertThrowsError(try big.writeCSV(to: "/nonexistent-folder/x.csv")) { e in
            XCTAssertTrue((e as? DataError)?.isIO ?? false)
            XCTAssertTrue("\(e)".contains("/nonexistent-folder/x.csv"), "\(e)")
        }
    }

    func testSortIsStableWithMissingLastBothWays() throws {
        let f = try frame()
        XCTAssertEqual(try f.sorted(by: ["k"], ascending: [true]).column("k").numericValues, [1, 1, 2, 3])
        XCTAssertEqual(try f.sorted(by: ["k"], ascending: [false]).column("t").text(at: 0), "b")
        // NaN and missing go last, descending too; ties keep their order.
        let desc = try f.sorted(by: ["x"], ascending: [false])
        XCTAssertEqual((0..<5).map { try! desc.column("x").value(at: $0) }.prefix(3), [.double(2), .double(0.5), .double(-1)])
        XCTAssertEqual(try f.sorted(by: ["t", "k"], ascending: [true]).column("k").value(at: 0), .int(1))
        XCTAssertThrowsError(try f.sorted(by: ["k", "t"], ascending: [true, false, true]))
        XCTAssertThrowsError(try f.sorted(by: ["nope"], ascending: [true])) { XCTAssertTrue("\($0)".contains("no column named 'nope'")) }
    }

    func testCountsGroupsAndSamples() throws {
        let f = try frame()
        let counts = try f.valueCounts("t")
        XCTAssertEqual(counts.columnNames, ["t", "count"])
        XCTAssertEqual(try counts.column("t").text(at: 0), "a")
        XCTAssertEqual(try f.valueCounts("t", dropMissing: false).rowCount, 4)
        let g = try f.grouped(by: ["t"]).aggregate([("x", .mean), ("x", .count), ("k", .sum), ("t", .max)])
        XCTAssertEqual(g.columnNames, ["t", "x_mean", "x_count", "k_sum", "t_max"])
        XCTAssertEqual(try g.column("t").text(at: 0), "a")
        XCTAssertEqual(try g.column("x_mean").value(at: 0), .double(2), "NaN is left out, as pandas does")
        XCTAssertEqual(try g.column("x_mean").value(at: 2), .missing, "a group without values has no mean")
        XCTAssertEqual(try g.column("k_sum").value(at: 0), .int(1))
        XCTAssertThrowsError(try f.grouped(by: ["t"]).aggregate([("t", .mean)])) { XCTAssertTrue("\($0)".contains("needs numbers")) }
        XCTAssertThrowsError(try f.grouped(by: []))
        let s = try f.sample(n: 5, seed: 9)
        XCTAssertEqual(Set((0..<5).map { try! s.column("k").value(at: $0) }), Set((0..<5).map { try! f.column("k").value(at: $0) }))
        XCTAssertTrue(try f.sample(n: 3, seed: 1).sameContents(as: try f.sample(n: 3, seed: 1)))
        XCTAssertEqual(try f.sample(n: 12, replace: true, seed: 1).rowCount, 12)
        XCTAssertEqual(try f.sample(fraction: 0.4).rowCount, 2)
        XCTAssertThrowsError(try f.sample(n: 6)) { XCTAssertTrue("\($0)".contains("replace: true")) }
        XCTAssertThrowsError(try f.sample(n: 1, fraction: 0.5))
        // A size no memory holds is refused before anything is made.
        XCTAssertThrowsError(try f.sample(n: 100_000_000_000_000, replace: true)) { XCTAssertTrue("\($0)".contains("would make 100000000000000 rows"), "\($0)") }
    }

    func testConcatAndJoin() throws {
        let f = try frame()
        let other = try Frame(columns: [Column("k", doubles: [1, 2, nil]), Column("t", strings: ["x", "y", "z"]), Column("w", bools: [true, false, true])])
        let both = try Frame.concatenated([f, other])
        XCTAssertEqual(both.columnNames, ["k", "t", "x", "w"])
        XCTAssertEqual(try both.column("k").dtype, .float64, "int64 meets float64 as float64")
        XCTAssertEqual(try both.column("w").missingCount, 5)
        let clash = try Frame(columns: [Column("t", ints: [1])])
        XCTAssertThrowsError(try Frame.concatenated([f, clash])) { XCTAssertTrue("\($0)".contains("'t' is string in an earlier frame and int64 in frame 1")) }
        // Keys match by value across int and float, missing matches missing (as pandas).
        let inner = try f.joined(other, on: ["k"])
        XCTAssertEqual(inner.columnNames, ["k", "t_x", "x", "t_y", "w"])
        XCTAssertEqual(inner.rowCount, 4, "1 twice, 2 once, missing once")
        let left = try f.joined(other, on: ["k"], how: .left)
        XCTAssertEqual(left.rowCount, 5)
        XCTAssertEqual(try left.column("t_y").value(at: 0), .missing, "3 has no match")
        XCTAssertThrowsError(try f.joined(other, on: ["w"])) { XCTAssertTrue("\($0)".contains("the left frame has no key column 'w'"), "\($0)") }
        XCTAssertEqual(try f.joined(other, on: ["t"]).columnNames, ["k_x", "t", "x", "k_y", "w"])
        let textKey = try Frame(columns: [Column("k", strings: ["1"])])
        XCTAssertThrowsError(try f.joined(textKey, on: ["k"])) { XCTAssertTrue("\($0)".contains("int64 on the left and string on the right")) }
    }

    func testClipAndLog1pAsTransforms() throws {
        let f = try Frame(columns: [Column("a", doubles: (0..<101).map { Double($0) }), Column("n", ints: (0..<101).map { Int64($0) })])
        let q = try Clip(quantiles: (0.05, 0.95)).fit(f)
        XCTAssertEqual(q.bounds.map(\.lower), [5, 5])
        XCTAssertEqual(try q.apply(f).column("a").numericValues.max(), 95)
        XCTAssertEqual(try q.apply(f).column("n").dtype, .int64, "whole bounds keep an int column int")
        XCTAssertEqual(try Clip(["n"], upper: 9.5).fit(f).apply(f).column("n").dtype, .float64)
        XCTAssertThrowsError(try Clip().fit(f)) { XCTAssertTrue("\($0)".contains("needs lower:, upper: or quantiles:")) }
        XCTAssertThrowsError(try Clip(lower: 3, upper: 1).fit(f))
        XCTAssertThrowsError(try Clip(lower: .nan).fit(f)) { XCTAssertTrue("\($0)".contains("not nan")) }
        let logged = try Log1p(["a"]).fit(f).apply(f)
        XCTAssertEqual(try logged.column("a").double(at: 100)!, log1p(100), accuracy: 1e-12)
        let negative = try Frame(columns: [Column("a", doubles: [0, -2])])
        XCTAssertThrowsError(try Log1p().fit(negative).apply(negative)) { XCTAssertTrue("\($0)".contains("row 1") && "\($0)".contains("Clip")) }
        // Both are pipeline steps, saved and read back by kind.
        let label = try f.setting(Column("label", ints: (0..<101).map { Int64($0 % 2) }))
        let (p, _) = try FittedPipeline.fit([Clip(quantiles: (0.1, 0.9)), Log1p(["a"])], on: label, target: "label")
        let back = try FittedPipeline(json: try p.json())
        XCTAssertEqual(try back.prepare(label).features, try p.prepare(label).features)
    }
}
