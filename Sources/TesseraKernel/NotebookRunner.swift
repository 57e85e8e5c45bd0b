import Foundation
import Synchronization
import TesseraScript

/// `tessera run NOTEBOOK.ipynb`: executes every code cell in order in one session, as
/// nbclient and papermill do, and writes the executed notebook: outputs in nbformat 4.5,
/// `execution_count`, `metadata.execution` timestamps, Tessera's kernelspec.
///
/// Exit status: 0 when every cell ran (or `--allow-errors`), 1 at the first error (the
/// cells after it are not run; a cell past `--timeout` is interrupted and is such an
/// error, and one that does not stop within 5 s of the interrupt ends the run), 2 when the
/// notebook cannot be run (not JSON, nbformat 3, another language, a malformed cell); the
/// input file is then left untouched. SIGINT (Ctrl-C) and SIGTERM interrupt the running
/// cell and end the run: 130 and 143. Whenever cells ran, the output notebook is written,
/// atomically, with everything that ran.
public enum NotebookRunner {
    /// The exit status after SIGINT and after SIGTERM (128 + the signal's number, as shells report).
    public static let interruptedStatus: Int32 = 130, terminatedStatus: Int32 = 143

    public struct Options {
        /// Where to write; nil: `NAME.executed.ipynb` beside the input.
        public var output: String?
        public var inPlace = false
        public var parameters = NotebookParameters([])
        public var allowErrors = false
        /// Seconds a cell may run before it is interrupted.
        public var timeout: TimeInterval?
        public var quiet = false
        /// Whether the executed notebook is written (false on the ranks other than 0 of an
        /// MPI job: rank 0 writes it).
        public var writesNotebook = true

        public init() {}
    }

    public static func defaultOutput(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingPathExtension().path + ".executed.ipynb"
    }

    public static func run(path: String, options: Options) -> Int32 {
        var notebook: Notebook
        do {
            notebook = try Notebook(path: path)
        } catch {
            log("tessera run: \(error)")
            return 2
        }
        let output = options.inPlace ? path : (options.output ?? defaultOutput(for: path))
        options.parameters.inject(into: &notebook)

        // A closed stdout (`tessera run nb.ipynb | head`) must not kill the run before the
        // notebook is written: writes then fail with EPIPE instead.
        signal(SIGPIPE, SIG_IGN)
        let client = LocalClient()
        let stop = StopSignal()
        let sigint = InterruptSignal.install { stop.record(SIGINT) }
        let sigterm = InterruptSignal.install(signal: SIGTERM) { stop.record(SIGTERM) }
        defer { sigint.cancel(); sigterm.cancel() }
        let renderer = TerminalRenderer(showsPrompts: true, showsOutputs: !options.quiet)
        var run = Run(cells: notebook.cells)
        run.clearOutputs()

        let codeCells = run.cells.indices.filter { run.cells[$0]["cell_type"]?.stringValue == "code" }
        let started = Date()
        var failure: String?
        var errorCount = 0
        var nextCount = 1
        for (n, index) in codeCells.enumerated() {
            let cell = run.cells[index]
            let tags = Notebook.tags(cell)
            let source = Notebook.source(cell)
            let label = "cell \(n + 1) of \(codeCells.count)"
            if tags.contains("skip-execution") {
                if !options.quiet { log("\(label): skipped (skip-execution)") }
                continue
            }
            if source.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { continue }
            if !options.quiet {
                let first = source.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
                renderer.announce(cell: first, more: source.contains("\n"), count: nextCount)
            }
            nextCount += 1
            let cellStart = Date()
            run.begin(index)
            let result = client.execute(source, timeout: options.timeout, stop: { stop.signal != 0 }) { m in
                if m.msgType == "input_request" {
                    // A notebook run has no one to answer: the cell gets an empty line, as nbclient's does.
                    client.provideInput("")
                    return
                }
                run.record(m)
                renderer.render(m)
            }
            func note(_ text: String) {
                run.record(KernelMessage("stream", parent: nil, content: .obj(["name": .string("stderr"), "text": .string(text)])))
                renderer.render(KernelMessage("stream", parent: nil, content: .obj(["name": .string("stderr"), "text": .string("tessera run: \(label) " + text)])))
            }
            if result.timedOut { note("the cell ran past --timeout \(format(options.timeout ?? 0)) and was interrupted\n") }
            if result.abandoned {
                note("the cell did not stop within \(format(LocalClient.grace)) of the interrupt and was abandoned\n")
                run.commitAbandoned()
            }
            renderer.finishCell()
            renderer.renderPages(result.reply)
            let seconds = Date().timeIntervalSince(cellStart)
            if !options.quiet {
                log("\(label) · \(format(seconds)) · \(format(Date().timeIntervalSince(started))) elapsed")
            }
            if stop.signal != 0 {
                failure = "\(label) was interrupted by \(stop.signal == SIGTERM ? "SIGTERM" : "SIGINT"); the cells after it were not run"
                break
            }
            if result.abandoned {
                failure = "\(label) could not be stopped; the cells after it were not run"
                break
            }
            if !result.ok && !tags.contains("raises-exception") {
                errorCount += 1
                if !options.allowErrors {
                    failure = "\(label) (In [\(result.reply["execution_count"]?.intValue ?? 0)]) failed: "
                        + (result.reply["ename"]?.stringValue ?? "error") + "; the cells after it were not run"
                    break
                }
            }
        }
        notebook.cells = run.cells
        do {
            if options.writesNotebook { try notebook.write(to: output) }
        } catch {
            log("tessera run: \(error)")
            return 2
        }
        if let failure {
            log("tessera run: \(failure); wrote what ran to \(output)")
            switch stop.signal {
            case SIGINT: return interruptedStatus
            case SIGTERM: return terminatedStatus
            default: return 1
            }
        }
        if !options.quiet {
            let errors = errorCount > 0 ? " (\(errorCount) cell\(errorCount == 1 ? "" : "s") raised errors, --allow-errors)" : ""
            log("tessera run: \(codeCells.count) cells in \(format(Date().timeIntervalSince(started)))\(errors); wrote \(output)")
        }
        return 0
    }

