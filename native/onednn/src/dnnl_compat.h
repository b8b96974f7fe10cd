// Primitive descriptors under oneDNN 2.x and 3.x. 3.0 removed the operation descriptors
// (`convolution_forward::desc` and kin) that 2.x builds primitive descriptors from, and takes
// the engine first and the arguments directly; Debian 12 ships 2.6, Debian 13, Homebrew and
// conda ship 3.x. The addon calls only these, so everything else compiles against both.
#pragma once

#include <dnnl.hpp>

namespace tmu::compat {

using dnnl::memory;

struct ConvShape {
  memory::desc src, weights, dst;
  memory::dims strides, dilations, pad_left, pad_right;
};

inline dnnl::convolution_forward::primitive_desc conv_forward_pd(const dnnl::engine& engine,
                                                                 const ConvShape& s) {
#if DNNL_VERSION_MAJOR >= 3
  return {engine, dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
          s.src, s.weights, s.dst, s.strides, s.dilations, s.pad_left, s.pad_right};
#else
  return {{dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, s.src,
           s.weights, s.dst, s.strides, s.dilations, s.pad_left, s.pad_right},
          engine};
#endif
}

inline dnnl::convolution_backward_data::primitive_desc conv_backward_data_pd(
    const dnnl::engine& engine, const ConvShape& s,
    const dnnl::convolution_forward::primitive_desc& hint) {
#if DNNL_VERSION_MAJOR >= 3
  return {engine, dnnl::algorithm::convolution_direct, s.src, s.weights, s.dst,
          s.strides, s.dilations, s.pad_left, s.pad_right, hint};
#else
  return {{dnnl::algorithm::convolution_direct, s.src, s.weights, s.dst, s.strides, s.dilations,
           s.pad_left, s.pad_right},
          engine,
          hint};
#endif
}

inline dnnl::convolution_backward_weights::primitive_desc conv_backward_weights_pd(
    const dnnl::engine& engine, const ConvShape& s,
    const dnnl::convolution_forward::primitive_desc& hint) {
#if DNNL_VERSION_MAJOR >= 3
  return {engine, dnnl::algorithm::convolution_direct, s.src, s.weights, s.dst,
          s.strides, s.dilations, s.pad_left, s.pad_right, hint};
#else
  return {{dnnl::algorithm::convolution_direct, s.src, s.weights, s.dst, s.strides, s.dilations,
           s.pad_left, s.pad_right},
          engine,
          hint};
#endif
}

// Layer normalisation over the last axis of `data` (the output has its shape), with scale and
// shift.
inline dnnl::layer_normalization_forward::primitive_desc layer_norm_forward_pd(
    const dnnl::engine& engine, const memory::desc& data, const memory::desc& stats,
    float epsilon, dnnl::normalization_flags flags) {
#if DNNL_VERSION_MAJOR >= 3
  return {engine, dnnl::prop_kind::forward_training, data, data, stats, epsilon, flags};
#else
  return {{dnnl::prop_kind::forward_training, data, stats, epsilon, flags}, engine};
#endif
}

inline dnnl::layer_normalization_backward::primitive_desc layer_norm_backward_pd(
    const dnnl::engine& engine, const memory::desc& data, const memory::desc& stats,
    float epsilon, dnnl::normalization_flags flags,
    const dnnl::layer_normalization_forward::primitive_desc& hint) {
#if DNNL_VERSION_MAJOR >= 3
  return {engine, dnnl::prop_kind::backward, data, data, data, stats, epsilon, flags, hint};
#else
  return {{dnnl::prop_kind::backward, data, data, stats, epsilon, flags}, engine, hint};
#endif
}

}  // namespace tmu::compat
