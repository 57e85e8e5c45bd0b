// Element-wise kernels of the CPU backend in C, compiled for AVX-512, for AVX2 with FMA and
// for any CPU, the widest the CPU supports chosen at run time: the package itself builds for
// the baseline instruction set (it must stay usable as a dependency, without -march flags), so
// the Swift loops run 4 lanes at a time where these run 16 or 8.
#ifndef TESSERA_CKERNELS_H
#define TESSERA_CKERNELS_H

/// What tessera_unary computes per element.
enum TesseraUnary { TESSERA_EXP = 0, TESSERA_SIGMOID = 1, TESSERA_TANH = 2, TESSERA_GELU = 3 };

/// dst[i] = op(src[i]) for i < n (dst may be src).
void tessera_unary(int op, const float *src, float *dst, long n);

/// For each of `rows` rows of `cols`: z = src + bias, s = sigmoid(2c(z + 0.044715 z^3)),
/// out = z * s (GELU, tanh form); z and s are kept for tessera_gelu_gradient.
void tessera_bias_gelu(const float *src, const float *bias, float *z, float *s, float *out, long rows, long cols);

/// out[i] = g[i] * gelu'(z[i]) from the kept z and s: s + 2c z s (1 - s) (1 + 3 * 0.044715 z^2).
void tessera_gelu_gradient(const float *g, const float *z, const float *s, float *out, long n);

/// The widest kernel set this CPU runs: 512, 256 or 0 (portable C).
int tessera_kernel_width(void);

/// Makes the kernels use `width` (512, 256 or 0) when this CPU runs it, so that tests can
/// check every set on one machine; returns the width now in use.
int tessera_use_kernel_width(int width);

#endif
