import ArgumentParser
import Foundation
import TesseraKernel

/// The `tessera` command: one binary for every front end of DESIGN.md.
@main
struct Tessera: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tessera",
        abstract: "Tessera: a deep-learning notebook kernel.",
        discussion: """
            Cells load and check data, define networks, train them and tune them; the kernel keeps \
            session state and emits the outputs notebook front ends render.

            With no subcommand and a script piped in, runs the script (as python3 does).
            """,
        version: Kernel.version,
        subcommands: [KernelCommand.self, JupyterCommand.self, InstallKernelCommand.self, RunCommand.self, VersionCommand.self]
    )

    mutating func run() throws {
        if isatty(0) == 0 {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            guard let code = String(data: data, encoding: .utf8) else {
                FileHandle.standardError.write(Data("tessera: standard input is not valid UTF-8\n".utf8))
                throw ExitCode(2)
            }
            throw ExitCode(ScriptRunner.run(code: code, name: "<stdin>"))
        }
        print(Tessera.helpMessage())
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

    func run() throws {
        throw ExitCode(JupyterTransport.run(connectionFile: connectionFile))
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
            FileHandle.standardError.write(Data("tessera install-kernel: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a Tessera script (.tsr) as one session, printing its outputs.",
        discussion: "Exit status: 0 when the script ran to the end, 1 when it stopped with an error, 2 when it could not be read."
    )

    @Argument(help: "The script to run.", completion: .file(extensions: ["tsr"]))
    var file: String

    func run() throws {
        let url = URL(fileURLWithPath: file)
        guard let data = FileManager.default.contents(atPath: file) else {
            FileHandle.standardError.write(Data("tessera: cannot read '\(file)': no such file or not readable\n".utf8))
            throw ExitCode(2)
        }
        guard let code = String(data: data, encoding: .utf8) else {
            FileHandle.standardError.write(Data("tessera: '\(file)' is not valid UTF-8 text\n".utf8))
            throw ExitCode(2)
        }
        throw ExitCode(ScriptRunner.run(code: code, name: url.lastPathComponent))
    }
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version.")
    func run() throws {
        print("tessera \(Kernel.version) (language 1, protocol \(Kernel.protocolVersion))")
    }
}
