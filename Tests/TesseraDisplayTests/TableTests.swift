import XCTest
@testable import TesseraDisplay

final class TableTests: XCTestCase {
    func testHTMLEscapesCellsAndAlignsNumbers() {
        let t = Table(columns: ["name", "n"], rows: [["<a&b>", "3"]], numericColumns: [1], caption: "x")
        XCTAssertEqual(t.html, "<table class=\"tessera-table tex2jax_ignore mathjax_ignore\"><caption>x</caption><thead><tr><th>name</th><th>n</th></tr></thead><tbody><tr><td>&lt;a&amp;b&gt;</td><td style=\"text-align:right\">3</td></tr></tbody></table>")
    }

    func testPlainTextPadsColumns() {
        let t = Table(columns: ["name", "value"], rows: [["lr", "0.1"], ["layers", "2"]], numericColumns: [1])
        XCTAssertEqual(t.plainText, "name    value\n------  -----\nlr        0.1\nlayers      2")
    }

    func testBundleAlwaysHasPlainText() {
        let b = Table(columns: ["a"], rows: [["1"]]).bundle
        XCTAssertEqual(b.entries.map(\.mime), ["text/plain", "text/html"])
    }

    func testMimeBundleReplacesExistingType() {
        var b = MimeBundle(plain: "x")
        b.set("text/html", "<b>1</b>")
        b.set("text/html", "<b>2</b>")
        XCTAssertEqual(b["text/html"], "<b>2</b>")
        XCTAssertEqual(b.entries.count, 2)
    }
}
