import CReadline
import Foundation
import TesseraScript

/// `tessera` on a terminal (and `tessera shell`): a GNU readline shell over the kernel
/// core, laid out like IPython's. `In [n]:` and `   ...:` prompts, with continuation
/// decided by the kernel's is_complete (and the indent it suggests); tab completion from
/// the kernel's complete; history in `~/.tessera_history`, loaded at start and appended
/// after every cell; Ctrl-C interrupts a running cell (the session keeps its state) or,
/// at the prompt, clears what was typed; Ctrl-D on an empty line exits.
///
/// Readline runs through its callback interface, so that one `select` waits on the
/// terminal and on a pipe that the SIGINT handler writes to: a signal never interrupts
/// readline in the middle of its work.
public final class Shell: @unchecked Sendable {
    private let client = LocalClient()
    /// Colour and live lines only on a real terminal that can show them.
    private static let isColourTerminal = isatty(1) != 0 && ProcessInfo.processInfo.environment["TERM"] != "dumb"
    private let renderer = TerminalRenderer(showsPrompts: true, isTerminal: Shell.isColourTerminal)
    private let historyPath: String
    private var executionCount = 0
    /// The lines of the cell being typed, before the current one.
    private var pending: [String] = []
    /// What readline's line handler received: a line, or nil for end of input.
    private var received: String??
    private var interruptRead: Int32 = -1
    private var interruptWrite: Int32 = -1
    private var indent = ""
    /// Set by Ctrl-C while a line is being read.
    private var cancelled = false

    /// The shell the C callbacks talk to (readline takes C function pointers, which
    /// cannot capture context).
    nonisolated(unsafe) static var current: Shell?

    public init(historyPath: String? = nil) {
        self.historyPath = historyPath ?? ((ProcessInfo.processInfo.environment["HOME"] ?? NSTemporaryDirectory()) + "/.tessera_history")
    }

    /// Runs the shell until Ctrl-D; returns the exit status.
    public func run() -> Int32 {
        Shell.current = self
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return 1 }
        (interruptRead, interruptWrite) = (fds[0], fds[1])
        _ = fcntl(interruptRead, F_SETFL, fcntl(interruptRead, F_GETFL) | O_NONBLOCK)
        let client = self.client, wake = interruptWrite
        // The handler runs on a dispatch queue, not in signal context: it may take locks.
        let sigint = InterruptSignal.install {
            client.interrupt()
            var byte: UInt8 = 1
            _ = write(wake, &byte, 1)
        }
        defer { sigint.cancel() }
        signal(SIGPIPE, SIG_IGN)

