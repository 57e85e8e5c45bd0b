import Foundation
import XCTest
import TesseraKernel

/// Spawns a real `tessera kernel --stdio` and talks JSON Lines to it, as any program would.
final class StdioProtocolTests: XCTestCase {
    static var binary: String {
        if let env = ProcessInfo.processInfo.environment["TESSERA_BIN"] { return env }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/tessera").path
    }

    /// A running kernel process with a reader that collects its output lines.
    final class KernelProcess: @unchecked Sendable {
        let process = Process()
        let input = Pipe(), output = Pipe()
        private let condition = NSCondition()
        private var lines: [JSON] = []
        private var rawLines: [String] = []
        private var consumed = 0

        init() throws {
            process.executableURL = URL(fileURLWithPath: StdioProtocolTests.binary)
            process.arguments = ["kernel", "--stdio"]
            process.standardInput = input
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            let handle = output.fileHandleForReading
            Thread.detachNewThread { [self] in
                var buffer = Data()
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    let hasNewline = chunk.contains(0x0A)
                    buffer.append(chunk)
                    if !hasNewline { continue }
                    while let nl = buffer.firstIndex(of: 0x0A) {
                        let line = buffer[buffer.startIndex..<nl]
                        buffer = Data(buffer[(nl + 1)...])
                        let text = String(decoding: line, as: UTF8.self)
                        let json = (try? JSON.parse(text)) ?? .null
                        condition.lock(); lines.append(json); rawLines.append(text); condition.broadcast(); condition.unlock()
                    }
                }
            }
        }

        func send(_ raw: String) {
            input.fileHandleForWriting.write(Data((raw + "\n").utf8))
        }

        func send(_ type: String, id: String, _ content: JSON = .object([])) {
            send(JSON.obj(["msg_id": .string(id), "msg_type": .string(type), "content": content]).serialized)
        }

        /// Waits for the next message that satisfies `match`; returns every message up to it.
        func collect(timeout: TimeInterval = 30, until match: (JSON) -> Bool) -> [JSON] {
            let deadline = Date(timeIntervalSinceNow: timeout)
            condition.lock()
            defer { condition.unlock() }
            var out: [JSON] = []
            while true {
                while consumed < lines.count {
                    let m = lines[consumed]
                    consumed += 1
                    out.append(m)
                    if match(m) { return out }
                }
                if !condition.wait(until: deadline) { return out }
            }
        }

        /// Every message of one request, up to its `status: idle`.
        func reply(to id: String, timeout: TimeInterval = 30) -> [JSON] {
            collect(timeout: timeout) { $0["parent_id"]?.stringValue == id && $0["content"]?["execution_state"]?.stringValue == "idle" }
        }

