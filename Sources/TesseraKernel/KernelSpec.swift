import Foundation
import TesseraTensor

/// Jupyter's kernel-spec for Tessera: `kernel.json` and the logos, and where
/// `tessera install-kernel` puts them (the places `jupyter kernelspec install` uses).
public enum KernelSpec {
    /// Where to install, as `jupyter kernelspec install`'s flags choose.
    public enum Destination: Equatable {
        /// `~/.local/share/jupyter/kernels` (or `$JUPYTER_DATA_DIR/kernels`).
        case user
        /// `PREFIX/share/jupyter/kernels`.
        case prefix(String)
        /// The active Python environment's prefix (`$VIRTUAL_ENV`, `$CONDA_PREFIX`, or `python3`'s `sys.prefix`).
        case sysPrefix
        /// The system-wide `/usr/local/share/jupyter/kernels`.
        case system
    }

    public struct Error: Swift.Error, CustomStringConvertible {
        public let description: String
        init(_ text: String) { description = text }
    }

    /// `kernel.json` for a kernel run as `executable jupyter --connection-file {connection_file}`.
    public static func kernelJSON(executable: String, displayName: String = "Tessera") -> JSON {
        .obj([
            "argv": .array([executable, "jupyter", "--connection-file", "{connection_file}"].map { .string($0) }),
            "display_name": .string(displayName),
            "language": .string("tessera"),
            "interrupt_mode": .string("signal"),
            // Set here, the binary need not restart itself to set it (see quietOpenBLASThreads).
            "env": .obj(["OPENBLAS_THREAD_TIMEOUT": .string("20")]),
            "metadata": .obj(["debugger": .bool(false)]),
        ])
    }

    /// The files of the spec folder, by name.
    public static func files(executable: String, displayName: String = "Tessera") -> [(name: String, bytes: [UInt8])] {
        [
            ("kernel.json", Array((kernelJSON(executable: executable, displayName: displayName).pretty() + "\n").utf8)),
            ("logo-32x32.png", KernelLogo.png(size: 32)),
            ("logo-64x64.png", KernelLogo.png(size: 64)),
            ("logo-svg.svg", Array(KernelLogo.svg.utf8)),
        ]
    }

    /// The `kernels` folder for a destination.
    public static func kernelsDirectory(_ destination: Destination, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        switch destination {
        case .user:
            if let d = environment["JUPYTER_DATA_DIR"], !d.isEmpty { return d + "/kernels" }
            guard let home = environment["HOME"], !home.isEmpty else {
                throw Error("--user needs $HOME (or $JUPYTER_DATA_DIR) to find the user's Jupyter data folder")
            }
            #if os(macOS)
            return home + "/Library/Jupyter/kernels"
            #else
            let data = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.local/share"
            return data + "/jupyter/kernels"
            #endif
        case .prefix(let p):
            return p + "/share/jupyter/kernels"
        case .sysPrefix:
            return try pythonPrefix(environment) + "/share/jupyter/kernels"
        case .system:
            return "/usr/local/share/jupyter/kernels"
        }
    }

    /// Writes the spec folder `name` under the destination; returns its path.
    @discardableResult
    public static func install(to destination: Destination, name: String = "tessera", displayName: String = "Tessera",
                               executable: String = currentExecutable) throws -> String {
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) else {
            throw Error("kernel name '\(name)' may hold only letters, digits, '-', '_' and '.'")
        }
        let folder = try kernelsDirectory(destination) + "/" + name
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for f in files(executable: executable, displayName: displayName) {
                try AtomicFile.write(f.bytes, to: folder + "/" + f.name)
            }
        } catch let e as FileError {
            throw Error("cannot write the kernel-spec to '\(folder)': \(e.reason)")
        } catch {
            throw Error("cannot write the kernel-spec to '\(folder)': \(RegularFile.reason(error))")
        }
        return folder
    }

    /// The absolute path of the running `tessera` binary.
    public static var currentExecutable: String {
        #if os(Linux)
        if let p = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return p }
        #endif
        let arg0 = CommandLine.arguments[0]
        if arg0.hasPrefix("/") { return arg0 }
        return URL(fileURLWithPath: arg0, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL.path
    }

    private static func pythonPrefix(_ environment: [String: String]) throws -> String {
        for key in ["VIRTUAL_ENV", "CONDA_PREFIX"] {
            if let p = environment[key], !p.isEmpty { return p }
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import sys; print(sys.prefix)"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch {
            throw Error("--sys-prefix needs an active Python environment ($VIRTUAL_ENV or $CONDA_PREFIX) or python3 on PATH")
        }
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let p = String(data: out, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), !p.isEmpty else {
            throw Error("--sys-prefix: python3 did not report its sys.prefix")
        }
        return p
    }
}
