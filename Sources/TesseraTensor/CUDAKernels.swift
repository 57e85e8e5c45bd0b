/// The CUDA backend's own kernels, as CUDA C++ source that NVRTC compiles once per
/// process (and caches on disk). Operation codes are generated from the Swift enums, so
/// the two cannot drift apart; every kernel mirrors a loop of `ReferenceBackend`.
enum CUDAKernels {
    /// Most dimensions a broadcast kernel handles; higher ranks run on the host.
    static let maxRank = 8

    /// The names cuModuleGetFunction looks up.
    static let names = ["binary_same", "binary_broadcast", "unary_map", "reduce_rows", "reduce_strided",
                        "softmax_rows", "softmax_strided", "argmax_strided", "permute_axes", "im2col", "col2im", "pool2d", "pool2d_gradient"]

    static var source: String {
        let binary = BinaryOp.allCases.enumerated().map { "#define B_\($0.element.rawValue.uppercased()) \($0.offset)" }
        let unary = UnaryOp.allCases.enumerated().map { "#define U_\($0.element.rawValue.uppercased()) \($0.offset)" }
        let reduce = ReduceOp.allCases.enumerated().map { "#define R_\($0.element.rawValue.uppercased()) \($0.offset)" }
        return (binary + unary + reduce + ["#define MAX_RANK \(maxRank)"]).joined(separator: "\n") + "\n" + body
    }

    /// Grid-stride loops throughout, so any grid size covers any count.
    static let body = #"""
    typedef long long i64;
    // NVRTC compiles without the C library's headers, so no math.h and its INFINITY.
    #ifndef INFINITY
    #define INFINITY __int_as_float(0x7f800000)
    #endif
    // Dynamic shared memory; the test emulator (Tests/cuda-emulator) defines its own.
    #ifndef TESSERA_SHARED
    #define TESSERA_SHARED(type, name) extern __shared__ type name[]
    #endif

    // The geometry of a broadcast: the result's shape and each operand's strides (0 along
    // broadcast dimensions), as Broadcast.strides gives them.
    struct Geometry { i64 rank; i64 shape[MAX_RANK]; i64 sa[MAX_RANK]; i64 sb[MAX_RANK]; };

    __device__ __forceinline__ float apply_binary(int op, float x, float y) {
        switch (op) {
        case B_ADD: return x + y;
        case B_SUBTRACT: return x - y;
        case B_MULTIPLY: return x * y;
        case B_DIVIDE: return x / y;
        case B_MAXIMUM: return fmaxf(x, y);
        case B_MINIMUM: return fminf(x, y);
        case B_POWER: return (float)pow((double)x, (double)y);
        case B_EQUAL: return x == y ? 1.0f : 0.0f;
        case B_LESS: return x < y ? 1.0f : 0.0f;
        case B_GREATER: return x > y ? 1.0f : 0.0f;
        case B_LESSOREQUAL: return x <= y ? 1.0f : 0.0f;
        case B_GREATEROREQUAL: return x >= y ? 1.0f : 0.0f;
        case B_RELUGRADIENT: return y > 0.0f ? x : 0.0f;
        case B_GELUGRADIENT: {
            float t = tanhf(0.7978845608f * (y + 0.044715f * y * y * y));
            return x * (0.5f * (1.0f + t) + 0.5f * y * (1.0f - t * t) * 0.7978845608f * (1.0f + 0.134145f * y * y));
        }
        }
        return 0.0f;
    }

    __device__ __forceinline__ float apply_unary(int op, float x) {
        switch (op) {
        case U_NEGATE: return -x;
        case U_EXP: return expf(x);
        case U_LOG: return logf(x);
        case U_SQRT: return sqrtf(x);
        case U_ABS: return fabsf(x);
        case U_TANH: return tanhf(x);
        case U_SIGMOID: return 1.0f / (1.0f + expf(-x));
        case U_RELU: return x > 0.0f ? x : 0.0f;
        case U_GELU: return 0.5f * x * (1.0f + tanhf(0.7978845608f * (x + 0.044715f * x * x * x)));
        case U_SIN: return sinf(x);
        case U_COS: return cosf(x);
        case U_TAN: return tanf(x);
        case U_FLOOR: return floorf(x);
        case U_CEIL: return ceilf(x);
        case U_ROUND: return roundf(x);
        }
        return 0.0f;
    }

    extern "C" __global__ void binary_same(int op, i64 n, const float* a, const float* b, float* out) {
        for (i64 i = blockIdx.x * (i64)blockDim.x + threadIdx.x; i < n; i += (i64)gridDim.x * blockDim.x)
            out[i] = apply_binary(op, a[i], b[i]);
    }

