#include "CKernels.h"
#include <math.h>

// exp by Cephes' expf: n = round(x / ln 2), r = x - n ln 2 (in two parts), a degree-6
// polynomial in r, times 2^n. The same constants as TesseraTensor's VectorMath.exp.
#define EXP_LOW -87.33655f
#define EXP_HIGH 88.37626f
#define LOG2E 1.44269504f
#define LN2_HIGH 0.693359375f
#define LN2_LOW -2.12194440e-4f
#define P0 1.9875691500e-4f
#define P1 1.3981999507e-3f
#define P2 8.3334519073e-3f
#define P3 4.1665795894e-2f
#define P4 1.6666665459e-1f
#define P5 5.0000001201e-1f
#define GELU_2C 1.59576912f

static inline float exp_scalar(float x) {
    x = x < EXP_LOW ? EXP_LOW : (x > EXP_HIGH ? EXP_HIGH : x);
    float n = nearbyintf(x * LOG2E);
    float r = x - n * LN2_HIGH - n * LN2_LOW;
    float y = ((((P0 * r + P1) * r + P2) * r + P3) * r + P4) * r + P5;
    y = y * r * r + r + 1.0f;
    return ldexpf(y, (int)n);
}

static inline float unary_scalar(int op, float x) {
    switch (op) {
    case TESSERA_EXP: return exp_scalar(x);
    case TESSERA_SIGMOID: return 1.0f / (1.0f + exp_scalar(-x));
    case TESSERA_TANH: return 1.0f - 2.0f / (exp_scalar(x + x) + 1.0f);
    default: {
        float u = GELU_2C * (x + 0.044715f * x * x * x);
        return x / (1.0f + exp_scalar(-u));
    }
    }
}

static void unary_portable(int op, const float *src, float *dst, long n) {
    for (long i = 0; i < n; i++) dst[i] = unary_scalar(op, src[i]);
}

static void bias_gelu_portable(const float *src, const float *bias, float *z, float *s, float *out, long rows, long cols) {
    for (long r = 0; r < rows; r++) {
        for (long j = 0; j < cols; j++) {
            long i = r * cols + j;
            float v = src[i] + bias[j];
            float g = 1.0f / (1.0f + exp_scalar(-GELU_2C * (v + 0.044715f * v * v * v)));
            z[i] = v; s[i] = g; out[i] = v * g;
        }
    }
}

static void gelu_gradient_portable(const float *g, const float *z, const float *s, float *out, long n) {
    for (long i = 0; i < n; i++) {
        float v = z[i], t = s[i];
        out[i] = g[i] * (t + GELU_2C * v * t * (1.0f - t) * (1.0f + 0.134145f * v * v));
    }
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

// ---- AVX-512: 16 lanes, masked loads and stores for the tails.

__attribute__((target("avx512f"))) static inline __m512 exp512(__m512 x) {
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(EXP_LOW)), _mm512_set1_ps(EXP_HIGH));
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(LOG2E)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(LN2_HIGH), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(LN2_LOW), r);
    __m512 y = _mm512_set1_ps(P0);
    y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(P1));
    y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(P2));
    y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(P3));
    y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(P4));
    y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(P5));
    y = _mm512_fmadd_ps(y, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    return _mm512_scalef_ps(y, n);
}

__attribute__((target("avx512f"))) static inline __m512 unary512(int op, __m512 x) {
    __m512 one = _mm512_set1_ps(1.0f);
    switch (op) {
    case TESSERA_EXP: return exp512(x);
    case TESSERA_SIGMOID: return _mm512_div_ps(one, _mm512_add_ps(one, exp512(_mm512_sub_ps(_mm512_setzero_ps(), x))));
    case TESSERA_TANH: return _mm512_sub_ps(one, _mm512_div_ps(_mm512_set1_ps(2.0f), _mm512_add_ps(exp512(_mm512_add_ps(x, x)), one)));
    default: {
        __m512 cube = _mm512_mul_ps(_mm512_mul_ps(x, x), x);
        __m512 u = _mm512_mul_ps(_mm512_set1_ps(-GELU_2C), _mm512_fmadd_ps(cube, _mm512_set1_ps(0.044715f), x));
        return _mm512_div_ps(x, _mm512_add_ps(one, exp512(u)));
    }
    }
}

