import Foundation
import XCTest

/// Tuning as a notebook drives it: a space, tune, the study's members, failures, storage.
final class TuneBindingTests: XCTestCase {
    func temporaryPath() -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-tune-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir.appendingPathComponent("study.sqlite").path
    }

    func testTuneAConditionalSpaceAndReadTheStudy() {
        let k = KernelHarness()
        let space = """
            let space = ["lr": logUniform(1e-4, 1e-1), "act": choice([.relu, .gelu]),
                         "net": choice([["layers": 1, "width": intRange(8, 64, log: true)], ["layers": 2, "width": intRange(8, 64), "width2": intRange(8, 64)]])]
            """
        XCTAssertNil(k.execute(space).error)
        XCTAssertEqual(k.execute("space[\"lr\"]").result, "logUniform(0.0001, 0.1)")
        let run = k.execute("""
            let study = tune(space, objective: Objective("score", .maximize), budget: 16, seed: 2) { params, trial in
                let lr = params.lr
                let w = params.net.width
                return ["score": -abs(log(lr) / log(10) + 2) - abs(w - 32) / 32 + (params.act == .relu ? 0.1 : 0), "depth": params.net.layers]
            }
            """)
        XCTAssertNil(run.error, run.errorText)
        XCTAssertEqual(k.execute("study.count").result, "16")
        XCTAssertEqual(k.execute("study.method").result, "\"bayes\"")
        XCTAssertEqual(k.execute("study.best.state").result, "\"complete\"")
        XCTAssertEqual(k.execute("study.best.value == study.trials.column(\"score\").max()").result, "true")
        XCTAssertEqual(k.execute("study.best.values.keys").result, "[\"score\", \"depth\"]")
        XCTAssertEqual(k.execute("study.best.params.keys").result, "[\"lr\", \"act\", \"net\"]")
        XCTAssertEqual(k.execute("study.trials.columns").result,
                       "[\"number\", \"state\", \"score\", \"depth\", \"lr\", \"act\", \"net.layers\", \"net.width\", \"net.width2\", \"duration\", \"error\"]")
        let shown = k.execute("study")
        XCTAssertTrue(shown.result?.hasPrefix("Study \"study\" (bayes, 16 trials: 16 complete)\nbest score") ?? false, shown.result ?? "")
        XCTAssertTrue(shown.messages.contains { $0.content["data"]?["text/html"]?.stringValue?.contains("<table") ?? false })
        let plot = k.execute("study.plot()")
        XCTAssertTrue(plot.messages.contains { $0.content["data"]?["image/svg+xml"]?.stringValue?.contains("best so far") ?? false })
        let importance = k.execute("let imp = study.importance()\nimp.names")
        XCTAssertNil(importance.error, importance.errorText)
        XCTAssertEqual(k.execute("abs(imp.values.reduce(0) { $0 + $1 } - 1) < 1e-9").result, "true")
        XCTAssertEqual(k.execute("study.pareto().rows").result, "1")
    }

    func testOptunasNamesPointToOurs() {
        let k = KernelHarness()
        XCTAssertNil(k.execute("let s = tune([\"x\": uniform(0, 1)], objective: \"loss\", budget: 3, seed: 1) { p, t in [\"loss\": p.x] }").error)
        XCTAssertTrue(k.execute("s.best_params").errorText.contains("study.best.params"))
        XCTAssertTrue(k.execute("s.best_value").errorText.contains("study.best.value"))
        XCTAssertTrue(k.execute("s.trials_dataframe()").errorText.contains("study.trials"))
        // Keyword arguments in any order, as Optuna's.
        XCTAssertNil(k.execute("let s2 = tune([\"x\": uniform(0, 1)], seed: 2, budget: 3, objective: \"loss\") { p, t in [\"loss\": p.x] }").error)
        XCTAssertEqual(k.execute("s2.count").result, "3")
    }

    func testMethodsAndTheGridBudget() {
        let k = KernelHarness()
        XCTAssertNil(k.execute("let space = [\"x\": uniform(0, 1), \"y\": uniform(0, 1), \"c\": choice([1, 2])]").error)
        for method in ["random", "sobol"] {
            let r = k.execute("tune(space, objective: \"loss\", budget: 7, method: .\(method)) { p, t in (p.x - 0.3) ** 2 + p.y * p.c }.count")
            XCTAssertEqual(r.result, "7", r.errorText)
        }
        // A grid of 4 × 4 × 2 fits a budget of 40; it runs all 32 points, in order.
        let grid = k.execute("let g = tune(space, objective: \"loss\", budget: 40, method: .grid) { p, t in (p.x - 0.3) ** 2 + p.y * p.c }\ng.count")
        XCTAssertEqual(grid.result, "32", grid.errorText)
        XCTAssertEqual(k.execute("g.trials.column(\"x\").values.prefix(3)").result, "[0.0, 0.0, 0.0]")
        XCTAssertEqual(k.execute("tune(space, objective: \"loss\", budget: 40, method: .grid, gridPoints: 2) { p, t in p.x }.count").result, "8")
        XCTAssertEqual(k.execute("g.best.params.x").result, "0.3333333333333333")
        // A discrete space smaller than the budget: every point once, then the study ends.
        XCTAssertEqual(k.execute("tune([\"act\": choice([.relu, .gelu, .tanh])], objective: \"loss\", budget: 10) { p, t in p.act == .gelu ? 0 : 1 }.count").result, "3")
    }

    func testFailuresPruningAndClearErrors() {
        let k = KernelHarness()
        let failing = k.execute("""
            let s = tune(["x": uniform(0, 1)], objective: "loss", budget: 12, seed: 1) { p, t in
                if p.x > 0.7 { throw error("diverged at \\(p.x)") }
                if p.x < 0.1 { return ["loss": 0.0 / 0.0] }
                return ["loss": p.x]
            }
            """)
        XCTAssertNil(failing.error, failing.errorText)
        XCTAssertEqual(k.execute("s.trials.filter { row in row.state == \"failed\" }.rows > 0").result, "true")
        XCTAssertEqual(k.execute("s.trials.filter { row in row.state == \"failed\" }.column(\"error\").values.allSatisfy { $0.contains(\"diverged\") || $0.contains(\"is NaN\") }").result, "true")
        let allFail = k.execute("tune([\"x\": uniform(0, 1)], objective: \"loss\", budget: 3) { p, t in [\"acc\": 1] }")
        XCTAssertTrue(allFail.errorText.hasPrefix("TuneError: every trial of the study 'study' failed (3 failed, 0 pruned); the first error: the objective returned no 'loss' (it returned acc)"), allFail.errorText)
        let typeFail = k.execute("tune([\"x\": uniform(0, 1)], objective: \"loss\", budget: 2) { p, t in p.y }")
        XCTAssertTrue(typeFail.errorText.hasPrefix("KeyError"), typeFail.errorText)
        let pruned = k.execute("""
            let pr = tune(["x": uniform(0, 1)], objective: "loss", budget: 15, method: .random, seed: 4) { p, t in
                for step in 1...4 { t.report(step, p.x + 1 / step) }
                return p.x
            }
            pr.trials.filter { row in row.state == "pruned" }.rows > 0
            """)
        XCTAssertEqual(pruned.result, "true", pruned.errorText)
        // A catch around the training loop (or try? on report) does not swallow the pruner's
        // stop: the trial is pruned, not recorded complete with an unfinished value.
        let guarded = k.execute("""
            let pg = tune(["x": uniform(0, 1)], objective: "loss", budget: 15, method: .random, seed: 4) { p, t in
                var loss = 0.0
                do { for step in 1...4 { loss = p.x + 1 / step; t.report(step, loss) } } catch { loss = -1 }
                for step in 5...6 { _ = try? t.report(step, loss) }
                return loss
            }
            [pg.trials.filter { row in row.state == "pruned" }.rows > 0, pg.best!.value >= 0]
            """)
        XCTAssertEqual(guarded.result, "[true, true]", guarded.errorText)
        func error(_ code: String) -> String { k.execute(code).errorText }
        XCTAssertTrue(error("tune([\"lr\": logUniform(0, 1)], objective: \"loss\") { p, t in 1 }").contains("TuneError: 'lr': logUniform(0.0, 1.0) needs 0 < low < high"))
        XCTAssertTrue(error("tune([\"lr\": uniform(0, 1)]) { p, t in 1 }").contains("tune needs objective:"))
        XCTAssertTrue(error("tune([\"lr\": uniform(0, 1)], objective: \"loss\", method: .tpe) { p, t in 1 }").contains("tune(method:) is one of .bayes, .random, .sobol, .grid, got .tpe"))
        XCTAssertTrue(error("tune([\"m\": Sequential([])], objective: \"loss\") { p, t in 1 }").contains("holds a Model"))
        XCTAssertTrue(error("tune([\"lr\": uniform(0, 1)], objective: \"loss\")").contains("the objective as a closure"))
        XCTAssertTrue(error("tune(uniform(0, 1), objective: \"loss\") { p, t in 1 }").contains("tune(_ space:) needs a Dict, got Distribution"))
    }

    /// An error in the objective's code stops the study at the first trial and is raised
    /// with its place, as Optuna re-raises (a typo used to train every trial first);
    /// catch: names kinds to record as failed trials instead.
    func testProgrammingErrorsStopTheStudyAndCatchRecordsThem() {
        let k = KernelHarness()
        XCTAssertNil(k.execute("var trained = 0").error)
        let typo = k.execute("""
            let s1 = tune(["lr": logUniform(1e-4, 1e-1)], objective: "loss", budget: 15) { p, t in
                trained += 1
                return p.lr * nope
            }
            """)
        XCTAssertEqual(typo.error?.content["ename"]?.stringValue, "NameError")
        XCTAssertTrue(typo.errorText.contains("'nope' is not defined"), typo.errorText)
        XCTAssertTrue(typo.errorText.contains("catch: [\"NameError\"]"), typo.errorText)
        XCTAssertEqual(k.execute("trained").result, "1", "the first trial's error ends the study")
        for (code, kind) in [("p.lr + \"x\"", "TypeError"), ("p.lrr", "KeyError"), ("[1][p.lr > 1 ? 0 : 5]", nil)] as [(String, String?)] {
            let r = k.execute("tune([\"lr\": uniform(0, 1)], objective: \"loss\", budget: 4) { p, t in \(code) }")
            if let kind {
                XCTAssertEqual(r.error?.content["ename"]?.stringValue, kind, r.errorText)
            } else {
                XCTAssertTrue(r.errorText.contains("every trial of the study"), "an IndexError may depend on the parameters: recorded, not raised: \(r.errorText)")
            }
        }
        let caught = k.execute("""
            var calls = 0
            let s2 = tune(["lr": logUniform(1e-4, 1e-1)], objective: "loss", budget: 5, catch: ["NameError"]) { p, t in
                calls += 1
                if calls < 3 { return p.lr * nope }
                return p.lr
            }
            s2.trials["state"].values
            """)
        XCTAssertEqual(caught.result, "[\"failed\", \"failed\", \"complete\", \"complete\", \"complete\"]", caught.errorText)
        XCTAssertTrue(k.execute("tune([\"x\": uniform(0, 1)], objective: \"loss\", catch: [\"Typo\"]) { p, t in 1 }").errorText.contains("no error kind 'Typo'"))
    }

    /// constraints: beside objective:, as Optuna users write it, and both in %help tune.
    func testConstraintsBesideTheObjective() {
        let k = KernelHarness()
        let r = k.execute("""
            let c = tune(["x": uniform(0, 1)], objective: Objective("y", .minimize), constraints: [Constraint("x", atMost: 0.5)], budget: 10, seed: 2) { p, t in
                ["y": 1 - p.x, "x": p.x]
            }
            c.best.params.x <= 0.5
            """)
        XCTAssertEqual(r.result, "true", r.errorText)
        XCTAssertTrue(k.execute("tune([\"x\": uniform(0, 1)], objective: \"y\", constraints: [Objective(\"z\", .minimize)]) { p, t in 1 }").errorText
            .contains("put objectives in objective:"))
        let help = k.execute("%help tune")
        let text = help.reply?["payload"]?.arrayValue?.first?["data"]?["text/plain"]?.stringValue ?? ""
        XCTAssertTrue(text.contains("constraints:") && text.contains("objective:"), text)
    }

    /// A study in a file: the second run continues it, a resume with a larger budget runs more.
    func testStoredStudiesContinue() {
        let path = temporaryPath()
        let code = "let s = tune([\"x\": uniform(-1, 1)], objective: \"loss\", budget: BUDGET, storage: \"\(path)\", name: \"demo\") { p, t in p.x * p.x }\ns.count"
        let k = KernelHarness()
        XCTAssertEqual(k.execute(code.replacingOccurrences(of: "BUDGET", with: "6")).result, "6")
        let again = KernelHarness()
        XCTAssertEqual(again.execute(code.replacingOccurrences(of: "BUDGET", with: "9")).result, "9", "three more trials in a new session")
        XCTAssertEqual(again.execute("s.resume(budget: 11).count").result, "11")
        XCTAssertEqual(again.execute("s.storage").result, "\"\(path)\"")
        let other = again.execute("tune([\"y\": uniform(0, 1)], objective: \"loss\", storage: \"\(path)\", name: \"demo\") { p, t in 1 }")
        XCTAssertTrue(other.errorText.contains("stored with another space"), other.errorText)
    }
}
