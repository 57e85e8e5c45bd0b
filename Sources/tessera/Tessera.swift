import ArgumentParser
import Foundation
import TesseraKernel
import TesseraPrelude
import TesseraTensor

/// The `tessera` command: one binary for every front end of DESIGN.md.
@main
struct Tessera: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tessera",
        abstract: "Tessera: a deep-learning notebook kernel.",
        discussion: """
            Cells load and check data, define networks, train them and tune them; the kernel keeps \
            session state and emits the outputs notebook front ends render.

            With no subcommand: on a terminal, the interactive shell; with a script piped in, runs \
            the script (as python3 does).
            """,
        version: Kernel.version,
        subcommands: [ShellCommand.self, KernelCommand.self, JupyterCommand.self, InstallKernelCommand.self, RunCommand.self, ConvertCommand.self,
                      BackendCheckCommand.self, BackendBenchCommand.self, TuneBenchCommand.self, WorkerCommand.self, ReferenceCommand.self, VersionCommand.self]
    )

    /// Parses the command line after one rewrite: `run ... -p NAME VALUE` becomes
    /// `-p NAME=VALUE`, so that a VALUE such as `-1` is not taken for an option.
    static func main() {
        quietOpenBLASThreads()
        HostMemory.keepLargeBuffersInTheHeap()
        var arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "run" {
            var i = 1
            while i < arguments.count {
                if arguments[i] == "-p", i + 2 < arguments.count, !arguments[i + 1].contains("=") {
                    arguments.replaceSubrange((i + 1)...(i + 2), with: [arguments[i + 1] + "=" + arguments[i + 2]])
                }
                i += 1
            }
        }
        main(arguments)
    }

    mutating func run() throws {
        if isatty(0) == 0 {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            guard let code = String(data: data, encoding: .utf8) else {
                Console.err("tessera: standard input is not valid UTF-8\n")
                throw ExitCode(2)
            }
            throw ExitCode(ScriptRunner.run(code: code, name: "<stdin>"))
        }
        throw ExitCode(Shell().run())
    }
}

/// OpenBLAS's worker threads spin (sched_yield in a loop) for about 2^28 cycles after each
/// product, taking the cores that Tessera's own element-wise loops, im2col and pooling
/// run on next: a CNN training step spent 40% of its time in the kernel scheduler. Its
/// OPENBLAS_THREAD_TIMEOUT shortens the spin; 2^20 cycles was the best of 4 to 28 for
/// both the MLP and the CNN of bench/train.py (a shorter spin pays more thread wake-ups
/// between the MLP's products). OpenBLAS reads it when the library loads, before main:
/// so when it is unset, set it and start this program again (once; a few milliseconds).
/// A value the user set is kept.
func quietOpenBLASThreads() {
    guard getenv("OPENBLAS_THREAD_TIMEOUT") == nil else { return }
    // Commands that compute nothing start at once.
    if let command = CommandLine.arguments.dropFirst().first, ["version", "install-kernel", "convert", "--help", "-h", "--version"].contains(command) {
        return
    }
    setenv("OPENBLAS_THREAD_TIMEOUT", "20", 1)
    var argv: [UnsafeMutablePointer<CChar>?] = CommandLine.arguments.map { strdup($0) } + [nil]
    execv("/proc/self/exe", &argv)
    // If the program cannot start again (no /proc), it goes on with OpenBLAS's default.
}


struct ShellCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shell",
        abstract: "The interactive shell (what `tessera` on a terminal starts).",
        discussion: """
            In [n]: prompts; a cell that is not finished continues on `...:` lines. Tab completes \
            names and members; Ctrl-C interrupts a running cell (the session keeps its variables) \
            or clears the line; Ctrl-D on an empty line exits. History is kept in ~/.tessera_history.
            """
    )

    func run() throws {
        throw ExitCode(Shell().run())
    }
}

struct KernelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernel",
        abstract: "Serve the kernel protocol to another program.",
        discussion: """
            --stdio speaks JSON Lines: one JSON object per line each way, e.g.
              > {"msg_id":"a1","msg_type":"execute_request","content":{"code":"1 + 1"}}
              < {"msg_type":"execute_result","parent_id":"a1","content":{"data":{"text/plain":"2"},...}}
            EOF on stdin shuts the kernel down; SIGINT or {"msg_type":"interrupt_request"} interrupts a cell.
            """
    )

    @Flag(help: "Speak JSON Lines over stdin/stdout.")
    var stdio = false

    func validate() throws {
        guard stdio else { throw ValidationError("choose a transport: --stdio (JSON Lines over stdin/stdout)") }
    }

    func run() throws {
        throw ExitCode(StdioTransport.run())
    }
}