__attribute__((target("avx512f"))) static void unary_avx512(int op, const float *src, float *dst, long n) {
    long i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(dst + i, unary512(op, _mm512_loadu_ps(src + i)));
    if (i < n) {
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
        _mm512_mask_storeu_ps(dst + i, m, unary512(op, _mm512_maskz_loadu_ps(m, src + i)));
    }
}

__attribute__((target("avx512f"))) static void bias_gelu_avx512(const float *src, const float *bias, float *z, float *s, float *out, long rows, long cols) {
    __m512 one = _mm512_set1_ps(1.0f);
    for (long r = 0; r < rows; r++) {
        for (long j = 0; j < cols; j += 16) {
            long left = cols - j;
            __mmask16 m = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
            long i = r * cols + j;
            __m512 v = _mm512_add_ps(_mm512_maskz_loadu_ps(m, src + i), _mm512_maskz_loadu_ps(m, bias + j));
            __m512 cube = _mm512_mul_ps(_mm512_mul_ps(v, v), v);
            __m512 u = _mm512_mul_ps(_mm512_set1_ps(-GELU_2C), _mm512_fmadd_ps(cube, _mm512_set1_ps(0.044715f), v));
            __m512 g = _mm512_div_ps(one, _mm512_add_ps(one, exp512(u)));
            _mm512_mask_storeu_ps(z + i, m, v);
            _mm512_mask_storeu_ps(s + i, m, g);
            _mm512_mask_storeu_ps(out + i, m, _mm512_mul_ps(v, g));
        }
    }
}

__attribute__((target("avx512f"))) static void gelu_gradient_avx512(const float *g, const float *z, const float *s, float *out, long n) {
    __m512 one = _mm512_set1_ps(1.0f);
    for (long i = 0; i < n; i += 16) {
        long left = n - i;
        __mmask16 m = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
        __m512 v = _mm512_maskz_loadu_ps(m, z + i), t = _mm512_maskz_loadu_ps(m, s + i);
        __m512 slope = _mm512_fmadd_ps(_mm512_mul_ps(v, v), _mm512_set1_ps(0.134145f), one);
        __m512 d = _mm512_mul_ps(_mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(GELU_2C), v), _mm512_mul_ps(t, _mm512_sub_ps(one, t))), slope);
        _mm512_mask_storeu_ps(out + i, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, g + i), _mm512_add_ps(t, d)));
    }
}

// ---- AVX2 with FMA: 8 lanes, the tails in portable C.

__attribute__((target("avx2,fma"))) static inline __m256 exp256(__m256 x) {
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(EXP_LOW)), _mm256_set1_ps(EXP_HIGH));
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(LOG2E)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(LN2_HIGH), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(LN2_LOW), r);
    __m256 y = _mm256_set1_ps(P0);
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(P1));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(P2));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(P3));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(P4));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(P5));
    y = _mm256_fmadd_ps(y, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(y, _mm256_castsi256_ps(bits));
}

__attribute__((target("avx2,fma"))) static inline __m256 unary256(int op, __m256 x) {
    __m256 one = _mm256_set1_ps(1.0f);
    switch (op) {
    case TESSERA_EXP: return exp256(x);
    case TESSERA_SIGMOID: return _mm256_div_ps(one, _mm256_add_ps(one, exp256(_mm256_sub_ps(_mm256_setzero_ps(), x))));
    case TESSERA_TANH: return _mm256_sub_ps(one, _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(exp256(_mm256_add_ps(x, x)), one)));
    default: {
        __m256 cube = _mm256_mul_ps(_mm256_mul_ps(x, x), x);
        __m256 u = _mm256_mul_ps(_mm256_set1_ps(-GELU_2C), _mm256_fmadd_ps(cube, _mm256_set1_ps(0.044715f), x));
        return _mm256_div_ps(x, _mm256_add_ps(one, exp256(u)));
    }
    }
}

__attribute__((target("avx2,fma"))) static void unary_avx2(int op, const float *src, float *dst, long n) {
    long i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, unary256(op, _mm256_loadu_ps(src + i)));
    unary_portable(op, src + i, dst + i, n - i);
}

