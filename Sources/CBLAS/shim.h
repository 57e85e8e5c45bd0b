#include <cblas.h>

/* OpenBLAS also carries LAPACK; Debian ships no lapack.h beside it, so the few routines
   the Gaussian process needs (Cholesky factor, inverse from the factor) are declared here
   with LAPACK's Fortran calling convention. */
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
void dpotri_(const char *uplo, const int *n, double *a, const int *lda, int *info);
