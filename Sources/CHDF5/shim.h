// Shim for libhdf5 (+ high-level library for dimension scales).
// HDF5's type and property-list "constants" (H5T_NATIVE_FLOAT, H5P_DEFAULT, H5F_ACC_TRUNC, ...) are
// macros over globals that are only valid after H5open(); Swift cannot import them, so they are
// exposed here as static inline getters that call H5open() first.
#ifndef BYTELENS_CHDF5_SHIM_H
#define BYTELENS_CHDF5_SHIM_H
#include <hdf5.h>
#include <hdf5_hl.h>

static inline hid_t bl_H5P_DEFAULT(void) { return H5P_DEFAULT; }
static inline hid_t bl_H5S_ALL(void) { return H5S_ALL; }
static inline hsize_t bl_H5S_UNLIMITED(void) { return H5S_UNLIMITED; }
static inline size_t bl_H5T_VARIABLE(void) { return H5T_VARIABLE; }
static inline unsigned bl_H5F_ACC_TRUNC(void) { return H5F_ACC_TRUNC; }
static inline unsigned bl_H5F_ACC_EXCL(void) { return H5F_ACC_EXCL; }
static inline unsigned bl_H5F_ACC_RDONLY(void) { return H5F_ACC_RDONLY; }
static inline unsigned bl_H5F_ACC_RDWR(void) { return H5F_ACC_RDWR; }
static inline hid_t bl_H5P_FILE_CREATE(void) { H5open(); return H5P_FILE_CREATE; }
static inline hid_t bl_H5P_FILE_ACCESS(void) { H5open(); return H5P_FILE_ACCESS; }
static inline hid_t bl_H5P_DATASET_CREATE(void) { H5open(); return H5P_DATASET_CREATE; }
static inline hid_t bl_H5P_GROUP_CREATE(void) { H5open(); return H5P_GROUP_CREATE; }
static inline hid_t bl_H5P_LINK_CREATE(void) { H5open(); return H5P_LINK_CREATE; }
static inline hid_t bl_H5P_OBJECT_CREATE(void) { H5open(); return H5P_OBJECT_CREATE; }
static inline hid_t bl_H5T_NATIVE_FLOAT(void) { H5open(); return H5T_NATIVE_FLOAT; }
static inline hid_t bl_H5T_NATIVE_DOUBLE(void) { H5open(); return H5T_NATIVE_DOUBLE; }
static inline hid_t bl_H5T_NATIVE_INT8(void) { H5open(); return H5T_NATIVE_INT8; }
static inline hid_t bl_H5T_NATIVE_UINT8(void) { H5open(); return H5T_NATIVE_UINT8; }
static inline hid_t bl_H5T_NATIVE_INT16(void) { H5open(); return H5T_NATIVE_INT16; }
static inline hid_t bl_H5T_NATIVE_UINT16(void) { H5open(); return H5T_NATIVE_UINT16; }
static inline hid_t bl_H5T_NATIVE_INT32(void) { H5open(); return H5T_NATIVE_INT32; }
static inline hid_t bl_H5T_NATIVE_UINT32(void) { H5open(); return H5T_NATIVE_UINT32; }
static inline hid_t bl_H5T_NATIVE_INT64(void) { H5open(); return H5T_NATIVE_INT64; }
static inline hid_t bl_H5T_NATIVE_UINT64(void) { H5open(); return H5T_NATIVE_UINT64; }
static inline hid_t bl_H5T_C_S1(void) { H5open(); return H5T_C_S1; }
static inline hid_t bl_H5T_STD_I8LE(void) { H5open(); return H5T_STD_I8LE; }
static inline hid_t bl_H5T_STD_I16LE(void) { H5open(); return H5T_STD_I16LE; }
static inline hid_t bl_H5T_STD_I32LE(void) { H5open(); return H5T_STD_I32LE; }
static inline hid_t bl_H5T_STD_I64LE(void) { H5open(); return H5T_STD_I64LE; }
static inline hid_t bl_H5T_STD_U8LE(void) { H5open(); return H5T_STD_U8LE; }
static inline hid_t bl_H5T_STD_U16LE(void) { H5open(); return H5T_STD_U16LE; }
static inline hid_t bl_H5T_STD_U32LE(void) { H5open(); return H5T_STD_U32LE; }
static inline hid_t bl_H5T_STD_U64LE(void) { H5open(); return H5T_STD_U64LE; }
static inline hid_t bl_H5T_IEEE_F32LE(void) { H5open(); return H5T_IEEE_F32LE; }
static inline hid_t bl_H5T_IEEE_F64LE(void) { H5open(); return H5T_IEEE_F64LE; }
static inline hid_t bl_H5E_DEFAULT(void) { return H5E_DEFAULT; }
static inline hid_t bl_H5FD_SEC2(void) { H5open(); return H5FD_SEC2; }
static inline haddr_t bl_HADDR_UNDEF(void) { return HADDR_UNDEF; }

/// Turns off HDF5's automatic printing of error stacks to stderr for the calling thread.
/// In thread-safe builds (Debian's is one) the default error stack, and with it the automatic
/// printing setting, is per thread, so a one-time global call is not enough: every Swift entry
/// point calls this, and the thread-local flag keeps it to one real call per thread.
static inline void bl_silence_error_printing(void) {
    static _Thread_local int silenced = 0;
    if (!silenced) {
        H5open();
        H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
        silenced = 1;
    }
}
#endif
