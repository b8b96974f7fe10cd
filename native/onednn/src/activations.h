// The activations the fused kernels share (cell_kernels.cc, group_norm.cc), and how those
// kernels are compiled.
#pragma once

#include <cmath>

#include "math-simd.h"

// Each kernel is compiled for AVX-512, AVX2 and plain x86-64 and picks one at load time, so
// the addon runs on any x86-64 yet uses the widest vector exp the CPU has (glibc's libmvec:
// 16 lanes on AVX-512 against 4 on the baseline: ConvLSTM gates on 16k values 180 -> 65 us).
#if defined(__x86_64__)
#define TMU_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define TMU_VECTOR_CLONES
#endif

namespace tmu {

// σ and tanh through exp(−|x|) alone, which lies in [0, 1] for every input: no overflow, no
// reliance on infinities, and one vector exp per value (glibc's libmvec, see math-simd.h).
// ±Inf saturate to the flat ends and NaN passes through, as in tfjs's cpu backend. The addon
// is built without -ffast-math so the compiler keeps IEEE semantics (NaN compares, no
// flush-to-zero); an exp that overflowed under finite-math turned σ and tanh into NaN once
// |x| passed about 44.5, which the TMU's growing carried memory reaches in a few steps.
inline float sigmoid(float x) {
  float t = expf(-std::fabs(x));
  float s = 1.0f / (1.0f + t);
  return x >= 0.0f ? s : t * s;
}

inline float tanh_exp(float x) {
  float a = std::fabs(x);
  float t = expf(-2.0f * a);
  float r = (1.0f - t) / (1.0f + t);
  // Below 1/16, 1 − e^{−2a} cancels to a few digits; the series a − a³/3 + 2a⁵/15 − 17a⁷/315
  // is exact there to float precision (the next term is 6e-12 relative).
  float a2 = a * a;
  float series = a * (1.0f + a2 * (-1.0f / 3.0f + a2 * (2.0f / 15.0f - a2 * (17.0f / 315.0f))));
  return std::copysign(a < 0.0625f ? series : r, x);
}

}  // namespace tmu
