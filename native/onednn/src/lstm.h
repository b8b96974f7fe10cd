// The pointwise part of a ConvLSTM step, fused: one pass instead of a dozen tensor ops.
#pragma once

#include <cstdint>

namespace tmu {

// gates: [positions, 4·channels] pre-activations in the order i, f, o, g;
// c_prev, c, h: [positions, channels].
//   c = σ(f)·c_prev + σ(i)·tanh(g),  h = σ(o)·tanh(c)
void conv_lstm_gates(int64_t positions, int64_t channels, const float* gates,
                     const float* c_prev, float* c, float* h);

// Gradients of the above given dc (into c) and dh (into h): d_gates and dc_prev. The
// activations are recomputed from gates and c_prev rather than stored.
void conv_lstm_gates_grad(int64_t positions, int64_t channels, const float* gates,
                          const float* c_prev, const float* dc, const float* dh, float* d_gates,
                          float* dc_prev);

}  // namespace tmu