struct JupyterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jupyter",
        abstract: "Serve Jupyter's wire protocol over ZeroMQ (what the kernel-spec runs).",
        discussion: """
            Jupyter front ends start this with the connection file they wrote: the ports of the \
            shell, iopub, stdin, control and heartbeat sockets and the HMAC key. Install the \
            kernel-spec with `tessera install-kernel --user`, then pick "Tessera" in JupyterLab.
            """
    )

    @Option(name: .customLong("connection-file"), help: "The connection file a Jupyter front end wrote.",
            completion: .file(extensions: ["json"]))
    var connectionFile: String

    @Option(name: .customLong("max-message-bytes"),
            help: ArgumentHelp("The largest message a client may send (bytes, or with a unit: 64M, 1G); a larger one is dropped unread.", valueName: "size"))
    var maxMessageBytes = "256M"

    func validate() throws {
        guard HostMemory.parseSize(maxMessageBytes) != nil else {
            throw ValidationError("--max-message-bytes must be a positive size such as 268435456, 256M or 1G, not '\(maxMessageBytes)'")
        }
    }

    func run() throws {
        throw ExitCode(JupyterTransport.run(connectionFile: connectionFile, maxMessageBytes: HostMemory.parseSize(maxMessageBytes)!))
    }
}

struct InstallKernelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install-kernel",
        abstract: "Install the Jupyter kernel-spec that runs this tessera binary.",
        discussion: """
            Writes kernels/tessera/{kernel.json, logo-32x32.png, logo-64x64.png, logo-svg.svg} where \
            `jupyter kernelspec install` would: system-wide by default, or per --user, --prefix or \
            --sys-prefix. Then `jupyter kernelspec list` shows "tessera".
            """
    )

    @Flag(help: "Install for this user (~/.local/share/jupyter, or $JUPYTER_DATA_DIR).")
    var user = false

    @Option(help: "Install under PREFIX/share/jupyter (e.g. a virtual environment).")
    var prefix: String?

    @Flag(name: .customLong("sys-prefix"), help: "Install into the active Python environment ($VIRTUAL_ENV, $CONDA_PREFIX or python3's sys.prefix).")
    var sysPrefix = false

    @Option(help: "The kernel-spec's name (its folder).")
    var name = "tessera"

    @Option(name: .customLong("display-name"), help: "The name front ends show.")
    var displayName = "Tessera"

    func validate() throws {
        if [user, prefix != nil, sysPrefix].filter({ $0 }).count > 1 {
            throw ValidationError("choose one of --user, --prefix and --sys-prefix")
        }
    }

    func run() throws {
        let destination: KernelSpec.Destination =
            user ? .user : prefix.map { .prefix($0) } ?? (sysPrefix ? .sysPrefix : .system)
        do {
            let folder = try KernelSpec.install(to: destination, name: name, displayName: displayName)
            print("Installed kernel-spec \(name) in \(folder)")
        } catch {
            Console.err("tessera install-kernel: \(error)\n")
            throw ExitCode(1)
        }
    }
}

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a Tessera script (.tsr) or replay a notebook (.ipynb) headlessly.",
        discussion: """
            A script runs as one cell of one session, printing its outputs. A notebook runs every \
            code cell in order in one session and is written back executed (nbformat 4.5): to -o \
            OUT, over itself with --inplace, or to NAME.executed.ipynb beside it. -p NAME VALUE \
            injects parameters as papermill does (a cell tagged injected-parameters after the cell \
            tagged parameters); VALUE is a Tessera literal (0.01, 5, true, "text", [1, 2]) or else \
            a string. Cells tagged skip-execution are not run; an error in a cell tagged \
            raises-exception is expected.

            Exit status: 0 when everything ran, 1 at the first error (for a notebook, the cells \
            after it are not run unless --allow-errors, and the output holds what ran; a cell past \
            --timeout is interrupted and counts as an error, and one that does not stop within 5 s \
            of it ends the run), 2 when the file cannot be read or is not a runnable notebook (the \
            input is left untouched), 130 after Ctrl-C (SIGINT) and 143 after SIGTERM: both \
            interrupt the running cell, end the run and write the notebook with what ran.
            """
    )

    @Argument(help: "The script (.tsr) or notebook (.ipynb) to run.", completion: .file(extensions: ["tsr", "ipynb"]))
    var file: String

    @Option(name: .shortAndLong, help: "Notebooks: write the executed notebook here.", completion: .file(extensions: ["ipynb"]))
    var output: String?

    @Flag(help: "Notebooks: write the executed notebook over the input.")
    var inplace = false

    @Option(name: .customShort("p"), parsing: .upToNextOption,
            help: ArgumentHelp("Notebooks: a parameter, as -p NAME VALUE (or -p NAME=VALUE); repeatable.", valueName: "name value"))
    var parameters: [String] = []

    @Flag(name: .customLong("allow-errors"), help: "Notebooks: run every cell even after errors.")
    var allowErrors = false

    @Option(help: "Notebooks: seconds a cell may run before it is interrupted.")
    var timeout: Double?

    @Flag(help: "Notebooks: print neither outputs nor progress (errors still go to stderr).")
    var quiet = false

    func validate() throws {
        let isNotebook = file.hasSuffix(".ipynb")
        if !isNotebook && (output != nil || inplace || !parameters.isEmpty || allowErrors || timeout != nil || quiet) {
            throw ValidationError("-o, --inplace, -p, --allow-errors, --timeout and --quiet apply to notebooks (.ipynb)")
        }
        if output != nil && inplace { throw ValidationError("choose one of -o OUT and --inplace") }
        if let t = timeout, !(t > 0) { throw ValidationError("--timeout must be a positive number of seconds") }
        _ = try parameterPairs()
    }

    /// `-p a 1 -p b=2` → [(a, 1), (b, 2)].
    func parameterPairs() throws -> [(name: String, value: String)] {
        var pairs: [(String, String)] = []
        var i = 0
        while i < parameters.count {
            let item = parameters[i]
            if let eq = item.firstIndex(of: "="), eq != item.startIndex {
                pairs.append((String(item[..<eq]), String(item[item.index(after: eq)...])))
                i += 1
            } else if i + 1 < parameters.count {
                pairs.append((item, parameters[i + 1]))
                i += 2
            } else {
                throw ValidationError("-p \(item) needs a value: -p NAME VALUE")
            }
        }
        for (name, _) in pairs {
            do { try NotebookParameters.checkName(name) } catch { throw ValidationError("\(error)") }
        }
        return pairs
    }

    func run() throws {
        if file.hasSuffix(".ipynb") {
            var options = NotebookRunner.Options()
            options.output = output
            options.inPlace = inplace
            options.parameters = NotebookParameters(try parameterPairs())
            options.allowErrors = allowErrors
            options.timeout = timeout
            // In an MPI job rank 0 shows and writes the outputs; the other ranks only their errors.
            options.quiet = quiet || DistributedRun.rank != 0
            options.writesNotebook = DistributedRun.rank == 0
            throw ExitCode(ended(NotebookRunner.run(path: file, options: options)))
        }
        let url = URL(fileURLWithPath: file)
        let data: [UInt8]
        do { data = try RegularFile.read(file) } catch {
            Console.err("tessera: \(error)\n")
            throw ExitCode(2)
        }
        guard let code = String(validating: data, as: UTF8.self) else {
            Console.err("tessera: '\(file)' is not valid UTF-8 text\n")
            throw ExitCode(2)
        }
        throw ExitCode(ended(ScriptRunner.run(code: code, name: url.lastPathComponent, showsOutputs: DistributedRun.rank == 0)))
    }

    /// The run's exit status; a failed rank of an MPI job first ends the whole job, so that
    /// no other rank waits forever for it in a collective. An interrupt (mpirun passes one on
    /// to every rank as SIGTERM) needs no such end: the ranks agree on the step they stop at.
    private func ended(_ status: Int32) -> Int32 {
        let interrupted = status == NotebookRunner.interruptedStatus || status == NotebookRunner.terminatedStatus
        if status != 0 && !interrupted && DistributedRun.isLaunched {
            DistributedRun.stopJob("\(file) ended with status \(status) on this rank (its error is above)")
        }
        return status
    }
}

struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a notebook to a Tessera script or a standalone HTML page.",
        discussion: """
            --to tsr: code cells in order, markdown as // comments. --to html: one page with the \
            outputs (SVG inline, tables as HTML), no external files, for sharing. Written beside \
            the notebook (NAME.tsr, NAME.html) unless -o says where. Exit 2 when the notebook \
            cannot be read.
            """
    )

    @Argument(help: "The notebook (.ipynb).", completion: .file(extensions: ["ipynb"]))
    var notebook: String

    @Option(help: "The format: tsr or html.")
    var to: String

    @Option(name: .shortAndLong, help: "Where to write.")
    var output: String?

    func validate() throws {
        guard NotebookExport.Format(rawValue: to) != nil else {
            throw ValidationError("--to must be tsr or html, not '\(to)'")
        }
    }

    func run() throws {
        do {
            let path = try NotebookExport.convert(notebook, to: NotebookExport.Format(rawValue: to)!, output: output)
            Console.err("wrote \(path)\n")
        } catch {
            Console.err("tessera convert: \(error)\n")
            throw ExitCode(2)
        }
    }
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version.")
    func run() throws {
        print("tessera \(Kernel.version) (language 1, protocol \(Kernel.protocolVersion))")
    }
}

struct ReferenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reference", abstract: "Print the prelude reference as Markdown (docs/reference.md is this output).")
    func run() throws {
        print(Reference.markdown, terminator: "")
    }
}