__attribute__((target("avx2,fma"))) static void bias_gelu_avx2(const float *src, const float *bias, float *z, float *s, float *out, long rows, long cols) {
    __m256 one = _mm256_set1_ps(1.0f);
    for (long r = 0; r < rows; r++) {
        long j = 0;
        for (; j + 8 <= cols; j += 8) {
            long i = r * cols + j;
            __m256 v = _mm256_add_ps(_mm256_loadu_ps(src + i), _mm256_loadu_ps(bias + j));
            __m256 cube = _mm256_mul_ps(_mm256_mul_ps(v, v), v);
            __m256 u = _mm256_mul_ps(_mm256_set1_ps(-GELU_2C), _mm256_fmadd_ps(cube, _mm256_set1_ps(0.044715f), v));
            __m256 g = _mm256_div_ps(one, _mm256_add_ps(one, exp256(u)));
            _mm256_storeu_ps(z + i, v);
            _mm256_storeu_ps(s + i, g);
            _mm256_storeu_ps(out + i, _mm256_mul_ps(v, g));
        }
        if (j < cols) bias_gelu_portable(src + r * cols + j, bias + j, z + r * cols + j, s + r * cols + j, out + r * cols + j, 1, cols - j);
    }
}

__attribute__((target("avx2,fma"))) static void gelu_gradient_avx2(const float *g, const float *z, const float *s, float *out, long n) {
    __m256 one = _mm256_set1_ps(1.0f);
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(z + i), t = _mm256_loadu_ps(s + i);
        __m256 slope = _mm256_fmadd_ps(_mm256_mul_ps(v, v), _mm256_set1_ps(0.134145f), one);
        __m256 d = _mm256_mul_ps(_mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(GELU_2C), v), _mm256_mul_ps(t, _mm256_sub_ps(one, t))), slope);
        _mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_loadu_ps(g + i), _mm256_add_ps(t, d)));
    }
    gelu_gradient_portable(g + i, z + i, s + i, out + i, n - i);
}

static int width_chosen = -1;

int tessera_kernel_width(void) {
    // Threads may race to the first choice; they all choose the same.
    int width = __atomic_load_n(&width_chosen, __ATOMIC_RELAXED);
    if (width < 0) {
        __builtin_cpu_init();
        width = __builtin_cpu_supports("avx512f") ? 512 : (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 256 : 0);
        __atomic_store_n(&width_chosen, width, __ATOMIC_RELAXED);
    }
    return width;
}

int tessera_use_kernel_width(int width) {
    __builtin_cpu_init();
    int supported = (width == 512 && __builtin_cpu_supports("avx512f")) || (width == 256 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) || width == 0;
    if (supported) __atomic_store_n(&width_chosen, width, __ATOMIC_RELAXED);
    return tessera_kernel_width();
}

void tessera_unary(int op, const float *src, float *dst, long n) {
    switch (tessera_kernel_width()) {
    case 512: unary_avx512(op, src, dst, n); break;
    case 256: unary_avx2(op, src, dst, n); break;
    default: unary_portable(op, src, dst, n);
    }
}

void tessera_bias_gelu(const float *src, const float *bias, float *z, float *s, float *out, long rows, long cols) {
    switch (tessera_kernel_width()) {
    case 512: bias_gelu_avx512(src, bias, z, s, out, rows, cols); break;
    case 256: bias_gelu_avx2(src, bias, z, s, out, rows, cols); break;
    default: bias_gelu_portable(src, bias, z, s, out, rows, cols);
    }
}

void tessera_gelu_gradient(const float *g, const float *z, const float *s, float *out, long n) {
    switch (tessera_kernel_width()) {
    case 512: gelu_gradient_avx512(g, z, s, out, n); break;
    case 256: gelu_gradient_avx2(g, z, s, out, n); break;
    default: gelu_gradient_portable(g, z, s, out, n);
    }
}

#else

int tessera_kernel_width(void) { return 0; }
int tessera_use_kernel_width(int width) { (void)width; return 0; }
void tessera_unary(int op, const float *src, float *dst, long n) { unary_portable(op, src, dst, n); }
void tessera_bias_gelu(const float *src, const float *bias, float *z, float *s, float *out, long rows, long cols) {
    bias_gelu_portable(src, bias, z, s, out, rows, cols);
}
void tessera_gelu_gradient(const float *g, const float *z, const float *s, float *out, long n) { gelu_gradient_portable(g, z, s, out, n); }

#endif
