import Foundation
import TesseraDisplay

/// Shows a cell's messages on a terminal, for the shell, `tessera run` and notebook
/// replay: streams as they come, results as text (tables are already aligned in their
/// text/plain), charts as a sparkline beside the path of the SVG file they were written
/// to, errors with their caret, and a display that is updated in place (training
/// progress) as one live line rewritten with `\r` on a terminal. When stdout is not a
/// terminal, a display's updates are not printed one by one: its latest state is printed
/// before the next other output and when the cell ends.
public final class TerminalRenderer {
    /// Whether stdout is a terminal (live lines, colour).
    public let isTerminal: Bool
    /// Prefix execute results with `Out[n]:`, as the shell does.
    public var showsPrompts: Bool
    /// Print displays and results (off for `--quiet`); errors are always printed.
    public var showsOutputs: Bool
    /// Where charts are written; made on first use.
    public let chartDirectory: String

    private var liveDisplay: String?
    /// Displays with an id, when stdout is not a terminal: what was printed and the latest
    /// state, printed again at the end of the cell if an update changed it.
    private var heldDisplays: [(id: String, printed: String, latest: String)] = []
    private var chartCount = 0

    public init(showsPrompts: Bool = false, showsOutputs: Bool = true, isTerminal: Bool = isatty(1) != 0,
                chartDirectory: String = FileManager.default.temporaryDirectory.path + "/tessera-charts-\(getpid())") {
        self.showsPrompts = showsPrompts
        self.showsOutputs = showsOutputs
        self.isTerminal = isTerminal
        self.chartDirectory = chartDirectory
    }

    /// Renders one message of a cell.
    public func render(_ m: KernelMessage) {
        let c = m.content
        switch m.msgType {
        case "stream":
            guard showsOutputs || c["name"]?.stringValue == "stderr" else { return }
            endLiveLine()
            write(c["text"]?.stringValue ?? "", toError: c["name"]?.stringValue == "stderr")
        case "display_data":
            guard showsOutputs, let data = c["data"] else { return }
            let text = self.text(of: data)
            if let id = c["transient"]?["display_id"]?.stringValue {
                showDisplay(id: id, text: text, isUpdate: false)
            } else {
                endLiveLine()
                write(text + "\n")
            }
        case "update_display_data":
            guard showsOutputs, let data = c["data"], let id = c["transient"]?["display_id"]?.stringValue else { return }
            showDisplay(id: id, text: text(of: data), isUpdate: true)
        case "execute_result":
            guard showsOutputs, let data = c["data"] else { return }
            endLiveLine()
            let text = self.text(of: data)
            if showsPrompts {
                let n = c["execution_count"]?.intValue ?? 0
                let prompt = colour("Out[\(n)]: ", code: "31")
                write(prompt + (text.contains("\n") ? "\n" : "") + text + "\n")
            } else {
                write(text + "\n")
            }
        case "error":
            endLiveLine()
            let lines = c["traceback"]?.arrayValue?.compactMap(\.stringValue) ?? []
            write(colour(lines.joined(separator: "\n"), code: "31") + "\n", toError: true)
        case "clear_output":
            if liveDisplay != nil && isTerminal {
                write("\r\u{1B}[2K")
                liveDisplay = nil
            }
        default:
            break
        }
    }

    /// Shows which cell runs next (`In [3]: first line …`), as notebook replay prints it.
    public func announce(cell firstLine: String, more: Bool, count: Int) {
        endLiveLine()
        write(colour("In [\(count)]: ", code: "32") + firstLine + (more ? " …" : "") + "\n")
    }

    /// Ends the cell: finishes a live line, prints the last state of held-back displays.
    public func finishCell() {
        endLiveLine()
        heldDisplays.removeAll()
    }

    /// The pages of an execute reply (`%help name`, `name?`): Jupyter shows them in its
    /// pager; a terminal, a script run and piped input print them as text.
    public func renderPages(_ reply: JSON) {
        for p in reply["payload"]?.arrayValue ?? [] where p["source"]?.stringValue == "page" {
            write((p["data"]?["text/plain"]?.stringValue ?? "") + "\n")
        }
    }

    private func showDisplay(id: String, text: String, isUpdate: Bool) {
        guard isTerminal else {
            if let i = heldDisplays.firstIndex(where: { $0.id == id }) {
                heldDisplays[i].latest = text
            } else {
                write(text + "\n")
                heldDisplays.append((id, text, text))
            }
            return
        }
        if text.contains("\n") {
            endLiveLine()
            write(text + "\n")
            return
        }
        if liveDisplay != id { endLiveLine() }
        // Rewrite the line in place: carriage return, clear to the end of the line.
        write("\r\u{1B}[2K" + text)
        liveDisplay = id
    }

    /// Before other output: a live line ends; held-back display updates are printed, so
    /// the output reads in the order things happened.
    private func endLiveLine() {
        if liveDisplay != nil {
            write("\n")
            liveDisplay = nil
        }
        for i in heldDisplays.indices where heldDisplays[i].latest != heldDisplays[i].printed {
            write(heldDisplays[i].latest + "\n")
            heldDisplays[i].printed = heldDisplays[i].latest
        }
    }

    /// The text a terminal shows for a MIME bundle: text/plain, and for an SVG a
    /// sparkline of its line (when it draws one) and the file it was written to.
    func text(of data: JSON) -> String {
        let plain = data["text/plain"]?.stringValue ?? ""
        guard let svg = data["image/svg+xml"]?.stringValue else { return plain }
        var parts: [String] = []
        if let spark = Sparkline.fromSVG(svg) { parts.append(spark) }
        if !plain.isEmpty && plain != "<SVG image>" { parts.append(plain) }
        if let path = writeChart(svg) { parts.append("chart: \(path)") }
        return parts.joined(separator: "  ")
    }

    private func writeChart(_ svg: String) -> String? {
        do {
            try FileManager.default.createDirectory(atPath: chartDirectory, withIntermediateDirectories: true)
            chartCount += 1
            let path = chartDirectory + "/chart-\(chartCount).svg"
            try svg.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        } catch {
            return nil
        }
    }

    private func colour(_ text: String, code: String) -> String {
        isTerminal ? "\u{1B}[\(code)m" + text + "\u{1B}[0m" : text
    }

    private func write(_ text: String, toError: Bool = false) {
        toError ? Console.err(text) : Console.out(text)
    }

}
