import CKernels
import Foundation

/// exp for eight floats at once, for the hot loops of the fast backends: Cephes' expf
/// (range reduction by ln 2, a degree-6 polynomial, the power of two built in the
/// exponent bits, no per-lane conversions), within 2 ulp of the correctly rounded value over the float range.
/// sigmoid and tanh build on it; the fused recurrent steps of TesseraNN use them too.
///
/// The constants are literals inside the functions, not static properties: inlined into
/// another module, a static is read through an accessor call, once per eight lanes.
/// `@_optimize(speed)` keeps them fast in debug builds too, where SIMD code unoptimized
/// runs some fifty times slower (the notebooks and tests run on a debug build).
public enum VectorMath {
    @inlinable @inline(__always) @_optimize(speed)
    public static func exp(_ v: SIMD8<Float>) -> SIMD8<Float> {
        let log2e: Float = 1.442_695_04, ln2High: Float = 0.693_359_375, ln2Low: Float = -2.121_944_40e-4
        let magic: Float = 12_582_912  // 1.5 * 2^23
        let magicBits = SIMD8<Int32>(repeating: 0x4B40_0000)  // magic's bit pattern
        // The clamp as masked replacements: the generic pointwiseMin/Max stayed calls.
        let low = SIMD8<Float>(repeating: -87.336_55), high = SIMD8<Float>(repeating: 88.376_26)
        var x = v.replacing(with: low, where: v .< low)
        x.replace(with: high, where: x .> high)
        // n = round(x / ln 2) without a per-lane conversion: adding 1.5 * 2^23 leaves the
        // rounded integer in the low mantissa bits.
        let shifted = x * log2e + magic
        let n = shifted - magic
        x = x - n * ln2High - n * ln2Low
        let z = x * x
        var y = SIMD8<Float>(repeating: 1.987_569_150_0e-4)
        y = y * x + 1.398_199_950_7e-3
        y = y * x + 8.333_451_907_3e-3
        y = y * x + 4.166_579_589_4e-2
        y = y * x + 1.666_666_545_9e-1
        y = y * x + 5.000_000_120_1e-1
        y = y * z + x + 1
        // 2^n through the exponent field.
        let integer = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- magicBits
        let bits = (integer &+ 127) &<< 23
        return y * unsafeBitCast(bits, to: SIMD8<Float>.self)
    }

    @inlinable @inline(__always) @_optimize(speed)
    public static func sigmoid(_ v: SIMD8<Float>) -> SIMD8<Float> { 1 / (1 + exp(-v)) }

    /// tanh x = 1 - 2 / (e^{2x} + 1): exact at both ends (e^{2x} clamps, 2/∞ is 0), and
    /// within about 1e-7 of the correctly rounded value near 0.
    @inlinable @inline(__always) @_optimize(speed)
    public static func tanh(_ v: SIMD8<Float>) -> SIMD8<Float> { 1 - 2 / (exp(v + v) + 1) }

    /// GELU's tanh form: ½x(1 + tanh u) = x·σ(2u), u = c (x + 0.044715 x³).
    @inlinable @inline(__always) @_optimize(speed)
    public static func gelu(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let cube: SIMD8<Float> = x * x * x
        let u: SIMD8<Float> = 0.797_884_56 * (x + 0.044715 * cube)
        return x / (1 + exp(-(u + u)))
    }

    /// g · gelu'(x), gelu' = ½ (1 + t) + ½ x (1 - t²) c (1 + 3·0.044715 x²), t = tanh u.
    @inlinable @inline(__always) @_optimize(speed)
    public static func geluGradient(_ g: SIMD8<Float>, _ x: SIMD8<Float>) -> SIMD8<Float> {
        let geluC: Float = 0.797_884_56
        let x2: SIMD8<Float> = x * x
        let inner: SIMD8<Float> = x + 0.044715 * x2 * x
        let t: SIMD8<Float> = tanh(geluC * inner)
        let left: SIMD8<Float> = 0.5 * (1 + t)
        let slope: SIMD8<Float> = 1 + 0.134_145 * x2
        let right: SIMD8<Float> = (0.5 * geluC) * x * (1 - t * t) * slope
        return g * (left + right)
    }

    /// exp of `count` values in place, by the C kernels (AVX-512, AVX2 or portable).
    public static func exp(_ values: UnsafeMutablePointer<Float>, _ count: Int) {
        tessera_unary(Int32(TESSERA_EXP.rawValue), values, values, count)
    }

    /// GELU of `rows` rows of `src` plus `bias` (one value per column) into `out`, keeping the
    /// pre-activations `z` and the gates `s` for `geluGradient`: the C kernels of CKernels
    /// (AVX-512, AVX2 or portable, chosen at run time).
    public static func biasGELU(_ src: UnsafePointer<Float>, bias: UnsafePointer<Float>, z: UnsafeMutablePointer<Float>, s: UnsafeMutablePointer<Float>,
                                out: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
        tessera_bias_gelu(src, bias, z, s, out, rows, columns)
    }

    /// g · gelu'(z) from what `biasGELU` kept.
    public static func geluGradient(_ g: UnsafePointer<Float>, z: UnsafePointer<Float>, s: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, count: Int) {
        tessera_gelu_gradient(g, z, s, out, count)
    }

