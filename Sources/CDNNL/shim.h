// Shim for oneDNN (libdnnl-dev). ByteLens uses dnnl_sgemm for fp32 matrix products: it selects
// AVX-512/AVX2 kernels from the CPU's feature bits at run time, with no environment variables
// (OpenBLAS 0.3.21 mis-detects this CPU; see README "Performance").
#ifndef BYTELENS_CDNNL_SHIM_H
#define BYTELENS_CDNNL_SHIM_H
#include <dnnl.h>
#endif