    static func format(_ seconds: TimeInterval) -> String {
        seconds < 1 ? String(format: "%.0f ms", seconds * 1000) : String(format: "%.2f s", seconds)
    }

    static func log(_ text: String) {
        Console.err(text + "\n")
    }

    /// The cells of a run and the outputs collected into them, as nbclient collects them:
    /// streams of the same name merged, `update_display_data` applied to every output with
    /// that display id (in any cell), `clear_output(wait:)` honoured.
    struct Run {
        var cells: [JSON]
        private var current = 0
        private var outputs: [JSON] = []
        private var timestamps: [(String, JSON)] = []
        private var executionCount: JSON = .null
        private var clearPending = false
        /// display id → (cell, output index) of every output showing it.
        private var displays: [String: [(cell: Int, output: Int)]] = [:]

        init(cells: [JSON]) { self.cells = cells }

        /// Empties every code cell that will run (cells tagged skip-execution keep theirs).
        mutating func clearOutputs() {
            for i in cells.indices where cells[i]["cell_type"]?.stringValue == "code" && !Notebook.tags(cells[i]).contains("skip-execution") {
                cells[i] = cells[i].setting("outputs", .array([])).setting("execution_count", .null)
                if let metadata = cells[i]["metadata"] {
                    cells[i] = cells[i].setting("metadata", metadata.removing("execution"))
                }
            }
        }

        mutating func begin(_ index: Int) {
            current = index
            outputs = []
            timestamps = []
            executionCount = .null
            clearPending = false
        }

