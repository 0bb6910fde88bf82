#ifndef CCMARK_SHIM_H
#define CCMARK_SHIM_H
// GitHub's fork of the reference CommonMark implementation: the core parser plus the
// table, tasklist, strikethrough and autolink extensions the lessons use.
#include <cmark-gfm.h>
#include <cmark-gfm-core-extensions.h>
#endif
