import Foundation
import XCTest

/// A private PostgreSQL server for one test class: its own cluster in a temporary folder on
/// a free port (scripts/postgres-server.sh), stopped and removed after the class's tests.
final class PostgresServer {
    let folder: String
    let url: String
    private static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../scripts/postgres-server.sh").standardizedFileURL.path

    init() throws {
        // Directly under /tmp: the server runs as the postgres user, who must be able to enter it.
        folder = "/tmp/tessera-pg-\(UUID().uuidString.prefix(8))"
        url = try Self.run(["start", folder]).trimmingCharacters(in: .whitespacesAndNewlines)
        guard url.hasPrefix("postgresql://") else { throw XCTSkip("the PostgreSQL test server did not start: \(url)") }
    }

    /// Restarts the server on the same port with the same data (clients lose their connections).
    func restart() throws { _ = try Self.run(["restart", folder]) }

    func stop() { _ = try? Self.run(["stop", folder]) }

    @discardableResult
    static func run(_ arguments: [String]) throws -> String {
        // Output to files, not pipes: the server started here keeps the descriptors it was
        // given, and a pipe would never reach its end while the server runs.
        let base = NSTemporaryDirectory() + "tessera-pg-script-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: base + ".out", contents: nil)
        _ = FileManager.default.createFile(atPath: base + ".err", contents: nil)
        defer { try? FileManager.default.removeItem(atPath: base + ".out"); try? FileManager.default.removeItem(atPath: base + ".err") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [script] + arguments
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle(forWritingAtPath: base + ".out")
        p.standardError = FileHandle(forWritingAtPath: base + ".err")
        try p.run()
        p.waitUntilExit()
        let output = (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? ""
        guard p.terminationStatus == 0 else {
            let errors = (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? ""
            throw NSError(domain: "PostgresServer", code: Int(p.terminationStatus),
                          userInfo: [NSLocalizedDescriptionKey: "postgres-server.sh \(arguments.joined(separator: " ")): \(errors)"])
        }
        return output
    }
}
