// Shim for libpng's simplified API (png_image). The classic setjmp-based error API cannot be used
// from Swift; the simplified API reports failures through png_image.message instead.
#ifndef BYTELENS_CPNG_SHIM_H
#define BYTELENS_CPNG_SHIM_H
#include <png.h>
static inline png_uint_32 bl_PNG_IMAGE_VERSION(void) { return PNG_IMAGE_VERSION; }
static inline png_uint_32 bl_PNG_FORMAT_RGBA(void) { return PNG_FORMAT_RGBA; }
static inline png_uint_32 bl_PNG_FORMAT_RGB(void) { return PNG_FORMAT_RGB; }
static inline png_uint_32 bl_PNG_FORMAT_GRAY(void) { return PNG_FORMAT_GRAY; }
static inline size_t bl_PNG_IMAGE_SIZE(png_image *image) { return PNG_IMAGE_SIZE(*image); }
static inline int bl_PNG_IMAGE_FAILED(png_image *image) { return PNG_IMAGE_FAILED(*image); }
#endif
