"""jupyter_kernel_test against the installed Tessera kernel-spec: every sample attribute
the suite knows is set, so every test of the suite runs."""
import unittest

import jupyter_kernel_test as jkt


class TesseraKernelTests(jkt.KernelTests):
    kernel_name = "tessera"
    language_name = "tessera"
    file_extension = ".tsr"

    code_hello_world = 'print("hello, world")'
    code_stderr = 'warn("something to note")'

    completion_samples = [
        {"text": "prin", "matches": {"print"}},
        {"text": "let word = \"ab\"\nword.uppe", "matches": {"uppercased"}},
        {"text": "%his", "matches": {"%history"}},
    ]

    complete_code_samples = ["1 + 1", "let x = [1, 2]", "func f(a) { return a }", "%vars"]
    incomplete_code_samples = ["func f(a) {", "let x = [1,", "if true {\n  print(1)"]
    invalid_code_samples = ["let = 5", "1 +* 2", "func (", "}"]

    code_page_something = "%help print"

    code_generate_error = 'throw error("boom")'

    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": '"ab" + "c"', "result": '"abc"'},
        {"code": "[1, 2, 3].map { $0 * 10 }", "result": "[10, 20, 30]"},
        {"code": 'html("<b>bold</b>")', "mime": "text/html", "result": "<b>bold</b>"},
        {"code": 'svg("<svg xmlns=\\"http://www.w3.org/2000/svg\\"></svg>")', "mime": "image/svg+xml"},
    ]

    code_display_data = [
        {"code": 'display(html("<i>shown</i>"))', "mime": "text/html"},
        {"code": 'display(svg("<svg xmlns=\\"http://www.w3.org/2000/svg\\"><circle r=\\"4\\"/></svg>"))', "mime": "image/svg+xml"},
    ]

    code_history_pattern = "6 *"  # a literal * in the history must not use up the wildcard
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "print"

    code_clear_output = 'print("gone")\nclear()'


class TesseraIopubWelcomeTests(jkt.IopubWelcomeTests):
    kernel_name = "tessera"
    support_iopub_welcome = True


if __name__ == "__main__":
    unittest.main()
