// Shim for oneDNN (libdnnl-dev). ByteLens uses dnnl_sgemm for fp32 matrix products and the matmul
// primitive for bf16 products: both select AVX-512/AVX2/AVX-512-BF16/AMX kernels from the CPU's feature
// bits at run time, with no environment variables (OpenBLAS 0.3.21 mis-detects this CPU; see README
// "Performance").
#ifndef BYTELENS_CDNNL_SHIM_H
#define BYTELENS_CDNNL_SHIM_H
#include <dnnl.h>

// Execution-argument macros Swift cannot import (they alias other macros).
static inline int bl_DNNL_ARG_SRC(void) { return DNNL_ARG_SRC; }
static inline int bl_DNNL_ARG_WEIGHTS(void) { return DNNL_ARG_WEIGHTS; }
static inline int bl_DNNL_ARG_DST(void) { return DNNL_ARG_DST; }
#endif