        func close() {
            try? input.fileHandleForWriting.close()
            process.waitUntilExit()
        }
    }

    static func types(_ ms: [JSON]) -> [String] { ms.compactMap { $0["msg_type"]?.stringValue } }
    static func result(_ ms: [JSON]) -> String? {
        ms.first { $0["msg_type"]?.stringValue == "execute_result" }?["content"]?["data"]?["text/plain"]?.stringValue
    }
    static func stdout(_ ms: [JSON]) -> String {
        ms.filter { $0["msg_type"]?.stringValue == "stream" }.compactMap { $0["content"]?["text"]?.stringValue }.joined()
    }
    static func error(_ ms: [JSON]) -> JSON? { ms.first { $0["msg_type"]?.stringValue == "error" }?["content"] }

    /// A 20-cell session: definitions used later, an error that keeps earlier bindings, an
    /// interrupted `while true {}`, and the order and shape of every message.
    func testTwentyCellSession() throws {
        let k = try KernelProcess()
        defer { k.close() }
        var n = 0
        func run(_ code: String, _ check: ([JSON]) -> Void = { _ in }) {
            n += 1
            let id = "c\(n)"
            k.send("execute_request", id: id, .obj(["code": .string(code)]))
            let ms = k.reply(to: id)
            check(ms)
        }
        // Cell 1: the full shape of a successful cell with a result.
        run("let x = 1 + 1\nx") { ms in
            XCTAssertEqual(Self.types(ms), ["status", "execute_input", "execute_result", "execute_reply", "status"])
            XCTAssertEqual(ms[0]["content"]?["execution_state"]?.stringValue, "busy")
            XCTAssertEqual(ms[1]["content"]?["code"]?.stringValue, "let x = 1 + 1\nx")
            XCTAssertEqual(ms[1]["content"]?["execution_count"]?.intValue, 1)
            XCTAssertEqual(ms[2]["content"]?["data"]?["text/plain"]?.stringValue, "2")
            XCTAssertEqual(ms[2]["content"]?["execution_count"]?.intValue, 1)
            XCTAssertEqual(ms[2]["content"]?["metadata"], .object([]))
            XCTAssertEqual(ms[3]["content"]?["status"]?.stringValue, "ok")
            XCTAssertEqual(ms[3]["content"]?["execution_count"]?.intValue, 1)
            XCTAssertEqual(ms[4]["content"]?["execution_state"]?.stringValue, "idle")
            for m in ms {
                XCTAssertEqual(m["parent_id"]?.stringValue, "c1")
                XCTAssertNotNil(m["msg_id"]?.stringValue)
            }
        }
        run("func double(_ v) { return v * 2 }")
        run("var total = 0") { ms in XCTAssertEqual(Self.types(ms), ["status", "execute_input", "execute_reply", "status"]) }
        run("for i in 0..<10 { total += double(i) }\ntotal") { XCTAssertEqual(Self.result($0), "90") }
        run("print(\"x is \\(x)\")") { ms in
            XCTAssertEqual(Self.types(ms), ["status", "execute_input", "stream", "execute_reply", "status"])
            XCTAssertEqual(ms[2]["content"]?["name"]?.stringValue, "stdout")
            XCTAssertEqual(Self.stdout(ms), "x is 2\n")
        }
        // Cell 6: an error mid-cell keeps what was bound before it.
        run("let before = 41\nlet broken = nope + 1\nlet after = 1") { ms in
            XCTAssertEqual(Self.types(ms), ["status", "execute_input", "error", "execute_reply", "status"])
            let e = Self.error(ms)
            XCTAssertEqual(e?["ename"]?.stringValue, "NameError")
            XCTAssertEqual(e?["traceback"]?.arrayValue?.first?.stringValue, "NameError: 'nope' is not defined (cell 6, line 2, column 14)")
            let reply = ms[3]["content"]
            XCTAssertEqual(reply?["status"]?.stringValue, "error")
            XCTAssertEqual(reply?["ename"]?.stringValue, "NameError")
        }
        run("before + 1") { XCTAssertEqual(Self.result($0), "42") }
        run("after") { XCTAssertEqual(Self.error($0)?["ename"]?.stringValue, "NameError") }
        // Cell 9: interrupt `while true {}` while it runs.
        n += 1
        k.send("execute_request", id: "c\(n)", .obj(["code": .string("var spins = 0\nwhile true { spins += 1 }")]))
        _ = k.collect { $0["msg_type"]?.stringValue == "execute_input" }
        Thread.sleep(forTimeInterval: 0.3)
        let sent = Date()
        k.send("interrupt_request", id: "int1")
        let ms = k.reply(to: "c\(n)", timeout: 10)
        let elapsed = Date().timeIntervalSince(sent)
        XCTAssertEqual(Self.error(ms)?["ename"]?.stringValue, "Interrupted")
        XCTAssertLessThan(elapsed, 0.1, "the interrupt took \(elapsed) s")
        XCTAssertTrue(ms.contains { $0["msg_type"]?.stringValue == "interrupt_reply" })
        run("spins > 0") { XCTAssertEqual(Self.result($0), "true") }
        run("double(total)") { XCTAssertEqual(Self.result($0), "180") }
        run("1 / 0") { XCTAssertTrue(Self.error($0)?["evalue"]?.stringValue?.contains("division by zero") ?? false) }
        run("[1, 2, 3][7]") { XCTAssertEqual(Self.error($0)?["ename"]?.stringValue, "IndexError") }
        run("func down(_ n) { return down(n + 1) }\ndown(0)") { XCTAssertEqual(Self.error($0)?["ename"]?.stringValue, "RecursionError") }
        run(String(repeating: "(", count: 10_000) + "1" + String(repeating: ")", count: 10_000)) { ms in
            let e = Self.error(ms)
            XCTAssertEqual(e?["ename"]?.stringValue, "SyntaxError")
            XCTAssertTrue(e?["evalue"]?.stringValue?.contains("too deeply nested") ?? false)
        }
        run("%vars") { ms in
            let data = ms.first { $0["msg_type"]?.stringValue == "execute_result" }?["content"]?["data"]
            XCTAssertTrue(data?["text/html"]?.stringValue?.contains("<td>before</td>") ?? false)
            XCTAssertTrue(data?["text/plain"]?.stringValue?.contains("total (var)") ?? false)
        }
        run("warn(\"careful\")") { ms in
            XCTAssertEqual(ms.first { $0["msg_type"]?.stringValue == "stream" }?["content"]?["name"]?.stringValue, "stderr")
        }
        run("display(html(\"<b>hi</b>\"))") { ms in
            let d = ms.first { $0["msg_type"]?.stringValue == "display_data" }?["content"]?["data"]
            XCTAssertEqual(d?["text/html"]?.stringValue, "<b>hi</b>")
            XCTAssertEqual(d?["text/plain"]?.stringValue, "hi")
        }
        run("%time double(21)") { ms in
            XCTAssertEqual(Self.result(ms), "42")
            XCTAssertTrue(Self.stdout(ms).hasPrefix("time: "))
        }
        run("x + before + total") { ms in
            XCTAssertEqual(Self.result(ms), "133")
            XCTAssertEqual(ms[1]["content"]?["execution_count"]?.intValue, 20)
        }
        XCTAssertEqual(n, 20)
    }

    /// Bad lines get an `error` naming the problem, and the kernel reads on with its state.
    func testMalformedInputKeepsTheSession() throws {
        let k = try KernelProcess()
        defer { k.close() }
        k.send("execute_request", id: "a", .obj(["code": .string("let kept = 7")]))
        _ = k.reply(to: "a")
        k.send("this is not json")
        var e = k.collect { $0["msg_type"]?.stringValue == "error" }.last
        XCTAssertTrue(e?["content"]?["evalue"]?.stringValue?.contains("line 2 is not valid JSON") ?? false)
        XCTAssertEqual(e?["parent_id"], .null)
        k.send("{\"msg_id\":\"b\",\"content\":{}}")
        e = k.collect { $0["msg_type"]?.stringValue == "error" }.last
        XCTAssertTrue(e?["content"]?["evalue"]?.stringValue?.contains("msg_type") ?? false)
        k.send("bogus_request", id: "c")
        e = k.reply(to: "c").first { $0["msg_type"]?.stringValue == "bogus_reply" }
        XCTAssertEqual(e?["content"]?["status"]?.stringValue, "error")
        XCTAssertTrue(e?["content"]?["evalue"]?.stringValue?.contains("unknown msg_type 'bogus_request'") ?? false)
        k.input.fileHandleForWriting.write(Data([0x7B, 0xFF, 0xFE, 0x7D, 0x0A]))
        e = k.collect { $0["msg_type"]?.stringValue == "error" }.last
        XCTAssertTrue(e?["content"]?["evalue"]?.stringValue?.contains("not valid UTF-8") ?? false)
        // A 10 MB cell: a long string literal, then the session is still there.
        let big = "let big = \"" + String(repeating: "x", count: 10_000_000) + "\"\nbig.count"
        k.send("execute_request", id: "d", .obj(["code": .string(big)]))
        XCTAssertEqual(Self.result(k.reply(to: "d", timeout: 300)), "10000000")
        k.send("execute_request", id: "e", .obj(["code": .string("kept")]))
        XCTAssertEqual(Self.result(k.reply(to: "e")), "7")
    }

    func testRequestTypesAndShutdown() throws {
        let k = try KernelProcess()
        defer { k.close() }
        k.send("kernel_info_request", id: "i")
        let info = k.reply(to: "i").first { $0["msg_type"]?.stringValue == "kernel_info_reply" }?["content"]
        XCTAssertEqual(info?["language_info"]?["name"]?.stringValue, "tessera")
        XCTAssertEqual(info?["language_info"]?["codemirror_mode"]?.stringValue, "swift")
        XCTAssertEqual(info?["language_info"]?["pygments_lexer"]?.stringValue, "swift")
        XCTAssertEqual(info?["protocol_version"]?.stringValue, "5.3")

        k.send("execute_request", id: "x", .obj(["code": .string("let training = [1, 2]")]))
        _ = k.reply(to: "x")
        k.send("complete_request", id: "cm", .obj(["code": .string("trai"), "cursor_pos": .number(4)]))
        let comp = k.reply(to: "cm").first { $0["msg_type"]?.stringValue == "complete_reply" }?["content"]
        XCTAssertEqual(comp?["matches"], .array([.string("training")]))
        XCTAssertEqual(comp?["cursor_start"]?.intValue, 0)
        k.send("complete_request", id: "cm2", .obj(["code": .string("training.co"), "cursor_pos": .number(11)]))
        let members = k.reply(to: "cm2").first { $0["msg_type"]?.stringValue == "complete_reply" }?["content"]?["matches"]
        XCTAssertEqual(members, .array([.string("compactMap"), .string("contains"), .string("count")]))

        k.send("is_complete_request", id: "ic", .obj(["code": .string("func f() {")]))
        let ic = k.reply(to: "ic").first { $0["msg_type"]?.stringValue == "is_complete_reply" }?["content"]
        XCTAssertEqual(ic?["status"]?.stringValue, "incomplete")
        XCTAssertEqual(ic?["indent"]?.stringValue, "    ")

        k.send("inspect_request", id: "in", .obj(["code": .string("print"), "cursor_pos": .number(2)]))
        let ins = k.reply(to: "in").first { $0["msg_type"]?.stringValue == "inspect_reply" }?["content"]
        XCTAssertEqual(ins?["found"]?.boolValue, true)
        XCTAssertTrue(ins?["data"]?["text/plain"]?.stringValue?.hasPrefix("print(") ?? false)

        k.send("history_request", id: "h", .obj(["hist_access_type": .string("tail"), "n": .number(5)]))
        let hist = k.reply(to: "h").first { $0["msg_type"]?.stringValue == "history_reply" }?["content"]?["history"]
        XCTAssertEqual(hist, .array([.array([.number(1), .number(1), .string("let training = [1, 2]")])]))

        k.send("shutdown_request", id: "s", .obj(["restart": .bool(false)]))
        let down = k.collect { $0["msg_type"]?.stringValue == "shutdown_reply" }.last
        XCTAssertEqual(down?["content"]?["status"]?.stringValue, "ok")
        k.process.waitUntilExit()
        XCTAssertEqual(k.process.terminationStatus, 0)
    }

    /// SIGINT interrupts the running cell and the next cell runs.
    func testSigintInterrupts() throws {
        let k = try KernelProcess()
        defer { k.close() }
        k.send("execute_request", id: "loop", .obj(["code": .string("while true {}")]))
        _ = k.collect { $0["msg_type"]?.stringValue == "execute_input" }
        Thread.sleep(forTimeInterval: 0.2)
        kill(k.process.processIdentifier, SIGINT)
        XCTAssertEqual(Self.error(k.reply(to: "loop", timeout: 10))?["ename"]?.stringValue, "Interrupted")
        k.send("execute_request", id: "next", .obj(["code": .string("6 * 7")]))
        XCTAssertEqual(Self.result(k.reply(to: "next")), "42")
    }

    /// An error with stop_on_error aborts the executes queued behind it.
    func testStopOnErrorAbortsQueuedCells() throws {
        let k = try KernelProcess()
        defer { k.close() }
        k.send("execute_request", id: "slow", .obj(["code": .string("var i = 0\nwhile i < 200000 { i += 1 }\nthrow error(\"stop\")")]))
        k.send("execute_request", id: "queued", .obj(["code": .string("print(\"should not run\")")]))
        _ = k.reply(to: "slow")
        let queued = k.reply(to: "queued")
        let reply = queued.first { $0["msg_type"]?.stringValue == "execute_reply" }?["content"]
        XCTAssertEqual(reply?["status"]?.stringValue, "aborted")
        XCTAssertEqual(Self.stdout(queued), "")
    }

    /// Requests queued by the thousand run in order, and an error aborts only the executes
    /// queued behind it, wherever the worker is in its queue.
    func testThousandsOfQueuedCellsRunInOrder() throws {
        let k = try KernelProcess()
        defer { k.close() }
        k.send("execute_request", id: "start", .obj(["code": .string("var n = 0\nvar i = 0\nwhile i < 200000 { i += 1 }")]))
        for c in 0..<2500 { k.send("execute_request", id: "c\(c)", .obj(["code": .string("n += 1\nn")])) }
        k.send("execute_request", id: "fail", .obj(["code": .string("throw error(\"stop\")")]))
        k.send("execute_request", id: "behind1", .obj(["code": .string("n = -1")]))
        k.send("execute_request", id: "behind2", .obj(["code": .string("n = -2")]))
        // (`reply(to:)` returns every message up to that request's idle: its own are picked.)
        func own(_ id: String) -> [JSON] { k.reply(to: id).filter { $0["parent_id"]?.stringValue == id } }
        for c in [0, 1023, 1024, 1025, 2048, 2499] { XCTAssertEqual(Self.result(own("c\(c)")), "\(c + 1)", "cell \(c)") }
        XCTAssertNotNil(Self.error(own("fail")))
        for id in ["behind1", "behind2"] {
            let reply = own(id).first { $0["msg_type"]?.stringValue == "execute_reply" }?["content"]
            XCTAssertEqual(reply?["status"]?.stringValue, "aborted", id)
        }
        k.send("execute_request", id: "after", .obj(["code": .string("n")]))
        XCTAssertEqual(Self.result(k.reply(to: "after")), "2500")
    }
}
