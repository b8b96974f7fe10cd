#include "lstm.h"

#include <cmath>

namespace tmu {
namespace {

// Below this many values a parallel region costs more than it saves.
constexpr int64_t kParallelThreshold = 1 << 15;

inline float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }
// tanh through exp alone, so the loop vectorises with one vector exp per value.
inline float tanh_exp(float x) { return 1.0f - 2.0f / (std::exp(2.0f * x) + 1.0f); }

}  // namespace

void conv_lstm_gates(int64_t positions, int64_t channels, const float* gates,
                     const float* c_prev, float* c, float* h) {
  const int64_t C = channels;
#pragma omp parallel for schedule(static) if (positions * C > kParallelThreshold)
  for (int64_t p = 0; p < positions; ++p) {
    const float* g = gates + p * 4 * C;
    const float* cp = c_prev + p * C;
    float* cn = c + p * C;
    float* hn = h + p * C;
#pragma omp simd
    for (int64_t k = 0; k < C; ++k) {
      float i = sigmoid(g[k]);
      float f = sigmoid(g[C + k]);
      float o = sigmoid(g[2 * C + k]);
      float cand = tanh_exp(g[3 * C + k]);
      float cell = f * cp[k] + i * cand;
      cn[k] = cell;
      hn[k] = o * tanh_exp(cell);
    }
  }
}

void conv_lstm_gates_grad(int64_t positions, int64_t channels, const float* gates,
                          const float* c_prev, const float* dc, const float* dh, float* d_gates,
                          float* dc_prev) {
  const int64_t C = channels;
#pragma omp parallel for schedule(static) if (positions * C > kParallelThreshold)
  for (int64_t p = 0; p < positions; ++p) {
    const float* g = gates + p * 4 * C;
    const float* cp = c_prev + p * C;
    const float* dcn = dc + p * C;
    const float* dhn = dh + p * C;
    float* dg = d_gates + p * 4 * C;
    float* dcp = dc_prev + p * C;
#pragma omp simd
    for (int64_t k = 0; k < C; ++k) {
      float i = sigmoid(g[k]);
      float f = sigmoid(g[C + k]);
      float o = sigmoid(g[2 * C + k]);
      float cand = tanh_exp(g[3 * C + k]);
      float cell = f * cp[k] + i * cand;
      float tc = tanh_exp(cell);
      // Through h = o·tanh(c) into c, plus what arrives at c directly.
      float d_cell = dcn[k] + dhn[k] * o * (1.0f - tc * tc);
      dg[k] = d_cell * cand * i * (1.0f - i);
      dg[C + k] = d_cell * cp[k] * f * (1.0f - f);
      dg[2 * C + k] = dhn[k] * tc * o * (1.0f - o);
      dg[3 * C + k] = d_cell * i * (1.0f - cand * cand);
      dcp[k] = d_cell * f;
    }
  }
}

}  // namespace tmu
