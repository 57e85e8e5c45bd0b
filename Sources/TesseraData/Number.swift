import Foundation

/// Numbers from CSV bytes without making Strings: integers exactly, decimals by Clinger's
/// fast path (exact when the digits fit in 2^53 and the power of ten is at most 22, which
/// covers nearly every CSV value) and by strtod otherwise, so every result is correctly
/// rounded.
enum Number {
    /// A field's parser as a type, so that a loop generic over it is specialized with the
    /// parser inlined.
    protocol FieldParser {
        associatedtype Value
        static var zero: Value { get }
        static func parse(_ p: UnsafePointer<UInt8>, _ n: Int) -> Value?
    }
    enum IntField: FieldParser {
        static var zero: Int64 { 0 }
        @inline(__always) static func parse(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int64? { Number.int(p, n) }
    }
    enum DoubleField: FieldParser {
        static var zero: Double { 0 }
        @inline(__always) static func parse(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double? { Number.double(p, n) }
    }
    enum BoolField: FieldParser {
        static var zero: Bool { false }
        @inline(__always) static func parse(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool? { Number.bool(p, n) }
    }

    static let powers: [Double] = (0...22).map { pow(10, Double($0)) }

    /// The bytes without surrounding ASCII spaces and tabs.
    @inline(__always)
    static func trimmed(_ p: UnsafePointer<UInt8>, _ n: Int) -> (UnsafePointer<UInt8>, Int) {
        var s = 0, e = n
        while s < e && (p[s] == 0x20 || p[s] == 0x09) { s += 1 }
        while e > s && (p[e - 1] == 0x20 || p[e - 1] == 0x09) { e -= 1 }
        return (p + s, e - s)
    }

    @inline(__always)
    static func int(_ p0: UnsafePointer<UInt8>, _ n0: Int) -> Int64? {
        let (p, n) = trimmed(p0, n0)
        guard n > 0 else { return nil }
        var i = 0
        var negative = false
        if p[0] == 0x2D || p[0] == 0x2B { negative = p[0] == 0x2D; i = 1 }
        guard i < n, n - i <= 19 else { return n - i > 19 ? bigInt(p, n) : nil }
        var v: Int64 = 0
        while i < n {
            let d = p[i] &- 0x30
            guard d < 10 else { return nil }
            v = v &* 10 &+ Int64(d)
            i += 1
        }
        guard v >= 0 else { return negative && v == Int64.min ? Int64.min : nil }
        return negative ? -v : v
    }

    /// Integers of 20+ characters (leading zeros) still parse; true overflow does not.
    @inline(never)
    private static func bigInt(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int64? {
        Int64(String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self))
    }

    @inline(__always)
    static func double(_ p0: UnsafePointer<UInt8>, _ n0: Int) -> Double? {
        let (p, n) = trimmed(p0, n0)
        guard n > 0 else { return nil }
        var i = 0
        var negative = false
        if p[0] == 0x2D || p[0] == 0x2B { negative = p[0] == 0x2D; i = 1 }
        // The common form first, digits [. digits] with at most 19 of them, each byte
        // looked at once; anything else (an exponent, more digits) goes the careful way.
        var mantissa: UInt64 = 0
        let integerStart = i
        while i < n, case let d = p[i] &- 0x30, d < 10 { mantissa = mantissa &* 10 &+ UInt64(d); i += 1 }
        var digits = i - integerStart
        var fraction = 0
        if i < n && p[i] == 0x2E {
            i += 1
            let fractionStart = i
            while i < n, case let d = p[i] &- 0x30, d < 10 { mantissa = mantissa &* 10 &+ UInt64(d); i += 1 }
            fraction = i - fractionStart
            digits += fraction
        }
        if i == n && digits > 0 && digits <= 19 {
            if mantissa < (1 << 53) && fraction <= 22 {
                let v = fraction == 0 ? Double(mantissa) : Double(mantissa) / powers[fraction]
                return negative ? -v : v
            }
        } else if digits == 0 && (i == n || p[i] != 0x2E) {
            return special(p, n)
        }
        return careful(p, n)
    }