        setUpReadline()
        loadHistory()
        Console.out("Tessera \(Kernel.version): a deep-learning notebook kernel. %help for help, Ctrl-D to exit.\n")
        while true {
            let prompt = pending.isEmpty ? promptText("In [\(executionCount + 1)]: ", colour: "32")
                                         : promptText(continuationPrompt, colour: "32")
            guard let line = readLine(prompt: prompt) else {
                Console.out("\n")
                return 0
            }
            pending.append(line)
            let code = pending.joined(separator: "\n")
            if code.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                pending.removeAll()
                continue
            }
            let status = client.request("is_complete_request", .obj(["code": .string(code)]))
            if status["status"]?.stringValue == "incomplete" {
                indent = status["indent"]?.stringValue ?? ""
                continue
            }
            indent = ""
            pending.removeAll()
            appendHistory(code)
            execute(code)
        }
    }

    private var continuationPrompt: String {
        let width = "In [\(executionCount + 1)]: ".count
        return String(repeating: " ", count: max(0, width - 5)) + "...: "
    }

    /// A prompt with colour that readline does not count toward its width.
    private func promptText(_ text: String, colour: String) -> String {
        Shell.isColourTerminal ? "\u{1}\u{1B}[\(colour)m\u{2}" + text + "\u{1}\u{1B}[0m\u{2}" : text
    }

    private func execute(_ code: String) {
        drainInterrupts()
        let result = client.execute(code) { m in
            if m.msgType == "input_request" {
                let prompt = m.content["prompt"]?.stringValue ?? ""
                client.provideInput(readLine(prompt: prompt) ?? "")
            } else {
                renderer.render(m)
            }
        }
        renderer.finishCell()
        if let n = result.reply["execution_count"]?.intValue { executionCount = n }
        renderer.renderPages(result.reply)
    }

    // MARK: Reading a line

    /// One line from readline, or nil at end of input. Ctrl-C clears what was typed
    /// (including earlier lines of an unfinished cell) and asks again.
    private func readLine(prompt initialPrompt: String) -> String? {
        var prompt = initialPrompt
        drainInterrupts()
        while true {
            received = nil
            cancelled = false
            rl_callback_handler_install(prompt) { line in
                let shell = Shell.current!
                if let line {
                    shell.received = .some(String(cString: line))
                    free(line)
                } else {
                    shell.received = .some(nil)
                }
                rl_callback_handler_remove()
            }
            while received == nil { rl_callback_read_char() }
            guard cancelled else { return received! }
            pending.removeAll()
            indent = ""
            prompt = promptText("In [\(executionCount + 1)]: ", colour: "32")
        }
    }

    /// Readline reads its keys through this: it waits on the terminal and on the interrupt
    /// pipe together, so Ctrl-C is seen even when the terminal discarded the typed keys
    /// (which would leave readline's own read blocked). A Ctrl-C empties the line and
    /// answers Return, and the line handler then sees `cancelled`.
    private func nextKey() -> Int32 {
        while true {
            var fds = [pollfd(fd: 0, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: interruptRead, events: Int16(POLLIN), revents: 0)]
            if poll(&fds, 2, -1) < 0 {
                if errno == EINTR { continue }
                return EOF
            }
            if fds[1].revents & Int16(POLLIN) != 0 {
                drainInterrupts()
                cancelled = true
                rl_replace_line("", 0)
                Console.out("^C")
                return 10
            }
            // The terminal may have discarded what poll saw (Ctrl-C flushes typed keys):
            // read without blocking, so that case goes back to poll instead of hanging.
            var byte: UInt8 = 0
            let flags = fcntl(0, F_GETFL)
            _ = fcntl(0, F_SETFL, flags | O_NONBLOCK)
            let n = read(0, &byte, 1)
            let readError = errno
            _ = fcntl(0, F_SETFL, flags)
            errno = readError
            if n == 1 { return Int32(byte) }
            if n == 0 { return EOF }
            if errno != EINTR && errno != EAGAIN { return EOF }
        }
    }

    private func drainInterrupts() {
        var bytes = [UInt8](repeating: 0, count: 64)
        while read(interruptRead, &bytes, bytes.count) > 0 {}
    }

    private func setUpReadline() {
        // `.` and `(` end a word, so `model.fi<TAB>` completes the member after the dot.
        tessera_rl_configure(strdup("tessera"), strdup(" \t\n\"'`@$><=;|&{}()[],.+-*/%!?:"), { text, start, end in
            tessera_rl_completion_over()
            return Shell.current?.completions(start: Int(start), end: Int(end))
        }, {
            // Continuation lines start at the indent the kernel suggested.
            if let indent = Shell.current?.indent, !indent.isEmpty { rl_insert_text(indent) }
            return 0
        }, { _ in Shell.current?.nextKey() ?? EOF })
    }

    /// Readline's completion list for the word at `start..<end`: the common prefix, then
    /// the kernel's matches, as a malloc'd NULL-terminated array readline frees.
    private func completions(start: Int, end: Int) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
        let line = String(cString: tessera_rl_line_buffer())
        let before = pending.map { $0 + "\n" }.joined()
        // readline counts bytes; the protocol counts Unicode scalars.
        let upToCursor = String(decoding: Array(line.utf8).prefix(end), as: UTF8.self)
        let cursor = before.unicodeScalars.count + upToCursor.unicodeScalars.count
        let reply = client.request("complete_request", .obj([
            "code": .string(before + line), "cursor_pos": .number(Double(cursor)),
        ]))
        let matches = reply["matches"]?.arrayValue?.compactMap(\.stringValue) ?? []
        guard !matches.isEmpty else { return nil }
        // The kernel's replacement may start before readline's word (`%his` → `%history`).
        let wordStart = String(decoding: Array(line.utf8).prefix(start), as: UTF8.self).unicodeScalars.count + before.unicodeScalars.count
        let kernelStart = reply["cursor_start"]?.intValue ?? wordStart
        let dropped = max(0, wordStart - kernelStart)
        let shown = matches.map { String($0.unicodeScalars.dropFirst(min(dropped, $0.unicodeScalars.count))) }
        var common = shown[0]
        for m in shown.dropFirst() {
            while !m.hasPrefix(common) { common.removeLast() }
        }
        let list = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: shown.count + 2)
        list[0] = strdup(shown.count == 1 ? shown[0] : common)
        for (i, m) in shown.enumerated() { list[i + 1] = strdup(m) }
        list[shown.count + 1] = nil
        // readline frees the array with free(), so it must come from malloc.
        let heap = malloc(MemoryLayout<UnsafeMutablePointer<CChar>?>.stride * (shown.count + 2))!
            .bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: shown.count + 2)
        heap.update(from: list, count: shown.count + 2)
        list.deallocate()
        return heap
    }

    // MARK: History

    /// Cells are kept one per line, with `\` and newlines escaped, so a multi-line cell
    /// comes back whole with the up arrow.
    private func loadHistory() {
        guard let text = try? String(contentsOfFile: historyPath, encoding: .utf8) else { return }
        let entries = text.split(separator: "\n").suffix(1000)
        for e in entries { add_history(Self.unescape(String(e))) }
    }

    private func appendHistory(_ code: String) {
        add_history(code)
        let line = Self.escape(code) + "\n"
        if let handle = FileHandle(forWritingAtPath: historyPath) {
            handle.seekToEndOfFile()
            handle.write(Data(line.utf8))
            handle.closeFile()
        } else {
            _ = FileManager.default.createFile(atPath: historyPath, contents: Data(line.utf8), attributes: [.posixPermissions: 0o600])
        }
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }

    static func unescape(_ s: String) -> String {
        var out = ""
        var escaping = false
        for c in s {
            if escaping {
                out.append(c == "n" ? "\n" : c)
                escaping = false
            } else if c == "\\" {
                escaping = true
            } else {
                out.append(c)
            }
        }
        return out
    }
}
