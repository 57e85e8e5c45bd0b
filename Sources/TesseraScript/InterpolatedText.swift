/// The text of an interpolated string, `"\(i),\(x)\n"`: its parts as `print` writes them,
/// joined.
///
/// Strings, Ints and Doubles, the parts of nearly every interpolation, are written as bytes
/// into a buffer on the stack and made into a String once; appending each part to a String
/// cost a growth check and a copy each, and an Int went through `description`'s own
/// interpolation first (a third of string_build's time).
enum InterpolatedText {
    /// The bytes the stack buffer holds; longer text is joined the general way.
    static let bufferSize = 256

    /// `parts` written without quotes and joined.
    static func join(_ parts: UnsafeBufferPointer<Value>) -> String {
        if let text = joinShort(parts) { return text }
        var out = ""
        for part in parts { part.write(to: &out, quoted: false, depth: 0) }
        return out
    }

    /// The joined text when every part is a String, an Int or a Double and the text fits the
    /// buffer; nil otherwise.
    private static func joinShort(_ parts: UnsafeBufferPointer<Value>) -> String? {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bufferSize) { buffer -> String? in
            var n = 0
            for part in parts {
                switch part {
                case .string(var s):
                    guard append(&s, to: buffer, at: &n) else { return nil }
                case .int(let i):
                    guard n + 20 <= bufferSize else { return nil }
                    n += writeDecimal(i, to: buffer.baseAddress! + n)
                case .double(let d):
                    var s = Value.format(d)
                    guard append(&s, to: buffer, at: &n) else { return nil }
                default:
                    return nil
                }
            }
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[0..<n]), as: UTF8.self)
        }
    }

    /// Appends the UTF-8 of `s` at `n`; false when it does not fit.
    @inline(__always)
    private static func append(_ s: inout String, to buffer: UnsafeMutableBufferPointer<UInt8>, at n: inout Int) -> Bool {
        s.withUTF8 { bytes in
            guard n + bytes.count <= bufferSize else { return false }
            if let base = bytes.baseAddress { (buffer.baseAddress! + n).initialize(from: base, count: bytes.count) }
            n += bytes.count
            return true
        }
    }

    /// The decimal digits of `i` (with a minus sign when negative) at `out`; returns how
    /// many bytes (at most 20).
    static func writeDecimal(_ i: Int, to out: UnsafeMutablePointer<UInt8>) -> Int {
        // The magnitude as a UInt: Int.min has no positive Int.
        var m = i < 0 ? UInt(bitPattern: 0 &- i) : UInt(i)
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        return withUnsafeMutableBytes(of: &digits) { raw -> Int in
            let d = raw.bindMemory(to: UInt8.self)
            var k = d.count
            repeat {
                k -= 1
                d[k] = UInt8(truncatingIfNeeded: m % 10) &+ 48
                m /= 10
            } while m > 0
            var n = 0
            if i < 0 { out[0] = 45; n = 1 }
            let length = d.count - k
            (out + n).initialize(from: d.baseAddress! + k, count: length)
            return n + length
        }
    }
}
