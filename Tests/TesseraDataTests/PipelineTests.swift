import XCTest
@testable import TesseraData
import TesseraTensor

/// A fitted pipeline: the schema check, unseen categories, drift, and the saved form.
final class PipelineTests: XCTestCase {
    /// A small frame with a gap, a text column and a text target.
    func frame(rows: Int = 200, seed: Int = 0) throws -> Frame {
        let channels = ["web", "store", "phone"]
        let amounts: [Double?] = (0..<rows).map { i -> Double? in i % 17 == 0 ? nil : Double((i * 37 + seed) % 101) + 0.25 }
        let texts: [String?] = (0..<rows).map { i -> String? in channels[(i + seed) % 3] }
        let hours: [Int64?] = (0..<rows).map { i -> Int64? in Int64((i * 7) % 24) }
        let labels: [String?] = (0..<rows).map { i -> String? in i % 4 == 0 ? "fraud" : "ok" }
        return try Frame(columns: [Column("amount", doubles: amounts), Column("channel", strings: texts), Column("hour", ints: hours),
                                   Column("label", strings: labels)], target: "label")
    }

    func fitted(_ transforms: [any Transform] = [Impute(.median), OneHot(), Standardize()]) throws -> (FittedPipeline, FittedPipeline.Prepared) {
        try FittedPipeline.fit(transforms, on: try frame(), target: "label")
    }

    func testColumnsAreMatchedByNameInAnyOrder() throws {
        let (p, train) = try fitted()
        XCTAssertEqual(p.schema.featureNames, ["amount", "channel", "hour"])
        XCTAssertEqual(p.schema.classes, ["fraud", "ok"])
        XCTAssertEqual(train.features.shape, [200, 5])
        let f = try frame()
        let reordered = try f.select(["label", "hour", "channel", "amount"])
        let a = try p.prepare(f), b = try p.prepare(reordered)
        XCTAssertEqual(a.features, b.features)
        XCTAssertEqual(a.targets, train.targets)
        XCTAssertEqual(b.targets?.storage.prefix(4), [0, 1, 1, 1], "fraud is class 0, ok class 1 (sorted)")
    }

    func testMissingExtraAndRetypedColumnsAreClearErrors() throws {
        let (p, _) = try fitted()
        let f = try frame()
        XCTAssertThrowsError(try p.prepare(try f.drop(["hour"]))) { e in
            XCTAssertTrue("\(e)".contains("lacks: 'hour'"), "\(e)")
        }
        let extra = try Frame(columns: f.columns + [Column("note", strings: (0..<200).map { _ in "x" })], target: "label")
        XCTAssertThrowsError(try p.prepare(extra)) { e in
            XCTAssertTrue("\(e)".contains("not fitted with: 'note'") && "\(e)".contains("strict: false"), "\(e)")
        }
        let lenient = try p.prepare(extra, strict: false)
        XCTAssertEqual(lenient.dropped, ["note"])
        XCTAssertEqual(lenient.features, try p.prepare(f).features)
        let retyped = try f.setting(Column("hour", strings: (0..<200).map { "h\($0 % 24)" }))
        XCTAssertThrowsError(try p.prepare(retyped)) { e in
            XCTAssertTrue("\(e)".contains("'hour' was int64 at fit and is string here"), "\(e)")
            XCTAssertTrue("\(e)".contains("types: [\"hour\": \"int64\"]"), "\(e)")
        }
        // Whole numbers read as floats are the same column.
        let floats = try f.setting(Column("hour", doubles: (0..<200).map { Double(($0 * 7) % 24) }))
        XCTAssertEqual(try p.prepare(floats).features, try p.prepare(f).features)
        // A renamed column is named with its likely match.
        let renamed = try Frame(columns: f.columns.map { $0.name == "amount" ? Column(name: "amount_", storage: $0.storage, missing: $0.missing) : $0 }, target: "label")
        XCTAssertThrowsError(try p.prepare(renamed)) { e in XCTAssertTrue("\(e)".contains("'amount' may be 'amount_'"), "\(e)") }
    }

