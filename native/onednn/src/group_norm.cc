#include "group_norm.h"

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "activations.h"

namespace tmu {
namespace {

void check(const GroupNormShape& s) {
  if (s.groups <= 0 || s.channels % s.groups != 0) {
    throw std::invalid_argument("GroupNorm needs channels (" + std::to_string(s.channels) +
                                ") to be a multiple of groups (" + std::to_string(s.groups) +
                                ")");
  }
}

// One (sample, group) block: `positions` rows of `width` channels, `stride` apart, starting at
// channel `first` of the first row.
struct Block {
  int64_t offset, first, width, stride, positions;
  int64_t at(int64_t p, int64_t k) const { return offset + p * stride + k; }
  double count() const { return static_cast<double>(positions * width); }
};

Block block_of(const GroupNormShape& s, int64_t b, int64_t g) {
  int64_t width = s.channels / s.groups;
  return {b * s.positions * s.channels + g * width, g * width, width, s.channels, s.positions};
}

// z·σ(z) and its derivative σ(z)·(1 + z·(1 − σ(z))), through the overflow-free σ.
inline float silu(float z) { return z * sigmoid(z); }
inline float silu_slope(float z) {
  float s = sigmoid(z);
  return s * (1.0f + z * (1.0f - s));
}

}  // namespace

// Statistics in double over two passes (the mean, then the centred squares), as the composite's
// pairwise float sums are accurate to about that: one float accumulator over 64×64×4 values
// loses digits.
TMU_VECTOR_CLONES
void group_norm_silu_forward(const GroupNormShape& s, float epsilon, const float* x,
                             const float* gamma, const float* beta, float* y, float* mean,
                             float* variance) {
  check(s);
  const int64_t blocks = s.batch * s.groups;
#pragma omp parallel for schedule(static)
  for (int64_t bg = 0; bg < blocks; ++bg) {
    const Block q = block_of(s, bg / s.groups, bg % s.groups);
    double sum = 0;
    for (int64_t p = 0; p < q.positions; ++p) {
      for (int64_t k = 0; k < q.width; ++k) sum += x[q.at(p, k)];
    }
    const double mu = sum / q.count();
    double squares = 0;
    for (int64_t p = 0; p < q.positions; ++p) {
      for (int64_t k = 0; k < q.width; ++k) {
        const double d = x[q.at(p, k)] - mu;
        squares += d * d;
      }
    }
    const double var = squares / q.count();
    mean[bg] = static_cast<float>(mu);
    variance[bg] = static_cast<float>(var);
    const float m = static_cast<float>(mu);
    const float r = static_cast<float>(1.0 / std::sqrt(var + epsilon));
    const float* g = gamma + q.first;
    const float* b = beta + q.first;
    for (int64_t p = 0; p < q.positions; ++p) {
      const float* xp = x + q.at(p, 0);
      float* yp = y + q.at(p, 0);
#pragma omp simd
      for (int64_t k = 0; k < q.width; ++k) yp[k] = silu((xp[k] - m) * r * g[k] + b[k]);
    }
  }
}

// With x̂ the normalised input, dz = dy·silu'(z), per block of n values:
//   dβ_c = Σ dz,  dγ_c = Σ dz·x̂,  dx = r·(dz·γ − mean(dz·γ) − x̂·mean(dz·γ·x̂))
// Each block's channel sums go to its own row of `partial`, summed over samples at the end,
// so the threads never share an accumulator.
TMU_VECTOR_CLONES
void group_norm_silu_backward(const GroupNormShape& s, float epsilon, const float* x,
                              const float* gamma, const float* beta, const float* mean,
                              const float* variance, const float* dy, float* dx, float* dgamma,
                              float* dbeta) {
  check(s);
  const int64_t blocks = s.batch * s.groups;
  const int64_t width = s.channels / s.groups;
  // Per block: width sums of dz·x̂, then width of dz.
  std::vector<double> partial(static_cast<size_t>(blocks * 2 * width), 0.0);
#pragma omp parallel for schedule(static)
  for (int64_t bg = 0; bg < blocks; ++bg) {
    const Block q = block_of(s, bg / s.groups, bg % s.groups);
    const float m = mean[bg];
    const float r = static_cast<float>(1.0 / std::sqrt(static_cast<double>(variance[bg]) + epsilon));
    const float* g = gamma + q.first;
    const float* b = beta + q.first;
    double* dgamma_part = partial.data() + bg * 2 * width;
    double* dbeta_part = dgamma_part + width;
    double sum_dxhat = 0, sum_dxhat_xhat = 0;
    for (int64_t p = 0; p < q.positions; ++p) {
      for (int64_t k = 0; k < q.width; ++k) {
        const int64_t i = q.at(p, k);
        const float xhat = (x[i] - m) * r;
        const float dz = dy[i] * silu_slope(xhat * g[k] + b[k]);
        dgamma_part[k] += static_cast<double>(dz) * xhat;
        dbeta_part[k] += dz;
        const double dxhat = static_cast<double>(dz) * g[k];
        sum_dxhat += dxhat;
        sum_dxhat_xhat += dxhat * xhat;
      }
    }
    const float mean_dxhat = static_cast<float>(sum_dxhat / q.count());
    const float mean_dxhat_xhat = static_cast<float>(sum_dxhat_xhat / q.count());
    for (int64_t p = 0; p < q.positions; ++p) {
      const float* xp = x + q.at(p, 0);
      const float* dyp = dy + q.at(p, 0);
      float* dxp = dx + q.at(p, 0);
#pragma omp simd
      for (int64_t k = 0; k < q.width; ++k) {
        const float xhat = (xp[k] - m) * r;
        const float dxhat = dyp[k] * silu_slope(xhat * g[k] + b[k]) * g[k];
        dxp[k] = r * (dxhat - mean_dxhat - xhat * mean_dxhat_xhat);
      }
    }
  }
  for (int64_t c = 0; c < s.channels; ++c) {
    const int64_t g = c / width, k = c % width;
    double dg = 0, db = 0;
    for (int64_t b = 0; b < s.batch; ++b) {
      const double* row = partial.data() + (b * s.groups + g) * 2 * width;
      dg += row[k];
      db += row[width + k];
    }
    dgamma[c] = static_cast<float>(dg);
    dbeta[c] = static_cast<float>(db);
  }
}

}  // namespace tmu
