import Foundation
import TesseraTensor

/// What a Jupyter front end tells a kernel in its connection file: where to bind the five
/// sockets and how to sign messages.
struct ConnectionFile {
    struct Error: Swift.Error, CustomStringConvertible {
        let message: String
        init(_ message: String) { self.message = message }
        var description: String { message }
    }

    var transport: String
    var ip: String
    var shellPort: Int
    var iopubPort: Int
    var stdinPort: Int
    var controlPort: Int
    var hbPort: Int
    var key: String
    var signatureScheme: String
    /// Every field as read, so that a file written back (after binding port 0) keeps
    /// what the front end put there.
    var fields: JSON

    init(path: String) throws {
        let data: [UInt8]
        do { data = try RegularFile.read(path) } catch {
            throw Error("cannot read the connection file '\(path)': \(error.reason)")
        }
        let json: JSON
        do { json = try JSON.parse(data) } catch {
            throw Error("the connection file '\(path)' is not valid JSON (\(error))")
        }
        try self.init(json: json, name: path)
    }

    init(json: JSON, name: String = "the connection file") throws {
        guard case .object = json else { throw Error("\(name) must hold a JSON object") }
        func port(_ key: String) throws -> Int {
            guard let v = json[key] else { return 0 }
            guard let p = v.intValue, (0...65535).contains(p) else {
                throw Error("\(name): \"\(key)\" must be a port number (0 to 65535), not \(v.serialized)")
            }
            return p
        }
        /// A text field: absent gives the default, any other type is an error (a key of
        /// `123` or `null` must not quietly turn signing off).
        func text(_ key: String, default value: String?) throws -> String {
            guard let v = json[key] else {
                guard let value else {
                    throw Error("\(name) has no \"\(key)\"; Jupyter front ends always write one (\"key\": \"\" turns message signing off)")
                }
                return value
            }
            guard let s = v.stringValue else {
                throw Error("\(name): \"\(key)\" must be a string, not \(v.serialized)")
            }
            return s
        }
        fields = json
        transport = try text("transport", default: "tcp")
        guard transport == "tcp" || transport == "ipc" else {
            throw Error("\(name): transport '\(transport)' is not supported; use \"tcp\" or \"ipc\"")
        }
        ip = try text("ip", default: "127.0.0.1")
        shellPort = try port("shell_port")
        iopubPort = try port("iopub_port")
        stdinPort = try port("stdin_port")
        controlPort = try port("control_port")
        hbPort = try port("hb_port")
        key = try text("key", default: nil)
        signatureScheme = try text("signature_scheme", default: "hmac-sha256")
    }

    /// The ZeroMQ endpoint for a port; port 0 lets the system choose (tcp only).
    func endpoint(_ port: Int) -> String {
        if transport == "ipc" { return "ipc://\(ip)-\(port)" }
        let host = ip.contains(":") ? "[\(ip)]" : ip
        return port == 0 ? "tcp://\(host):*" : "tcp://\(host):\(port)"
    }

    /// The port a bound tcp endpoint ended up on (`tcp://127.0.0.1:53127` → 53127).
    static func port(ofEndpoint endpoint: String) -> Int {
        Int(endpoint.split(separator: ":").last ?? "") ?? 0
    }

    /// The file's JSON with the given ports filled in.
    func withPorts(_ ports: [String: Int]) -> JSON {
        guard case .object(var pairs) = fields else { return fields }
        for (k, v) in ports.sorted(by: { $0.key < $1.key }) {
            if let i = pairs.firstIndex(where: { $0.0 == k }) { pairs[i].1 = .number(Double(v)) } else { pairs.append((k, .number(Double(v)))) }
        }
        return .object(pairs)
    }
}