    func testUnseenCategoriesAreCountedAndEncodedAsChosen() throws {
        let f = try frame()
        var channels = (0..<200).map { ["web", "store", "phone"][$0 % 3] }
        for i in [3, 9, 27] { channels[i] = "crypto" }
        channels[50] = "fax"
        let later = try f.setting(Column("channel", strings: channels))
        for unseen in OneHot.Unseen.allCases {
            let (p, _) = try FittedPipeline.fit([Impute(.median), OneHot(unseen: unseen)], on: f, target: "label")
            let r = try p.prepare(later)
            XCTAssertEqual(r.unseen.count, 1)
            XCTAssertEqual(r.unseen.first?.column, "channel")
            XCTAssertEqual(r.unseen.first?.rows, 4)
            XCTAssertEqual(r.unseen.first?.values.first?.0, "crypto")
            XCTAssertEqual(r.unseen.first?.values.first?.1, 3)
            // amount, channel=phone, store, web [, (other)], hour: row 3's channel bits.
            let width = r.features.shape[1]
            let bits = Array(r.features.storage[(3 * width + 1)..<(3 * width + width - 1)])
            XCTAssertEqual(bits, unseen == .zeros ? [0, 0, 0] : [0, 0, 0, 1], "\(unseen)")
        }
    }

    /// A column per category is counted before it is made: one-hot encoding a million distinct
    /// ids into a million columns is a DataError naming the size, not a terabyte allocation.
    func testOneHotOfAnIdColumnIsRefusedBeforeItAllocates() throws {
        let ids: [String?] = (0..<1_000_000).map { "TX-\($0)" }
        let f = try Frame(columns: [Column("id", strings: ids)])
        let fitted = try OneHot(["id"], maxCategories: 1_000_000).fit(f)
        XCTAssertThrowsError(try fitted.apply(f)) { XCTAssertTrue("\($0)".contains("maxCategories"), "\($0)") }
    }

    func testTextTargetsMapToTheFittedClasses() throws {
        let (p, _) = try fitted()
        // The classes are those the training rows hold, not every category the column once had.
        let withoutFraud = try frame().filter { $0 % 4 != 0 }
        XCTAssertEqual(try FittedPipeline.fit([OneHot(), Impute()], on: withoutFraud, target: "label").0.schema.classes, ["ok"])
        // A test split with one class only still maps it to its index at fit.
        let onlyOk = try frame().filter { $0 % 4 != 0 }
        XCTAssertEqual(Set(try p.prepare(onlyOk, needTarget: true).targets!.storage), [1])
        let unknown = try frame().setting(Column("label", strings: (0..<200).map { $0 == 5 ? "chargeback" : "ok" }))
        XCTAssertThrowsError(try p.prepare(unknown, needTarget: true)) { e in
            XCTAssertTrue("\(e)".contains("'chargeback' (1 rows)") && "\(e)".contains("'fraud', 'ok'"), "\(e)")
        }
        XCTAssertThrowsError(try p.prepare(try frame().drop(["label"]), needTarget: true)) { e in XCTAssertTrue("\(e)".contains("no target column 'label'")) }
        XCTAssertNil(try p.prepare(try frame().drop(["label"])).targets)
    }

    /// The saved form gives the same features bit for bit, and its JSON is the documented one.
    func testTheJSONRoundTripIsExact() throws {
        let (p, _) = try fitted([Impute(.mean), OneHot(["channel", "hour"], maxCategories: 5, unseen: .other), Standardize()])
        let json = try p.json()
        let back = try FittedPipeline(json: json)
        let f = try frame(seed: 5)
        XCTAssertEqual(try back.prepare(f).features.storage.map(\.bitPattern), try p.prepare(f).features.storage.map(\.bitPattern))
        XCTAssertEqual(back.schema, p.schema)
        XCTAssertEqual(back.profile, p.profile)
        XCTAssertEqual(try back.json(), json)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        XCTAssertEqual(object["format"] as? Int, 1)
        let steps = try XCTUnwrap(object["steps"] as? [[String: Any]])
        XCTAssertEqual(steps.map { $0["kind"] as? String }, ["Impute", "OneHot", "Standardize"])
        let fills = try XCTUnwrap((steps[0]["fitted"] as? [String: Any])?["fills"] as? [[String: Any]])
        XCTAssertEqual(fills.first?["name"] as? String, "amount")
        XCTAssertNotNil((fills.first?["value"] as? [String: Any])?["double"])
        let schema = try XCTUnwrap(object["schema"] as? [String: Any])
        XCTAssertEqual((schema["features"] as? [[String: Any]])?.map { $0["dtype"] as? String }, ["float64", "string", "int64"])
    }

