import XCTest
@testable import TesseraDisplay

final class MarkdownTests: XCTestCase {
    func testBlocks() {
        let md = "# Title\n\nSome *text* with `code`.\nSame paragraph.\n\n- one\n- two\n\n1. first\n2. second\n\n```\nlet x = 1 < 2\n```\n> quoted\n\n---"
        XCTAssertEqual(Markdown.html(md), """
            <h1>Title</h1>
            <p>Some <em>text</em> with <code>code</code>.
            Same paragraph.</p>
            <ul><li>one</li><li>two</li></ul>
            <ol><li>first</li><li>second</li></ol>
            <pre><code>let x = 1 &lt; 2</code></pre>
            <blockquote><p>quoted</p>
            </blockquote>
            <hr>

            """)
    }

    func testInlineMarkupAndEscaping() {
        XCTAssertEqual(Markdown.inline("**bold** and [a link](https://x.org/?a=1&b=2) <script>"),
                       "<strong>bold</strong> and <a href=\"https://x.org/?a=1&amp;b=2\">a link</a> &lt;script&gt;")
        XCTAssertEqual(Markdown.inline("[x](javascript:alert(1))"), "<a href=\"#\">x</a>)")
        XCTAssertEqual(Markdown.inline("2 * 3 * 4"), "2 * 3 * 4")
    }
}
