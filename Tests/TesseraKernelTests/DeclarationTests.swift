import Foundation
import XCTest
import TesseraKernel
import TesseraMetrics
import TesseraPrelude
import TesseraScript
import TesseraTune

/// What is declared once is read the same everywhere: the metric catalog by the metric
/// functions, evaluate, the tuner and thresholdSweep; the tuning methods by tune; the
/// declarations by %help, the reference (docs/reference.md) and their runnable examples.
final class DeclarationTests: XCTestCase {
    func testEveryCataloguedMetricIsCallableEvaluableTunableAndSweptWhereItCan() {
        let k = KernelHarness()
        XCTAssertNil(k.execute("""
            let x = randn([60, 3], seed: 1)
            let y = tensor((0..<60).map { $0 % 2 })
            let m = Sequential([Dense(2)], seed: 1)
            let h = m.fit(x, y, epochs: 1)
            let amount = (0..<60).map { Double($0) + 1 }
            """).error)
        for metric in MetricCatalog.all {
            let name = metric.name
            XCTAssertTrue(help(k, name).contains(metric.summary), "%help \(name) shows the catalog's summary")
            if metric.input == .values {
                // A classifier's evaluate has no regression outputs; the call is the check.
                XCTAssertNil(k.execute("\(name)([1.0, 2.0], [1.5, 2.0])").error, name)
            } else {
                let evaluated = k.execute("m.evaluate(x, y, metrics: [\"\(name)\"], amount: amount)[\"\(name)\"] != nil")
                XCTAssertEqual(evaluated.result, "true", "evaluate takes \(name): \(evaluated.errorText)")
            }
            let sweep = k.execute("thresholdSweep([0, 1, 1, 0], [0.2, 0.9, 0.6, 0.4], \"\(name)\", amount: [1.0, 5.0, 3.0, 2.0]).best.value")
            if metric.sweep != nil {
                XCTAssertNil(sweep.error, "\(name) sweeps: \(sweep.errorText)")
            } else {
                XCTAssertTrue(sweep.errorText.contains("cannot be swept"), "\(name): \(sweep.errorText)")
            }
        }
    }

    /// What `%help name` pages.
    func help(_ k: KernelHarness, _ name: String) -> String {
        k.execute("%help \(name)").reply?["payload"]?.arrayValue?.first?["data"]?["text/plain"]?.stringValue ?? ""
    }

    func testTheTunerReadsEachMetricsDirection() {
        for (name, expected) in [("auc", "maximize"), ("logLoss", "minimize"), ("neg_log_loss", "maximize"), ("mse", "minimize"),
                                 ("r2", "maximize"), ("val_loss", "minimize"), ("latency", "minimize"), ("profit", "maximize")] {
            let k = KernelHarness()
            let study = k.execute("let s = tune([\"a\": uniform(0, 1)], objective: \"\(name)\", budget: 2) { p, t in p.a }\ns.best.value == s.trials[\"\(name)\"].\(expected == "maximize" ? "max" : "min")()")
            XCTAssertEqual(study.result, "true", "\(name) is \(expected)d: \(study.errorText)")
        }
    }

    func testEveryTuningMethodRuns() {
        let k = KernelHarness()
        for kind in TuningMethods.samplers {
            let r = k.execute("tune([\"a\": uniform(0, 1)], objective: \"loss\", budget: 3, method: .\(kind.name)) { p, t in p.a }.count")
            XCTAssertEqual(r.result, "3", "\(kind.name): \(r.errorText)")
        }
        for kind in TuningMethods.pruners {
            let r = k.execute("tune([\"a\": uniform(0, 1)], objective: \"loss\", budget: 2, pruner: .\(kind.name)) { p, t in p.a }.count")
            XCTAssertEqual(r.result, "2", "\(kind.name): \(r.errorText)")
        }
        XCTAssertTrue(k.execute("tune([\"a\": uniform(0, 1)], objective: \"loss\", method: .tpe) { p, t in 1 }").errorText.contains(".bayes, .random, .sobol, .grid"))
    }