    /// The vector kernels in use: 512 (AVX-512), 256 (AVX2) or 0 (portable C), the widest this
    /// CPU runs unless a test chose narrower ones (`useKernelWidth`).
    public static var kernelWidth: Int { Int(tessera_kernel_width()) }

    /// Uses the kernels of `width` when this CPU runs them (for tests); returns the width in use.
    @discardableResult
    public static func useKernelWidth(_ width: Int) -> Int { Int(tessera_use_kernel_width(Int32(width))) }

    /// `f` over every element of `src` into `dst` (same count), eight at a time.
    @inline(__always)
    static func map(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ count: Int, _ f: (SIMD8<Float>) -> SIMD8<Float>) {
        var i = 0
        while i + 8 <= count {
            let v = UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(dst + i).storeBytes(of: f(v), as: SIMD8<Float>.self)
            i += 8
        }
        if i < count {
            var tail = SIMD8<Float>(repeating: 0)
            for k in 0..<(count - i) { tail[k] = src[i + k] }
            let e = f(tail)
            for k in 0..<(count - i) { dst[i + k] = e[k] }
        }
    }

    /// `f` over pairs of elements of `a` and `b` into `dst` (same count), eight at a time.
    @inline(__always)
    static func map2(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ count: Int,
                     _ f: (SIMD8<Float>, SIMD8<Float>) -> SIMD8<Float>) {
        var i = 0
        while i + 8 <= count {
            let u = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self), v = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(dst + i).storeBytes(of: f(u, v), as: SIMD8<Float>.self)
            i += 8
        }
        if i < count {
            var u = SIMD8<Float>(repeating: 0), v = SIMD8<Float>(repeating: 0)
            for k in 0..<(count - i) { u[k] = a[i + k]; v[k] = b[i + k] }
            let e = f(u, v)
            for k in 0..<(count - i) { dst[i + k] = e[k] }
        }
    }

    /// Up to eight floats from `p` (`count` of them; the other lanes 0).
    @inlinable @inline(__always) @_optimize(speed)
    public static func load(_ p: UnsafePointer<Float>, _ count: Int) -> SIMD8<Float> {
        if count >= 8 { return UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self) }
        var v = SIMD8<Float>(repeating: 0)
        for k in 0..<count { v[k] = p[k] }
        return v
    }

    /// The first `count` lanes of `v` (at most eight) to `p`.
    @inlinable @inline(__always) @_optimize(speed)
    public static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ count: Int) {
        if count >= 8 { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self); return }
        for k in 0..<count { p[k] = v[k] }
    }

    /// exp of every element of `src` into `dst` (same count), eight at a time.
    @inline(__always)
    static func exp(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ count: Int) {
        var i = 0
        while i + 8 <= count {
            let v = UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(dst + i).storeBytes(of: exp(v), as: SIMD8<Float>.self)
            i += 8
        }
        if i < count {
            var tail = SIMD8<Float>(repeating: 0)
            for k in 0..<(count - i) { tail[k] = src[i + k] }
            let e = exp(tail)
            for k in 0..<(count - i) { dst[i + k] = e[k] }
        }
    }

    /// Softmax (or log-softmax) of one row, eight lanes at a time: the row's maximum, then
    /// exp of the shifted values with their sum in the same pass, then one scaling pass.
    static func softmaxRow(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int, log: Bool) {
        let whole = n & ~7
        var vmax = SIMD8<Float>(repeating: -.infinity)
        var i = 0
        while i < whole { vmax = pointwiseMax(vmax, UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self)); i += 8 }
        var peak = vmax.max()
        for k in whole..<n { peak = Swift.max(peak, src[k]) }
        let vpeak = SIMD8<Float>(repeating: peak)
        var vsum = SIMD8<Float>(repeating: 0)
        i = 0
        while i < whole {
            let e = exp(UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self) - vpeak)
            if !log { UnsafeMutableRawPointer(dst + i).storeBytes(of: e, as: SIMD8<Float>.self) }
            vsum += e
            i += 8
        }
        var total = vsum.sum()
        if whole < n {
            var tail = SIMD8<Float>(repeating: -.infinity)
            for k in whole..<n { tail[k - whole] = src[k] }
            let e = exp(tail - vpeak)
            for k in whole..<n { if !log { dst[k] = e[k - whole] }; total += e[k - whole] }
        }
        if log {
            let shift = SIMD8<Float>(repeating: peak + Foundation.log(total))
            i = 0
            while i < whole {
                UnsafeMutableRawPointer(dst + i).storeBytes(of: UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self) - shift, as: SIMD8<Float>.self)
                i += 8
            }
            for k in whole..<n { dst[k] = src[k] - shift[0] }
        } else {
            let inv = SIMD8<Float>(repeating: 1 / total)
            i = 0
            while i < whole {
                UnsafeMutableRawPointer(dst + i).storeBytes(of: UnsafeRawPointer(dst + i).loadUnaligned(as: SIMD8<Float>.self) * inv, as: SIMD8<Float>.self)
                i += 8
            }
            for k in whole..<n { dst[k] *= inv[0] }
        }
    }
}
