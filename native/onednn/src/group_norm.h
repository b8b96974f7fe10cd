// GroupNorm(groups, C) followed by SiLU, SimVP's and TAU's ConvSC tail, on NHWC activations
// [batch, positions, C]: each sample's channel groups are normalised over their positions
// and channels, scaled and shifted per channel, then y = z·σ(z):
//   z = (x − mean) / √(variance + ε) · gamma + beta   (variance biased, per sample and group)
#pragma once

#include <cstdint>

namespace tmu {

struct GroupNormShape {
  int64_t batch, positions, channels, groups;
};

// Also writes each sample's and group's mean and variance [batch, groups], which the backward
// pass reuses.
void group_norm_silu_forward(const GroupNormShape& s, float epsilon, const float* x,
                             const float* gamma, const float* beta, float* y, float* mean,
                             float* variance);

void group_norm_silu_backward(const GroupNormShape& s, float epsilon, const float* x,
                              const float* gamma, const float* beta, const float* mean,
                              const float* variance, const float* dy, float* dx, float* dgamma,
                              float* dbeta);

}  // namespace tmu