    /// docs/reference.md is what `tessera reference` prints from the declarations now.
    func testTheCommittedReferenceIsCurrent() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/reference.md")
        let committed = try String(contentsOf: file, encoding: .utf8)
        XCTAssertTrue(committed == Reference.markdown, "docs/reference.md is stale: run `.build/debug/tessera reference > docs/reference.md`")
    }

    /// Every declared function documents itself and each parameter, and its example runs
    /// in a fresh session; %help prints its entry.
    func testEveryDeclarationIsDocumentedAndItsExampleRuns() {
        let functions = Reference.functions.compactMap(\.declaration)
        let declared = functions.map { ($0, true) } + Reference.memberSections.flatMap(\.methods).map { ($0, false) }
        XCTAssertGreaterThan(declared.count, 25)
        // Examples that read a file read transactions.csv from the folder they run in.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-examples-\(getpid())")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try? "amount,zip,hour,label\n12.5,02139,3,0\n950.0,10001,2,1\n40.25,94110,14,0\nbad,line\n7.0,60601,23,0\n"
            .write(to: folder.appendingPathComponent("transactions.csv"), atomically: true, encoding: .utf8)
        let previous = FileManager.default.currentDirectoryPath
        _ = FileManager.default.changeCurrentDirectoryPath(folder.path)
        defer { _ = FileManager.default.changeCurrentDirectoryPath(previous); try? FileManager.default.removeItem(at: folder) }
        for (d, isFunction) in declared {
            XCTAssertFalse(d.summary.isEmpty, "\(d.name) has no summary")
            for p in d.parameters { XCTAssertFalse(p.doc.isEmpty, "\(d.name)(\(p.name):) has no doc") }
            guard let example = d.example else { XCTFail("\(d.name) has no example"); continue }
            guard d.exampleRuns else { continue }
            let k = KernelHarness()
            let r = k.execute(example)
            XCTAssertNil(r.error, "the example of \(d.name) fails: \(r.errorText)")
            // A member's name may also be a function's (t.max() and max): %help names the function.
            if isFunction { XCTAssertEqual(help(k, d.name), d.doc, "%help \(d.name) prints its entry") }
        }
    }

    /// Every prelude name is declared: a binding that describes itself by a doc line alone
    /// (no parameters, ranges or example) fails here.
    func testEveryPreludeNameIsDeclared() {
        let undeclared = Reference.functions.filter { $0.declaration == nil }.map(\.name).sorted()
        XCTAssertEqual(undeclared, [], "declare these with a Declaration")
        let k = KernelHarness()
        let names = Set(k.kernel.interpreter.preludeNames)
        XCTAssertEqual(names, Set(Reference.functions.map(\.name) + Reference.constants.map(\.name)), "the reference lists exactly the session's prelude names")
    }

    /// Each other library's name points at a member that exists, and the error for it says so.
    func testMemberAliasesNameRealMembers() {
        let k = KernelHarness()
        XCTAssertNil(k.execute("""
            let frame = dataset("iris").head(3)
            let model = Sequential([Dense(1)])
            let tensor = zeros([2, 2])
            let study = tune(["x": uniform(0, 1)], objective: "loss", budget: 2, seed: 1) { p, t in ["loss": p.x] }
            """).error)
        // A value of each type whose members have other libraries' names.
        let values = ["Frame": "frame", "Column (frame[name])": "frame[\"label\"]", "Model": "model", "Tensor": "tensor",
                      "Study": "study", "Trial": "study.best!"]
        for (type, aliases) in Reference.memberAliases {
            guard let value = values[type] else { XCTFail("no value of \(type) to try its aliases on"); continue }
            let names = Reference.memberSections.first { $0.type == type }.map { $0.methods.map(\.name) + $0.properties.map(\.name) } ?? []
            XCTAssertFalse(names.isEmpty, type)
            for (foreign, ours) in aliases {
                // (A path such as Study's best.params starts at a member.)
                let member = String(ours.split(separator: ".").first ?? "")
                XCTAssertTrue(names.contains(member), "\(type): \(foreign) points at \(ours), which is not a member")
                XCTAssertTrue(k.execute("\(value).\(foreign)").errorText.contains("here it is '\(ours)'"), "\(type).\(foreign)")
            }
        }
    }
}
