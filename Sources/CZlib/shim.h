#ifndef PALISADE_CZLIB_SHIM_H
#define PALISADE_CZLIB_SHIM_H
#include <zlib.h>
#endif
