// A CPU stand-in for the cuBLAS calls of Tessera's CUDA backend (a test fixture; see
// libcuda_emulator.cpp). It follows cuBLAS's documented, column-major semantics, so it
// checks that the backend maps row-major products onto them correctly.
#include <cstdint>

extern "C" {
typedef int cublasStatus_t;
cublasStatus_t cublasCreate_v2(void** handle) { static int h; *handle = &h; return 0; }

// C = alpha * op(A) op(B) + beta * C, column-major: op(A) is m x k, op(B) is k x n, C is
// m x n (ldc); op is the matrix itself (N, 0) or its transpose (T, 1), read through lda/ldb.
static void gemm(int ta, int tb, int m, int n, int k, float alpha, const float* A, int lda, const float* B, int ldb, float beta, float* C, int ldc) {
    for (int j = 0; j < n; j++)
        for (int i = 0; i < m; i++) {
            double s = 0;
            for (int t = 0; t < k; t++)
                s += double(ta ? A[t + i * lda] : A[i + t * lda]) * double(tb ? B[j + t * ldb] : B[t + j * ldb]);
            C[i + j * ldc] = float(alpha * s + (beta == 0 ? 0.0 : double(beta) * C[i + j * ldc]));
        }
}

cublasStatus_t cublasSgemm_v2(void*, int ta, int tb, int m, int n, int k, const float* alpha, const float* A, int lda,
                              const float* B, int ldb, const float* beta, float* C, int ldc) {
    if (ta > 1 || tb > 1) return 15;  // CUBLAS_STATUS_NOT_SUPPORTED: conjugates are not used
    if (lda < (ta ? k : m) || ldb < (tb ? n : k) || ldc < m) return 7;  // CUBLAS_STATUS_INVALID_VALUE
    gemm(ta, tb, m, n, k, *alpha, A, lda, B, ldb, *beta, C, ldc);
    return 0;
}

cublasStatus_t cublasSgemmStridedBatched(void*, int ta, int tb, int m, int n, int k, const float* alpha, const float* A, int lda,
                                         long long sa, const float* B, int ldb, long long sb, const float* beta, float* C, int ldc,
                                         long long sc, int batch) {
    if (ta > 1 || tb > 1) return 15;
    if (lda < (ta ? k : m) || ldb < (tb ? n : k) || ldc < m) return 7;
    for (int p = 0; p < batch; p++) gemm(ta, tb, m, n, k, *alpha, A + p * sa, lda, B + p * sb, ldb, *beta, C + p * sc, ldc);
    return 0;
}
}
