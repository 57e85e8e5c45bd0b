import CZlib
import Foundation

/// Tessera's logo, drawn in code so that `install-kernel` needs no resource files: a
/// mosaic of rounded tiles (a tessera is one tile of a mosaic), written as PNG at any
/// size and as SVG.
enum KernelLogo {
    /// The tile colours, row by row, on a 4 x 4 grid.
    static let palette: [(UInt8, UInt8, UInt8)] = [
        (0x1F, 0x6F, 0x8B), (0xF2, 0x8C, 0x28), (0x2A, 0x9D, 0x8F), (0xE9, 0xC4, 0x6A),
    ]
    static let pattern: [[Int]] = [[0, 1, 2, 0], [2, 3, 0, 1], [1, 0, 3, 2], [0, 2, 1, 3]]

    /// The logo as an RGBA PNG of `size` x `size` pixels.
    static func png(size: Int) -> [UInt8] {
        let tile = Double(size) / 4
        let gap = max(1, Double(size) / 32)
        let radius = tile / 5
        var rows: [UInt8] = []
        rows.reserveCapacity(size * (size * 4 + 1))
        for y in 0..<size {
            rows.append(0)  // filter: none
            for x in 0..<size {
                let (col, row) = (min(3, Int(Double(x) / tile)), min(3, Int(Double(y) / tile)))
                // Coverage of the pixel centre by the rounded tile inset by half the gap.
                let lx = Double(x) + 0.5 - Double(col) * tile, ly = Double(y) + 0.5 - Double(row) * tile
                let inset = gap / 2, extent = tile - gap
                let dx = max(0, abs(lx - inset - extent / 2) - (extent / 2 - radius))
                let dy = max(0, abs(ly - inset - extent / 2) - (extent / 2 - radius))
                let distance = (dx * dx + dy * dy).squareRoot() - radius
                let alpha = max(0, min(1, 0.5 - distance))
                let c = palette[pattern[row][col]]
                rows.append(contentsOf: [c.0, c.1, c.2, UInt8((alpha * 255).rounded())])
            }
        }
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var ihdr: [UInt8] = []
        ihdr += bigEndian(UInt32(size)) + bigEndian(UInt32(size))
        ihdr += [8, 6, 0, 0, 0]  // 8-bit RGBA, deflate, no filter set, no interlace
        chunk("IHDR", ihdr, into: &png)
        chunk("IDAT", deflate(rows), into: &png)
        chunk("IEND", [], into: &png)
        return png
    }

    /// The logo as SVG (JupyterLab's launcher prefers `logo-svg.svg`).
    static var svg: String {
        var s = #"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64">"#
        for row in 0..<4 {
            for col in 0..<4 {
                let c = palette[pattern[row][col]]
                let fill = String(format: "#%02x%02x%02x", c.0, c.1, c.2)
                s += #"<rect x="\#(col * 16 + 1)" y="\#(row * 16 + 1)" width="14" height="14" rx="3" fill="\#(fill)"/>"#
            }
        }
        return s + "</svg>\n"
    }

    private static func bigEndian(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }

    private static func chunk(_ type: String, _ data: [UInt8], into png: inout [UInt8]) {
        let body = Array(type.utf8) + data
        png += bigEndian(UInt32(data.count)) + body
        let crc = body.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
        png += bigEndian(UInt32(crc))
    }

    private static func deflate(_ bytes: [UInt8]) -> [UInt8] {
        var length = compressBound(uLong(bytes.count))
        var out = [UInt8](repeating: 0, count: Int(length))
        let rc = out.withUnsafeMutableBufferPointer { o in
            bytes.withUnsafeBufferPointer { i in compress2(o.baseAddress, &length, i.baseAddress, uLong(i.count), 9) }
        }
        precondition(rc == Z_OK, "zlib compress2 failed (\(rc)) on an in-memory buffer")
        return Array(out[0..<Int(length)])
    }
}