    extern "C" __global__ void binary_broadcast(int op, i64 n, Geometry g, const float* a, const float* b, float* out) {
        for (i64 i = blockIdx.x * (i64)blockDim.x + threadIdx.x; i < n; i += (i64)gridDim.x * blockDim.x) {
            i64 rest = i, oa = 0, ob = 0;
            for (int d = (int)g.rank - 1; d >= 0; d--) {
                i64 x = rest % g.shape[d];
                rest /= g.shape[d];
                oa += x * g.sa[d];
                ob += x * g.sb[d];
            }
            out[i] = apply_binary(op, a[oa], b[ob]);
        }
    }

    extern "C" __global__ void unary_map(int op, i64 n, const float* a, float* out) {
        for (i64 i = blockIdx.x * (i64)blockDim.x + threadIdx.x; i < n; i += (i64)gridDim.x * blockDim.x)
            out[i] = apply_unary(op, a[i]);
    }

    // Block-wide sums and maxima in shared memory (blockDim.x is a power of two, <= 1024).
    __device__ double block_sum(double v, double* shared) {
        shared[threadIdx.x] = v;
        __syncthreads();
        for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
            if (threadIdx.x < s) shared[threadIdx.x] += shared[threadIdx.x + s];
            __syncthreads();
        }
        double total = shared[0];
        __syncthreads();
        return total;
    }

    __device__ float block_extreme(float v, bool largest, float* shared) {
        shared[threadIdx.x] = v;
        __syncthreads();
        for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
            if (threadIdx.x < s) {
                float o = shared[threadIdx.x + s];
                shared[threadIdx.x] = largest ? fmaxf(shared[threadIdx.x], o) : fminf(shared[threadIdx.x], o);
            }
            __syncthreads();
        }
        float r = shared[0];
        __syncthreads();
        return r;
    }

    // One block per row of `size` contiguous values (a reduction along the last axis, or
    // over everything as one row). Sums accumulate in double, as the reference does.
    extern "C" __global__ void __launch_bounds__(1024) reduce_rows(int op, i64 rows, i64 size, const float* a, float* out) {
        TESSERA_SHARED(double, shared);
        for (i64 r = blockIdx.x; r < rows; r += gridDim.x) {
            const float* row = a + r * size;
            if (op == R_MAX || op == R_MIN) {
                bool largest = op == R_MAX;
                float v = largest ? -INFINITY : INFINITY;
                for (i64 j = threadIdx.x; j < size; j += blockDim.x) v = largest ? fmaxf(v, row[j]) : fminf(v, row[j]);
                float e = block_extreme(v, largest, (float*)shared);
                if (threadIdx.x == 0) out[r] = e;
                continue;
            }
            double s = 0.0;
            for (i64 j = threadIdx.x; j < size; j += blockDim.x) s += (double)row[j];
            double total = block_sum(s, shared);
            if (op == R_SUM) { if (threadIdx.x == 0) out[r] = (float)total; continue; }
            double mean = total / (double)size;
            if (op == R_MEAN) { if (threadIdx.x == 0) out[r] = (float)mean; continue; }
            double q = 0.0;
            for (i64 j = threadIdx.x; j < size; j += blockDim.x) { double d = (double)row[j] - mean; q += d * d; }
            double squares = block_sum(q, shared);
            if (threadIdx.x == 0) out[r] = (float)(squares / (double)size);
        }
    }

    // One thread per output of a reduction along a middle axis: [outer, size, inner] ->
    // [outer, inner]; neighbouring threads read neighbouring values.
    extern "C" __global__ void reduce_strided(int op, i64 outer, i64 size, i64 inner, const float* a, float* out) {
        for (i64 t = blockIdx.x * (i64)blockDim.x + threadIdx.x; t < outer * inner; t += (i64)gridDim.x * blockDim.x) {
            i64 o = t / inner, i = t % inner;
            const float* base = a + o * size * inner + i;
            if (op == R_MAX || op == R_MIN) {
                float v = base[0];
                for (i64 j = 1; j < size; j++) v = op == R_MAX ? fmaxf(v, base[j * inner]) : fminf(v, base[j * inner]);
                out[t] = v;
                continue;
            }
            double s = 0.0;
            for (i64 j = 0; j < size; j++) s += (double)base[j * inner];
            if (op == R_SUM) { out[t] = (float)s; continue; }
            double mean = s / (double)size;
            if (op == R_MEAN) { out[t] = (float)mean; continue; }
            double q = 0.0;
            for (i64 j = 0; j < size; j++) { double d = (double)base[j * inner] - mean; q += d * d; }
            out[t] = (float)(q / (double)size);
        }
    }

    // Softmax (or log-softmax) of each contiguous row: one block per row.
    extern "C" __global__ void __launch_bounds__(1024) softmax_rows(int log_softmax, i64 rows, i64 size, const float* a, float* out) {
        TESSERA_SHARED(double, shared);
        for (i64 r = blockIdx.x; r < rows; r += gridDim.x) {
            const float* row = a + r * size;
            float* dst = out + r * size;
            float v = -INFINITY;
            for (i64 j = threadIdx.x; j < size; j += blockDim.x) v = fmaxf(v, row[j]);
            float peak = block_extreme(v, true, (float*)shared);
            double s = 0.0;
            for (i64 j = threadIdx.x; j < size; j += blockDim.x) s += (double)expf(row[j] - peak);
            double total = block_sum(s, shared);
            float logTotal = (float)log(total), inverse = (float)(1.0 / total);
            for (i64 j = threadIdx.x; j < size; j += blockDim.x)
                dst[j] = log_softmax ? (row[j] - peak) - logTotal : expf(row[j] - peak) * inverse;
        }
    }

    // Softmax along a middle axis: one thread per [outer, inner] position.
    extern "C" __global__ void softmax_strided(int log_softmax, i64 outer, i64 size, i64 inner, const float* a, float* out) {
        for (i64 t = blockIdx.x * (i64)blockDim.x + threadIdx.x; t < outer * inner; t += (i64)gridDim.x * blockDim.x) {
            i64 o = t / inner, i = t % inner;
            const float* base = a + o * size * inner + i;
            float* dst = out + o * size * inner + i;
            float peak = -INFINITY;
            for (i64 j = 0; j < size; j++) peak = fmaxf(peak, base[j * inner]);
            double s = 0.0;
            for (i64 j = 0; j < size; j++) s += (double)expf(base[j * inner] - peak);
            float logTotal = (float)log(s), inverse = (float)(1.0 / s);
            for (i64 j = 0; j < size; j++)
                dst[j * inner] = log_softmax ? (base[j * inner] - peak) - logTotal : expf(base[j * inner] - peak) * inverse;
        }
    }

    // The first index of the largest value along a middle axis, one thread per output; a
    // NaN wins, as in the reference.
    extern "C" __global__ void argmax_strided(i64 outer, i64 size, i64 inner, const float* a, int* out) {
        for (i64 t = blockIdx.x * (i64)blockDim.x + threadIdx.x; t < outer * inner; t += (i64)gridDim.x * blockDim.x) {
            i64 o = t / inner, i = t % inner;
            const float* base = a + o * size * inner + i;
            i64 best = 0;
            float top = base[0];
            if (top == top) {
                for (i64 j = 1; j < size; j++) {
                    float v = base[j * inner];
                    if (v != v) { best = j; break; }
                    if (v > top) { top = v; best = j; }
                }
            }
            out[t] = (int)best;
        }
    }

    // Axes reordered: one thread per output element; g.shape is the output's shape and
    // g.sa the input's stride along each output axis.
    extern "C" __global__ void permute_axes(i64 n, Geometry g, const float* a, float* out) {
        for (i64 i = blockIdx.x * (i64)blockDim.x + threadIdx.x; i < n; i += (i64)gridDim.x * blockDim.x) {
            i64 rest = i, source = 0;
            for (int d = (int)g.rank - 1; d >= 0; d--) {
                source += (rest % g.shape[d]) * g.sa[d];
                rest /= g.shape[d];
            }
            out[i] = a[source];
        }
    }

    // [n, c, h, w] -> [c * kh * kw, n * oh * ow], one thread per patch element (neighbouring
    // threads: neighbouring positions, so reads and writes coalesce); zero where the window
    // hangs over the padding.
    extern "C" __global__ void im2col(i64 n, i64 c, i64 h, i64 w, i64 oh, i64 ow, i64 kh, i64 kw, i64 stride, i64 pad,
                                      const float* x, float* out) {
        i64 positions = n * oh * ow, total = positions * c * kh * kw;
        for (i64 t = blockIdx.x * (i64)blockDim.x + threadIdx.x; t < total; t += (i64)gridDim.x * blockDim.x) {
            i64 col = t / positions, row = t % positions;
            i64 b = row / (oh * ow), oy = (row / ow) % oh, ox = row % ow;
            i64 ch = col / (kh * kw), ky = (col / kw) % kh, kx = col % kw;
            i64 y = oy * stride - pad + ky, xx = ox * stride - pad + kx;
            out[t] = (y >= 0 && y < h && xx >= 0 && xx < w) ? x[((b * c + ch) * h + y) * w + xx] : 0.0f;
        }
    }

    // The adjoint: each pixel gathers the patch elements that read it (no atomics, so
    // the sum's order is fixed and the result repeatable).
    extern "C" __global__ void col2im(i64 n, i64 c, i64 h, i64 w, i64 oh, i64 ow, i64 kh, i64 kw, i64 stride, i64 pad,
                                      const float* cols, float* out) {
        i64 positions = n * oh * ow, total = n * c * h * w;
        for (i64 t = blockIdx.x * (i64)blockDim.x + threadIdx.x; t < total; t += (i64)gridDim.x * blockDim.x) {
            i64 xx = t % w, y = (t / w) % h, ch = (t / (w * h)) % c, b = t / (w * h * c);
            float s = 0.0f;
            for (i64 ky = 0; ky < kh; ky++) {
                i64 sy = y + pad - ky;
                if (sy < 0 || sy % stride != 0) continue;
                i64 oy = sy / stride;
                if (oy >= oh) continue;
                for (i64 kx = 0; kx < kw; kx++) {
                    i64 sx = xx + pad - kx;
                    if (sx < 0 || sx % stride != 0) continue;
                    i64 ox = sx / stride;
                    if (ox >= ow) continue;
                    s += cols[((ch * kh + ky) * kw + kx) * positions + (b * oh + oy) * ow + ox];
                }
            }
            out[t] = s;
        }
    }

    // 2-D max or average pooling, one thread per output; padding never wins a max and is
    // not counted in an average.
    extern "C" __global__ void pool2d(int average, i64 planes, i64 h, i64 w, i64 oh, i64 ow, i64 kh, i64 kw, i64 stride, i64 pad,
                                      const float* x, float* out) {
        i64 total = planes * oh * ow;
        for (i64 t = blockIdx.x * (i64)blockDim.x + threadIdx.x; t < total; t += (i64)gridDim.x * blockDim.x) {
            i64 ox = t % ow, oy = (t / ow) % oh, p = t / (ow * oh);
            float best = -INFINITY, s = 0.0f;
            int cells = 0;
            for (i64 ky = 0; ky < kh; ky++) for (i64 kx = 0; kx < kw; kx++) {
                i64 y = oy * stride - pad + ky, xx = ox * stride - pad + kx;
                if (y < 0 || y >= h || xx < 0 || xx >= w) continue;
                float v = x[(p * h + y) * w + xx];
                best = fmaxf(best, v); s += v; cells++;
            }
            out[t] = average ? s / (float)(cells > 0 ? cells : 1) : best;
        }
    }

    // Pooling's gradient, one thread per input pixel: it gathers from every window that
    // covers it (no atomics). A max window gives its gradient to its first largest pixel,
    // as the reference does, so each pixel checks whether it is that pixel.
    extern "C" __global__ void pool2d_gradient(int average, i64 planes, i64 h, i64 w, i64 oh, i64 ow, i64 kh, i64 kw, i64 stride, i64 pad,
                                               const float* x, const float* g, float* out) {
        i64 total = planes * h * w;
        for (i64 t = blockIdx.x * (i64)blockDim.x + threadIdx.x; t < total; t += (i64)gridDim.x * blockDim.x) {
            i64 xx = t % w, y = (t / w) % h, p = t / (w * h);
            float s = 0.0f;
            for (i64 ky = 0; ky < kh; ky++) {
                i64 sy = y + pad - ky;
                if (sy < 0 || sy % stride != 0 || sy / stride >= oh) continue;
                i64 oy = sy / stride;
                for (i64 kx = 0; kx < kw; kx++) {
                    i64 sx = xx + pad - kx;
                    if (sx < 0 || sx % stride != 0 || sx / stride >= ow) continue;
                    i64 ox = sx / stride;
                    float d = g[(p * oh + oy) * ow + ox];
                    float best = -INFINITY;
                    i64 at = -1;
                    int cells = 0;
                    for (i64 vy = 0; vy < kh; vy++) for (i64 vx = 0; vx < kw; vx++) {
                        i64 yy = oy * stride - pad + vy, xw = ox * stride - pad + vx;
                        if (yy < 0 || yy >= h || xw < 0 || xw >= w) continue;
                        i64 i = (p * h + yy) * w + xw;
                        if (at < 0 || x[i] > best) { best = x[i]; at = i; }
                        cells++;
                    }
                    if (average) s += d / (float)(cells > 0 ? cells : 1);
                    else if (at == t) s += d;
                }
            }
            out[t] = s;
        }
    }
    """#
}
