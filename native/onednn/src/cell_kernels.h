// The pointwise parts of ConvLSTM and ST-LSTM (PredRNN) steps, fused: one pass each way
// instead of a dozen tensor ops and their gradients.
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

// ST-LSTM's two memory updates, from the three gate convolutions' outputs:
//   x_gates [positions, 7·channels]: i, f, g, i', f', g', o   (from X_t)
//   h_gates [positions, 4·channels]: i, f, g, o               (from H_{t−1})
//   m_gates [positions, 3·channels]: i', f', g'               (from M below)
//   c = σ(f_x + f_h + b)·c_prev + σ(i_x + i_h)·tanh(g_x + g_h)
//   m = σ(f'_x + f'_m + b)·m_prev + σ(i'_x + i'_m)·tanh(g'_x + g'_m)
//   o_partial = o_x + o_h   (the output gate before conv_o(C, M) joins it)
// with b the forget bias.
struct StLstmMemories {
  const float* x_gates;
  const float* h_gates;
  const float* m_gates;
  const float* c_prev;
  const float* m_prev;
};

void st_lstm_memories(int64_t positions, int64_t channels, float forget_bias,
                      const StLstmMemories& in, float* c, float* m, float* o_partial);

// Gradients given dc, dm and d_o_partial: each gate's gradient goes to both convolutions
// that feed it, and to c_prev and m_prev.
void st_lstm_memories_grad(int64_t positions, int64_t channels, float forget_bias,
                           const StLstmMemories& in, const float* dc, const float* dm,
                           const float* d_o_partial, float* dx_gates, float* dh_gates,
                           float* dm_gates, float* dc_prev, float* dm_prev);

// An LSTM output, h = σ(a + b)·tanh(l), elementwise over `size` values (ST-LSTM's
// H_t = σ(o_x + o_h + conv_o(C, M))·tanh(conv_1×1(C, M))).
void lstm_output(int64_t size, const float* a, const float* b, const float* l, float* h);

// Gradients given dh: d_pre (for a and b alike) and dl.
void lstm_output_grad(int64_t size, const float* a, const float* b, const float* l,
                      const float* dh, float* d_pre, float* dl);

}  // namespace tmu