    /// Any decimal form: leading zeros and digits past the 19th, an exponent; exact by
    /// Clinger's fast path where it applies and by strtod otherwise.
    @inline(never)
    private static func careful(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double? {
        var i = 0
        var negative = false
        if p[0] == 0x2D || p[0] == 0x2B { negative = p[0] == 0x2D; i = 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        var sawDigit = false
        while i < n, p[i] &- 0x30 < 10 {
            if digits < 19 { mantissa = mantissa * 10 + UInt64(p[i] - 0x30); if mantissa > 0 { digits += 1 } } else { exponent += 1 }
            sawDigit = true
            i += 1
        }
        if i < n && p[i] == 0x2E {
            i += 1
            while i < n, p[i] &- 0x30 < 10 {
                if digits < 19 { mantissa = mantissa * 10 + UInt64(p[i] - 0x30); if mantissa > 0 { digits += 1 }; exponent -= 1 }
                sawDigit = true
                i += 1
            }
        }
        guard sawDigit else { return special(p, n) }
        if i < n && (p[i] == 0x65 || p[i] == 0x45) {
            i += 1
            var expNegative = false
            if i < n && (p[i] == 0x2D || p[i] == 0x2B) { expNegative = p[i] == 0x2D; i += 1 }
            var e = 0
            var sawExp = false
            while i < n, p[i] &- 0x30 < 10 { if e < 100_000 { e = e * 10 + Int(p[i] - 0x30) }; sawExp = true; i += 1 }
            guard sawExp else { return nil }
            exponent += expNegative ? -e : e
        }
        guard i == n else { return nil }
        if digits <= 15 && mantissa < (1 << 53) && abs(exponent) <= 22 {
            var v = Double(mantissa)
            v = exponent < 0 ? v / powers[-exponent] : v * powers[exponent]
            return negative ? -v : v
        }
        return slow(p, n)
    }

    /// `inf`, `-inf`, `Infinity` (pandas reads these as floats).
    @inline(never)
    private static func special(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double? {
        let s = String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self).lowercased()
        switch s {
        case "inf", "+inf", "infinity", "+infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        default: return nil
        }
    }

    private static func slow(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double? {
        var buffer = [CChar](repeating: 0, count: n + 1)
        for k in 0..<n { buffer[k] = CChar(bitPattern: p[k]) }
        return buffer.withUnsafeBufferPointer { b -> Double? in
            var end: UnsafeMutablePointer<CChar>?
            let v = strtod(b.baseAddress!, &end)
            return end == UnsafeMutablePointer(mutating: b.baseAddress! + n) ? v : nil
        }
    }

    static func double(_ bytes: [UInt8]) -> Double? {
        bytes.withUnsafeBufferPointer { $0.count == 0 ? nil : double($0.baseAddress!, $0.count) }
    }

    /// `True`/`False` in the spellings pandas reads as booleans.
    @inline(__always)
    static func bool(_ p0: UnsafePointer<UInt8>, _ n0: Int) -> Bool? {
        let (p, n) = trimmed(p0, n0)
        if n == 4 {
            let w = (p[0] | 0x20, p[1] | 0x20, p[2] | 0x20, p[3] | 0x20)
            if w == (0x74, 0x72, 0x75, 0x65) && (p[1] == 0x72 || p[1] == 0x52) && sameCase(p, n) { return true }
        } else if n == 5 {
            let w = (p[0] | 0x20, p[1] | 0x20, p[2] | 0x20, p[3] | 0x20, p[4] | 0x20)
            if w == (0x66, 0x61, 0x6C, 0x73, 0x65) && sameCase(p, n) { return false }
        }
        return nil
    }

    /// `true`, `True` or `TRUE` but not `tRUE`.
    private static func sameCase(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        var lower = 0
        for k in 1..<n where p[k] >= 0x61 { lower += 1 }
        return lower == 0 || lower == n - 1
    }
}
