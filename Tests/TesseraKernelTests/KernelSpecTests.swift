import CZlib
import XCTest
@testable import TesseraKernel

/// kernel.json, the logos, the install folders, and the connection file.
final class KernelSpecTests: XCTestCase {
    func testKernelJSONRunsTheBinaryWithTheConnectionFile() throws {
        let json = try JSON.parse(KernelSpec.kernelJSON(executable: "/opt/bin/tessera").pretty())
        XCTAssertEqual(json["argv"]?.arrayValue?.compactMap(\.stringValue),
                       ["/opt/bin/tessera", "jupyter", "--connection-file", "{connection_file}"])
        XCTAssertEqual(json["interrupt_mode"]?.stringValue, "signal")
        XCTAssertEqual(json["language"]?.stringValue, "tessera")
    }

    /// The PNGs decode: signature, IHDR size, each chunk's CRC, and the inflated pixels.
    func testLogosAreValidPNGs() throws {
        for size in [32, 64] {
            let png = KernelLogo.png(size: size)
            XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
            var i = 8
            var idat: [UInt8] = []
            var types: [String] = []
            while i < png.count {
                let length = Int(png[i]) << 24 | Int(png[i + 1]) << 16 | Int(png[i + 2]) << 8 | Int(png[i + 3])
                let body = Array(png[(i + 4)..<(i + 8 + length)])
                let type = String(decoding: body.prefix(4), as: UTF8.self)
                types.append(type)
                let crc = png[(i + 8 + length)..<(i + 12 + length)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                XCTAssertEqual(crc, UInt32(body.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }), type)
                if type == "IHDR" { XCTAssertEqual(Array(body[4..<12]), [0, 0, 0, UInt8(size), 0, 0, 0, UInt8(size)]) }
                if type == "IDAT" { idat += body.dropFirst(4) }
                i += 12 + length
            }
            XCTAssertEqual(types, ["IHDR", "IDAT", "IEND"])
            var raw = [UInt8](repeating: 0, count: size * (size * 4 + 1))
            var rawLength = uLong(raw.count)
            XCTAssertEqual(uncompress(&raw, &rawLength, idat, uLong(idat.count)), Z_OK)
            XCTAssertEqual(Int(rawLength), size * (size * 4 + 1))
        }
        XCTAssertTrue(KernelLogo.svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
    }

    func testInstallFoldersFollowJupyter() throws {
        XCTAssertEqual(try KernelSpec.kernelsDirectory(.prefix("/p")), "/p/share/jupyter/kernels")
        XCTAssertEqual(try KernelSpec.kernelsDirectory(.user, environment: ["JUPYTER_DATA_DIR": "/d"]), "/d/kernels")
        XCTAssertEqual(try KernelSpec.kernelsDirectory(.sysPrefix, environment: ["VIRTUAL_ENV": "/venv"]), "/venv/share/jupyter/kernels")
        #if os(Linux)
        XCTAssertEqual(try KernelSpec.kernelsDirectory(.user, environment: ["HOME": "/h"]), "/h/.local/share/jupyter/kernels")
        #endif
        XCTAssertThrowsError(try KernelSpec.kernelsDirectory(.user, environment: [:]))
    }

    func testInstallWritesTheFolder() throws {
        let prefix = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-spec-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: prefix) }
        let folder = try KernelSpec.install(to: .prefix(prefix), executable: "/x/tessera")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        XCTAssertEqual(names, ["kernel.json", "logo-32x32.png", "logo-64x64.png", "logo-svg.svg"])
        XCTAssertThrowsError(try KernelSpec.install(to: .prefix(prefix), name: "../evil"))
    }

    func testConnectionFileErrorsSayWhatIsWrong() throws {
        XCTAssertThrowsError(try ConnectionFile(json: try JSON.parse(#"{"shell_port": 70000}"#))) { error in
            XCTAssertTrue("\(error)".contains("\"shell_port\" must be a port number"))
        }
        XCTAssertThrowsError(try ConnectionFile(json: try JSON.parse(#"{"transport": "udp"}"#))) { error in
            XCTAssertTrue("\(error)".contains("transport 'udp' is not supported"))
        }
        let c = try ConnectionFile(json: try JSON.parse(#"{"ip": "127.0.0.1", "shell_port": 5000, "key": "k"}"#))
        XCTAssertEqual(c.endpoint(5000), "tcp://127.0.0.1:5000")
        XCTAssertEqual(c.endpoint(0), "tcp://127.0.0.1:*")
        XCTAssertEqual(ConnectionFile.port(ofEndpoint: "tcp://127.0.0.1:53127"), 53127)
        let ipc = try ConnectionFile(json: try JSON.parse(#"{"transport": "ipc", "ip": "/tmp/k", "key": ""}"#))
        XCTAssertEqual(ipc.endpoint(3), "ipc:///tmp/k-3")
    }

    /// A key that is not a string must not turn signing off without a word (as a `null`
    /// or a number read as "no key" would).
    func testTheKeyMustBeAString() throws {
        for bad in [#"123"#, #"null"#, #"["k"]"#, #"{"k": 1}"#, #"true"#] {
            XCTAssertThrowsError(try ConnectionFile(json: try JSON.parse(#"{"shell_port": 1, "key": "# + bad + "}"))) { error in
                XCTAssertTrue("\(error)".contains("\"key\" must be a string, not \(bad.replacingOccurrences(of: " ", with: ""))"), "\(error)")
            }
        }
        XCTAssertThrowsError(try ConnectionFile(json: try JSON.parse(#"{"shell_port": 1}"#))) { error in
            XCTAssertTrue("\(error)".contains("has no \"key\""), "\(error)")
        }
        XCTAssertThrowsError(try ConnectionFile(json: try JSON.parse(#"{"key": "k", "signature_scheme": 5}"#))) { error in
            XCTAssertTrue("\(error)".contains("\"signature_scheme\" must be a string"), "\(error)")
        }
        XCTAssertEqual(try ConnectionFile(json: try JSON.parse(#"{"key": ""}"#)).key, "")
    }
}

/// The kernel-spec folder in the repository (for `jupyter kernelspec install kernel-spec/tessera`
/// with `tessera` on PATH) is what `install-kernel` writes, so the two cannot drift apart.
final class RepositoryKernelSpecTests: XCTestCase {
    func testRepositoryFolderMatchesTheGeneratedSpec() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let folder = root.appendingPathComponent("kernel-spec/tessera")
        for file in KernelSpec.files(executable: "tessera") {
            let onDisk = try Data(contentsOf: folder.appendingPathComponent(file.name))
            XCTAssertEqual(Array(onDisk), file.bytes, "kernel-spec/tessera/\(file.name) differs from what install-kernel writes")
        }
    }
}
