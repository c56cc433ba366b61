// Shim for Cairo's vector surfaces (SVG, PDF) and its toy text API; fonts are found through fontconfig.
#ifndef BYTELENS_CCAIRO_SHIM_H
#define BYTELENS_CCAIRO_SHIM_H
#include <cairo.h>
#include <cairo-svg.h>
#include <cairo-pdf.h>
#include <fontconfig/fontconfig.h>
#endif