    /// A saved pipeline is hostile until checked: every defect is a DataError, never a trap.
    func testHostileSavedPipelinesAreRefused() throws {
        let (p, _) = try fitted()
        let good = try p.json()
        func mutated(_ change: (inout [String: Any]) -> Void) throws -> String {
            var object = try JSONSerialization.jsonObject(with: Data(good.utf8)) as! [String: Any]
            change(&object)
            return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        }
        let cases: [(String, String)] = [
            ("not json", "{"),
            ("a format from the future", try mutated { $0["format"] = 99 }),
            ("an unknown kind", try mutated { o in var s = o["steps"] as! [[String: Any]]; s[0]["kind"] = "Shuffle"; o["steps"] = s }),
            ("a missing schema", try mutated { $0["schema"] = nil }),
            ("a feature twice", try mutated { o in var s = o["schema"] as! [String: Any]; var f = s["features"] as! [Any]; f.append(f[0]); s["features"] = f; o["schema"] = s }),
            ("a class twice", try mutated { o in var s = o["schema"] as! [String: Any]; s["classes"] = ["ok", "ok"]; o["schema"] = s }),
            ("bins that do not match", try mutated { o in
                var pr = o["profile"] as! [String: Any]; var fs = pr["features"] as! [[String: Any]]
                var d = fs[0]["distribution"] as! [String: Any]; d["fractions"] = [0.5]; fs[0]["distribution"] = d
                pr["features"] = fs; o["profile"] = pr
            }),
            ("a cell of no type", try mutated { o in
                var s = o["steps"] as! [[String: Any]]; var fitted = s[0]["fitted"] as! [String: Any]
                fitted["fills"] = [["name": "amount", "value": ["complex": 1]]]; s[0]["fitted"] = fitted; o["steps"] = s
            }),
        ]
        for (what, json) in cases {
            XCTAssertThrowsError(try FittedPipeline(json: json), what) { e in
                XCTAssertTrue(e is DataError, what)
                XCTAssertTrue("\(e)".contains("saved pipeline"), "\(what): \(e)")
            }
        }
    }

    /// The profile's PSI is the drift check's, and rows beyond the range are counted.
    func testDriftAgreesWithTheDriftCheck() throws {
        let (p, _) = try fitted()
        let train = try frame()
        var amounts = (0..<200).map { Double(($0 * 37) % 101) + 30 }
        amounts[0] = 500
        amounts[1] = -400
        let later = try train.setting(Column("amount", doubles: amounts))
        let report = p.profile.drift(later)
        let amount = try XCTUnwrap(report.columns.first { $0.name == "amount" })
        XCTAssertEqual(amount.psi, DriftCheck.psi(try train.column("amount"), try later.column("amount")))
        // Trained on 0.25...100.25: beyond it by more than 10% of the range.
        XCTAssertEqual(amount.outside, amounts.filter { $0 > 110.25 || $0 < -9.75 }.count)
        XCTAssertGreaterThan(amount.outside, 2)
        XCTAssertEqual(report.worst.first?.name, "amount")
        XCTAssertEqual(amount.newMin, -400)
        XCTAssertTrue(report.warning?.contains("'amount'") ?? false)
        XCTAssertNil(p.profile.drift(train).warning, "the training rows lie inside themselves")
        XCTAssertEqual(p.profile.drift(train).outsideRows, 0)
    }
}
