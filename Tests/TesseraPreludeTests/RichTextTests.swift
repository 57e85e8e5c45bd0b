import XCTest
@testable import TesseraPrelude

/// html(...)'s text/plain fallback: what a terminal, a log or a screen reader shows.
final class RichTextTests: XCTestCase {
    func testTablesBecomeAlignedColumns() {
        let html = "<p>Results</p><table><tr><th>epoch</th><th>loss</th></tr><tr><td>1</td><td>0.9</td></tr>"
            + "<tr><td>10</td><td>0.52 &amp; up</td></tr></table><p>done</p>"
        XCTAssertEqual(RichText.stripTags(html), "Results\nepoch  loss\n1      0.9\n10     0.52 & up\ndone")
    }

    func testTagsGoAndBreaksEndLines() {
        XCTAssertEqual(RichText.stripTags("<b>hi</b> there<br>next"), "hi there\nnext")
        XCTAssertEqual(RichText.stripTags("a &lt; b"), "a < b")
        XCTAssertEqual(RichText.stripTags("<div>one</div><div>two</div>"), "one\ntwo")
    }
}
