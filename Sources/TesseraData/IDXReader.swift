import CZlib
import Foundation

/// Reads IDX files (the MNIST format), plain or gzip-compressed: a magic number naming
/// the element type and rank, the dimensions, then the values, big-endian.
public enum IDXReader {
    public struct Array: Sendable {
        public let shape: [Int]
        public let values: [UInt8]
    }

    /// An unsigned-byte IDX array (images or labels).
    public static func read(path: String) throws -> Array {
        guard FileManager.default.fileExists(atPath: path) else {
            throw DataError("cannot read '\(path)': no such file", isIO: true)
        }
        guard let file = gzopen(path, "rb") else { throw DataError("cannot open '\(path)'", isIO: true) }
        defer { gzclose(file) }
        func readExactly(_ n: Int) throws -> [UInt8] {
            var out = [UInt8](repeating: 0, count: n)
            var got = 0
            while got < n {
                let r = out.withUnsafeMutableBytes { gzread(file, $0.baseAddress! + got, UInt32(min(n - got, 1 << 30))) }
                if r <= 0 { throw DataError("'\(path)' ends early: expected \(n) bytes of IDX data, got \(got)") }
                got += Int(r)
            }
            return out
        }
        let magic = try readExactly(4)
        guard magic[0] == 0, magic[1] == 0 else { throw DataError("'\(path)' is not an IDX file (bad magic number)") }
        guard magic[2] == 0x08 else { throw DataError("'\(path)' holds IDX type 0x\(String(magic[2], radix: 16)); only unsigned bytes (0x08) are read") }
        let rank = Int(magic[3])
        guard (1...4).contains(rank) else { throw DataError("'\(path)' has \(rank) dimensions; IDX image sets have 1 to 4") }
        let dims = try readExactly(4 * rank)
        let shape = (0..<rank).map { k in dims[(4 * k)..<(4 * k + 4)].reduce(0) { $0 << 8 | Int($1) } }
        let count = shape.reduce(1, *)
        guard count < 1 << 31 else { throw DataError("'\(path)' claims \(count) values; that is not a real IDX file") }
        return Array(shape: shape, values: try readExactly(count))
    }
}
