// A vectorisable expf for the fused cell kernels.
#pragma once

#include <cmath>

// glibc declares its vector math (libmvec: expf on 4, 8 and 16 lanes) to the compiler only
// under -ffast-math, whose finite-math assumption is what broke σ and tanh at large inputs.
// Declaring the same SIMD variants here lets `#pragma omp simd` loops call them under IEEE
// semantics. libmvec's expf is within 4 ulp and handles overflow, underflow, ±Inf and NaN
// (it falls back to the scalar expf for those lanes); glibc's libm.so links it as needed.
#if defined(__x86_64__) && defined(__GLIBC__)
extern "C" float expf(float) noexcept __attribute__((__simd__("notinbranch")));
#endif
