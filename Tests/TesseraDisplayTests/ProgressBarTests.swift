import XCTest
@testable import TesseraDisplay

final class ProgressBarTests: XCTestCase {
    func testLineHasBarCountRateEtaAndMetrics() {
        let p = ProgressBar(task: "epoch 2/5", done: 6000, total: 60000, unit: "samples", elapsed: 2,
                            metrics: [.init("loss", 0.23125)])
        XCTAssertEqual(p.rate, 3000)
        XCTAssertEqual(p.eta, 18)
        XCTAssertEqual(p.plainText, "epoch 2/5 ▕██░░░░░░░░░░░░░░░░░░▏ 10% 6,000/60,000 samples · 3,000 samples/s · ETA 0:18 · loss 0.2313")
        XCTAssertTrue(p.html.contains("<progress value=\"0.1000\" max=\"1\""))
        XCTAssertEqual(p.bundle["text/plain"], p.plainText)
    }

    func testUnknownTotalAndFinished() {
        let open = ProgressBar(task: "reading", done: 12.5, total: nil, unit: "MB", elapsed: 0.5)
        XCTAssertNil(open.eta)
        XCTAssertEqual(open.plainText, "reading 12.5 MB · 25 MB/s")
        let done = ProgressBar(task: "tuning", done: 30, total: 30, unit: "trials", elapsed: 75, finished: true)
        XCTAssertEqual(done.plainText, "tuning ▕████████████████████▏ 100% 30/30 trials · 0.40 trials/s · done in 1:15")
    }

    func testDurationsAndNumbers() {
        XCTAssertEqual(ProgressBar.duration(3725), "1:02:05")
        XCTAssertEqual(ProgressBar.duration(4.25), "4.2s")
        XCTAssertEqual(ProgressBar.number(12_345_678), "12.35M")
        XCTAssertEqual(ProgressBar.number(-1234), "-1,234")
    }

    func testThrottleShowsFirstLastAndSpacedReports() {
        var t = ProgressThrottle(interval: 0.1)
        let shown = [0.0, 0.05, 0.09, 0.11, 0.15, 0.25].map { t.shouldShow(at: $0, finished: false) }
        XCTAssertEqual(shown, [true, false, false, true, false, true])
        XCTAssertTrue(t.shouldShow(at: 0.26, finished: true))
    }

    /// The HTML view is one bar: the <progress> element, and the line without its block
    /// characters (which render as a black block in a notebook and wrap the line).
    func testHTMLHasOneBar() {
        let bar = ProgressBar(task: "training", done: 58, total: 100, unit: "batches", elapsed: 2)
        XCTAssertEqual(bar.html.components(separatedBy: "<progress").count, 2)
        XCTAssertFalse(bar.html.contains("█") || bar.html.contains("░") || bar.html.contains("▕"))
        XCTAssertTrue(bar.html.contains("58% 58/100 batches"))
        XCTAssertTrue(bar.plainText.contains("▕"), "the shell keeps its text bar")
        let open = ProgressBar(task: "reading", done: 3, total: nil, unit: "MB", elapsed: 1, finished: true)
        XCTAssertTrue(open.html.contains("value=\"1.0000\""), "finished work without a total shows a full bar, not a spinning one")
    }

    /// Work that ended before its total says why, where it stopped.
    func testOutcomeOfWorkThatEndedEarly() {
        var bar = ProgressBar(task: "training", done: 58, total: 100, unit: "batches", elapsed: 2, finished: true)
        bar.outcome = "stopped early at epoch 7"
        XCTAssertEqual(bar.plainText, "training ▕███████████░░░░░░░░░▏ 58% 58/100 batches · 29 batches/s · stopped early at epoch 7 after 0:02")
    }
}
