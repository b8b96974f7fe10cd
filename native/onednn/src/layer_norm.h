// Layer normalisation over each row of `width` values (a sample's [h, w, C] in the cells),
// with an elementwise gain and shift of `width` values, as PyTorch's LayerNorm([C, h, w]):
//   y = (x − mean) / √(variance + ε) · gamma + beta   (variance biased, per row)
#pragma once

#include <cstdint>

namespace tmu {

// Also writes each row's mean and variance, which the backward pass reuses.
void layer_norm_forward(int64_t rows, int64_t width, float epsilon, const float* x,
                        const float* gamma, const float* beta, float* y, float* mean,
                        float* variance);

// beta does not enter the gradient, but oneDNN 2.6 refuses to run without it.
void layer_norm_backward(int64_t rows, int64_t width, float epsilon, const float* x,
                         const float* gamma, const float* beta, const float* mean,
                         const float* variance, const float* dy, float* dx, float* dgamma,
                         float* dbeta);

}  // namespace tmu
