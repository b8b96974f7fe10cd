// 2-D convolutions (forward, input gradient, filter gradient) on caller-owned float
// buffers in TensorFlow.js layouts: activations NHWC, filters [kh, kw, in, out], or
// [kh, kw, in, multiplier] for a depthwise convolution (groups = in).
#pragma once

#include <cstdint>
#include <string>

namespace tmu {

// One convolution's shape; every field comes from tfjs's computeConv2DInfo.
struct ConvGeometry {
  int64_t batch, in_height, in_width, in_channels;
  int64_t out_height, out_width, out_channels;
  int64_t filter_height, filter_width;
  int64_t stride_height, stride_width;
  int64_t dilation_height, dilation_width;
  int64_t pad_top, pad_left, pad_bottom, pad_right;
  // 1 for an ordinary convolution; in_channels for a depthwise one, whose tfjs filter
  // [kh, kw, in, multiplier] gives every input channel its own `multiplier` outputs.
  int64_t groups = 1;
};

// Names weights whose values are unknown to the caller; they are converted on every call.
constexpr int64_t kNoToken = -1;

// y = conv(x, w). `w_token` names w's values: the caller promises that a token, once used,
// always comes with the same values, so a repeated token skips converting w to oneDNN's
// layout (tfjs never changes a tensor's data, so one token per tensor keeps that promise).
void conv_forward(const ConvGeometry& g, const float* x, const float* w, int64_t w_token,
                  float* y);
// dx = the gradient of conv(x, w) with respect to x, given dy.
void conv_backward_input(const ConvGeometry& g, const float* dy, const float* w,
                         int64_t w_token, float* dx);
// dw = the gradient with respect to w, given x and dy.
void conv_backward_filter(const ConvGeometry& g, const float* x, const float* dy, float* dw);

// The oneDNN implementation each direction picked, e.g. "brg:avx512_core", for reports.
std::string conv_implementations(const ConvGeometry& g);

}  // namespace tmu