        mutating func record(_ m: KernelMessage) {
            let c = m.content
            switch m.msgType {
            case "status":
                let state = c["execution_state"]?.stringValue ?? ""
                timestamps.append(("iopub.status.\(state)", .string(WireMessage.timestamp())))
                if state == "idle" { commit() }
                return
            case "execute_input":
                timestamps.append(("iopub.execute_input", .string(WireMessage.timestamp())))
                executionCount = c["execution_count"] ?? .null
            case "execute_reply":
                timestamps.append(("shell.execute_reply", .string(WireMessage.timestamp())))
                if let n = c["execution_count"] { executionCount = n }
            case "clear_output":
                if c["wait"]?.boolValue == true { clearPending = true } else { clear() }
            case "stream":
                flushClear()
                let name = c["name"]?.stringValue ?? "stdout"
                let text = c["text"]?.stringValue ?? ""
                if let last = outputs.last, last["output_type"]?.stringValue == "stream", last["name"]?.stringValue == name {
                    outputs[outputs.count - 1] = last.setting("text", .string((last["text"]?.stringValue ?? "") + text))
                } else {
                    outputs.append(.obj(["name": .string(name), "output_type": .string("stream"), "text": .string(text)]))
                }
            case "display_data":
                flushClear()
                outputs.append(.obj(["data": c["data"] ?? .object([]), "metadata": c["metadata"] ?? .object([]),
                                     "output_type": .string("display_data")]))
                if let id = c["transient"]?["display_id"]?.stringValue {
                    displays[id, default: []].append((current, outputs.count - 1))
                }
            case "update_display_data":
                guard let id = c["transient"]?["display_id"]?.stringValue else { return }
                for place in displays[id] ?? [] {
                    if place.cell == current {
                        outputs[place.output] = updated(outputs[place.output], with: c)
                    } else if var cellOutputs = cells[place.cell]["outputs"]?.arrayValue, place.output < cellOutputs.count {
                        cellOutputs[place.output] = updated(cellOutputs[place.output], with: c)
                        cells[place.cell] = cells[place.cell].setting("outputs", .array(cellOutputs))
                    }
                }
            case "execute_result":
                flushClear()
                outputs.append(.obj(["data": c["data"] ?? .object([]), "execution_count": c["execution_count"] ?? .null,
                                     "metadata": c["metadata"] ?? .object([]), "output_type": .string("execute_result")]))
            case "error":
                flushClear()
                outputs.append(.obj(["ename": c["ename"] ?? .string("Error"), "evalue": c["evalue"] ?? .string(""),
                                     "output_type": .string("error"), "traceback": c["traceback"] ?? .array([])]))
            default:
                break
            }
            // Outputs that arrive after idle (a timeout note) still belong to the cell.
            if m.parentID == nil { commit() }
        }

        private func updated(_ output: JSON, with c: JSON) -> JSON {
            output.setting("data", c["data"] ?? .object([])).setting("metadata", c["metadata"] ?? .object([]))
        }

        private mutating func flushClear() {
            if clearPending { clear() }
        }

        private mutating func clear() {
            outputs = []
            clearPending = false
            for (id, places) in displays { displays[id] = places.filter { $0.cell != current } }
        }

        /// Keeps what an abandoned cell produced (its idle never came).
        mutating func commitAbandoned() { commit() }

        /// Writes what the cell produced so far into it.
        private mutating func commit() {
            var cell = cells[current].setting("outputs", .array(outputs)).setting("execution_count", executionCount)
            var metadata = cell["metadata"] ?? .object([])
            metadata = metadata.setting("execution", .object(timestamps))
            cell = cell.setting("metadata", metadata)
            cells[current] = cell
        }
    }
}

extension JSON {
    /// This object without `key`.
    func removing(_ key: String) -> JSON {
        guard case .object(let pairs) = self else { return self }
        return .object(pairs.filter { $0.0 != key })
    }
}

/// The first of SIGINT and SIGTERM to arrive during a run (0 while none has): handlers
/// record it on their queue, the run's thread reads it between messages.
final class StopSignal: Sendable {
    private let value = Atomic<Int32>(0)
    var signal: Int32 { value.load(ordering: .relaxed) }
    func record(_ number: Int32) { _ = value.compareExchange(expected: 0, desired: number, ordering: .relaxed) }
}
