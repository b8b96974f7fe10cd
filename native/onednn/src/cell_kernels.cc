#include "cell_kernels.h"

#include <cmath>

#include "activations.h"

namespace tmu {
namespace {

// Below this many values a parallel region costs more than it saves.
constexpr int64_t kParallelThreshold = 1 << 15;

}  // namespace


namespace {

// One ConvLSTM value's activations from its gates (channel k of a position's [i, f, o, g]).
// The backward pass recomputes them rather than reading stored copies.
struct ConvLstmUnit {
  float i, f, o, cand, cell;
};

inline ConvLstmUnit conv_lstm_unit(const float* g, int64_t C, int64_t k, float c_prev) {
  ConvLstmUnit u;
  u.i = sigmoid(g[k]);
  u.f = sigmoid(g[C + k]);
  u.o = sigmoid(g[2 * C + k]);
  u.cand = tanh_exp(g[3 * C + k]);
  u.cell = u.f * c_prev + u.i * u.cand;
  return u;
}

// One ST-LSTM value's gate activations, from the three convolutions' outputs at channel k.
struct StLstmUnit {
  float i, f, g, i2, f2, g2;
};

inline StLstmUnit st_lstm_unit(const float* x, const float* h, const float* m, int64_t C,
                               int64_t k, float forget_bias) {
  StLstmUnit u;
  u.i = sigmoid(x[k] + h[k]);
  u.f = sigmoid(x[C + k] + h[C + k] + forget_bias);
  u.g = tanh_exp(x[2 * C + k] + h[2 * C + k]);
  u.i2 = sigmoid(x[3 * C + k] + m[k]);
  u.f2 = sigmoid(x[4 * C + k] + m[C + k] + forget_bias);
  u.g2 = tanh_exp(x[5 * C + k] + m[2 * C + k]);
  return u;
}

}  // namespace

TMU_VECTOR_CLONES
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
      ConvLstmUnit u = conv_lstm_unit(g, C, k, cp[k]);
      cn[k] = u.cell;
      hn[k] = u.o * tanh_exp(u.cell);
    }
  }
}

TMU_VECTOR_CLONES
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
      ConvLstmUnit u = conv_lstm_unit(g, C, k, cp[k]);
      float tc = tanh_exp(u.cell);
      // Through h = o·tanh(c) into c, plus what arrives at c directly.
      float d_cell = dcn[k] + dhn[k] * u.o * (1.0f - tc * tc);
      dg[k] = d_cell * u.cand * u.i * (1.0f - u.i);
      dg[C + k] = d_cell * cp[k] * u.f * (1.0f - u.f);
      dg[2 * C + k] = dhn[k] * tc * u.o * (1.0f - u.o);
      dg[3 * C + k] = d_cell * u.i * (1.0f - u.cand * u.cand);
      dcp[k] = d_cell * u.f;
    }
  }
}

TMU_VECTOR_CLONES
void st_lstm_memories(int64_t positions, int64_t channels, float forget_bias,
                      const StLstmMemories& in, float* c, float* m, float* o_partial) {
  const int64_t C = channels;
#pragma omp parallel for schedule(static) if (positions * C > kParallelThreshold)
  for (int64_t p = 0; p < positions; ++p) {
    const float* x = in.x_gates + p * 7 * C;
    const float* h = in.h_gates + p * 4 * C;
    const float* mg = in.m_gates + p * 3 * C;
    const float* cp = in.c_prev + p * C;
    const float* mp = in.m_prev + p * C;
#pragma omp simd
    for (int64_t k = 0; k < C; ++k) {
      StLstmUnit u = st_lstm_unit(x, h, mg, C, k, forget_bias);
      c[p * C + k] = u.f * cp[k] + u.i * u.g;
      m[p * C + k] = u.f2 * mp[k] + u.i2 * u.g2;
      o_partial[p * C + k] = x[6 * C + k] + h[3 * C + k];
    }
  }
}

TMU_VECTOR_CLONES
void st_lstm_memories_grad(int64_t positions, int64_t channels, float forget_bias,
                           const StLstmMemories& in, const float* dc, const float* dm,
                           const float* d_o_partial, float* dx_gates, float* dh_gates,
                           float* dm_gates, float* dc_prev, float* dm_prev) {
  const int64_t C = channels;
#pragma omp parallel for schedule(static) if (positions * C > kParallelThreshold)
  for (int64_t p = 0; p < positions; ++p) {
    const float* x = in.x_gates + p * 7 * C;
    const float* h = in.h_gates + p * 4 * C;
    const float* mg = in.m_gates + p * 3 * C;
    const float* cp = in.c_prev + p * C;
    const float* mp = in.m_prev + p * C;
    float* dx = dx_gates + p * 7 * C;
    float* dh = dh_gates + p * 4 * C;
    float* dmg = dm_gates + p * 3 * C;
#pragma omp simd
    for (int64_t k = 0; k < C; ++k) {
      StLstmUnit u = st_lstm_unit(x, h, mg, C, k, forget_bias);
      float d_c = dc[p * C + k];
      float d_m = dm[p * C + k];
      float di = d_c * u.g * u.i * (1.0f - u.i);
      float df = d_c * cp[k] * u.f * (1.0f - u.f);
      float dg = d_c * u.i * (1.0f - u.g * u.g);
      float di2 = d_m * u.g2 * u.i2 * (1.0f - u.i2);
      float df2 = d_m * mp[k] * u.f2 * (1.0f - u.f2);
      float dg2 = d_m * u.i2 * (1.0f - u.g2 * u.g2);
      float d_o = d_o_partial[p * C + k];
      dx[k] = di;
      dx[C + k] = df;
      dx[2 * C + k] = dg;
      dx[3 * C + k] = di2;
      dx[4 * C + k] = df2;
      dx[5 * C + k] = dg2;
      dx[6 * C + k] = d_o;
      dh[k] = di;
      dh[C + k] = df;
      dh[2 * C + k] = dg;
      dh[3 * C + k] = d_o;
      dmg[k] = di2;
      dmg[C + k] = df2;
      dmg[2 * C + k] = dg2;
      dc_prev[p * C + k] = d_c * u.f;
      dm_prev[p * C + k] = d_m * u.f2;
    }
  }
}

TMU_VECTOR_CLONES
void lstm_output(int64_t size, const float* a, const float* b, const float* l, float* h) {
#pragma omp parallel for simd schedule(static) if (size > kParallelThreshold)
  for (int64_t k = 0; k < size; ++k) h[k] = sigmoid(a[k] + b[k]) * tanh_exp(l[k]);
}

TMU_VECTOR_CLONES
void lstm_output_grad(int64_t size, const float* a, const float* b, const float* l,
                      const float* dh, float* d_pre, float* dl) {
#pragma omp parallel for simd schedule(static) if (size > kParallelThreshold)
  for (int64_t k = 0; k < size; ++k) {
    float o = sigmoid(a[k] + b[k]);
    float t = tanh_exp(l[k]);
    d_pre[k] = dh[k] * t * o * (1.0f - o);
    dl[k] = dh[k] * o * (1.0f - t * t);
  }
}

}  // namespace tmu
