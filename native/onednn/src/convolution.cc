#include "convolution.h"

#include <array>
#include <map>
#include <optional>
#include <utility>

#include <dnnl.hpp>

#include "dnnl_compat.h"
#include "engine.h"

namespace tmu {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
constexpr auto f32 = memory::data_type::f32;

// Weights as a primitive wants them (a blocked layout of its choosing) beside tfjs's
// [kh, kw, in, out]: a buffer for the converted copy and the reorder that fills it, when
// the two differ. `token` names the weights the copy holds (see conv_forward).
struct WeightsLayout {
  memory::desc user;
  memory::desc chosen;
  std::optional<memory> converted;
  std::optional<dnnl::reorder> to_chosen;
  std::optional<dnnl::reorder> to_user;
  int64_t token = kNoToken;

  WeightsLayout(const memory::desc& user_md, const memory::desc& chosen_md)
      : user(user_md), chosen(chosen_md) {
    if (chosen == user) return;
    converted.emplace(chosen, cpu_engine());
    memory user_memory(user, cpu_engine(), nullptr);
    to_chosen.emplace(user_memory, *converted);
    to_user.emplace(*converted, user_memory);
  }
};

memory::dims activation_dims(int64_t n, int64_t c, int64_t h, int64_t w) { return {n, c, h, w}; }

// oneDNN's weight dimensions: [out, in, kh, kw], or grouped [groups, out/groups, in/groups,
// kh, kw].
memory::dims weight_dims(const ConvGeometry& g) {
  if (g.groups == 1) return {g.out_channels, g.in_channels, g.filter_height, g.filter_width};
  return {g.groups, g.out_channels / g.groups, g.in_channels / g.groups, g.filter_height,
          g.filter_width};
}

// tfjs's [kh, kw, in, out] is oneDNN's hwio. Its depthwise [kh, kw, in, multiplier] is the
// grouped hwigo: with one input channel per group, i and g have the same stride.
tag user_weights_tag(const ConvGeometry& g) { return g.groups == 1 ? tag::hwio : tag::hwigo; }

// tfjs's geometry as oneDNN's: NHWC activations, weights as tfjs holds them and, for the
// primitives, in a layout of oneDNN's choosing (`any`).
struct Descriptors {
  memory::desc weights_user;
  compat::ConvShape shape;

  explicit Descriptors(const ConvGeometry& g)
      : weights_user(weight_dims(g), f32, user_weights_tag(g)),
        shape{memory::desc(activation_dims(g.batch, g.in_channels, g.in_height, g.in_width), f32,
                           tag::nhwc),
              memory::desc(weight_dims(g), f32, tag::any),
              memory::desc(activation_dims(g.batch, g.out_channels, g.out_height, g.out_width),
                           f32, tag::nhwc),
              {g.stride_height, g.stride_width},
              // oneDNN counts dilation from 0 (no gaps), tfjs from 1.
              {g.dilation_height - 1, g.dilation_width - 1},
              {g.pad_top, g.pad_left},
              {g.pad_bottom, g.pad_right}} {}
};

// All primitives of one geometry. Building one costs far more than running a small one, and
// a recurrent network repeats a handful of geometries thousands of times per iteration.
class Plan {
 public:
  explicit Plan(const ConvGeometry& g)
      : d_(g),
        forward_pd_(compat::conv_forward_pd(cpu_engine(), d_.shape)),
        forward_(forward_pd_),
        forward_weights_(d_.weights_user, forward_pd_.weights_desc()) {}

  void forward(const float* x, const float* w, int64_t w_token, float* y) {
    auto& engine = cpu_engine();
    memory src(d_.shape.src, engine, const_cast<float*>(x));
    memory dst(d_.shape.dst, engine, y);
    memory weights = weights_for(forward_weights_, w, w_token);
    forward_.execute(cpu_stream(), {{DNNL_ARG_SRC, src},
                                    {DNNL_ARG_WEIGHTS, weights},
                                    {DNNL_ARG_DST, dst}});
    cpu_stream().wait();
  }

  void backward_input(const float* dy, const float* w, int64_t w_token, float* dx) {
    ensure_input_gradient();
    auto& engine = cpu_engine();
    memory diff_dst(d_.shape.dst, engine, const_cast<float*>(dy));
    memory diff_src(d_.shape.src, engine, dx);
    memory weights = weights_for(*input_weights_, w, w_token);
    input_grad_->execute(cpu_stream(), {{DNNL_ARG_DIFF_DST, diff_dst},
                                        {DNNL_ARG_WEIGHTS, weights},
                                        {DNNL_ARG_DIFF_SRC, diff_src}});
    cpu_stream().wait();
  }

  void ensure_input_gradient() {
    if (!input_pd_) {
      input_pd_.emplace(compat::conv_backward_data_pd(cpu_engine(), d_.shape, forward_pd_));
      input_grad_.emplace(*input_pd_);
      input_weights_.emplace(d_.weights_user, input_pd_->weights_desc());
    }
  }

  void backward_filter(const float* x, const float* dy, float* dw) {
    ensure_filter_gradient();
    auto& engine = cpu_engine();
    memory src(d_.shape.src, engine, const_cast<float*>(x));
    memory diff_dst(d_.shape.dst, engine, const_cast<float*>(dy));
    memory user_dw(d_.weights_user, engine, dw);
    memory diff_weights = filter_weights_->converted ? *filter_weights_->converted : user_dw;
    filter_grad_->execute(cpu_stream(), {{DNNL_ARG_SRC, src},
                                         {DNNL_ARG_DIFF_DST, diff_dst},
                                         {DNNL_ARG_DIFF_WEIGHTS, diff_weights}});
    if (filter_weights_->converted) {
      filter_weights_->to_user->execute(cpu_stream(), diff_weights, user_dw);
    }
    cpu_stream().wait();
  }

  void ensure_filter_gradient() {
    if (!filter_pd_) {
      filter_pd_.emplace(compat::conv_backward_weights_pd(cpu_engine(), d_.shape, forward_pd_));
      filter_grad_.emplace(*filter_pd_);
      filter_weights_.emplace(d_.weights_user, filter_pd_->diff_weights_desc());
    }
  }

  std::string implementations() {
    ensure_input_gradient();
    ensure_filter_gradient();
    return std::string("forward ") + forward_pd_.impl_info_str() + ", input gradient " +
           input_pd_->impl_info_str() + ", filter gradient " + filter_pd_->impl_info_str();
  }

 private:
  // Converts tfjs's weights into the layout the primitive chose; none when they agree.
  // A forward pass runs every step with the same weights, so the copy is kept while the
  // caller's token says the weights are those it was made from.
  memory weights_for(WeightsLayout& layout, const float* w, int64_t token) {
    memory user(layout.user, cpu_engine(), const_cast<float*>(w));
    if (!layout.converted) return user;
    if (token != kNoToken && token == layout.token) return *layout.converted;
    layout.to_chosen->execute(cpu_stream(), user, *layout.converted);
    layout.token = token;
    return *layout.converted;
  }

  Descriptors d_;
  dnnl::convolution_forward::primitive_desc forward_pd_;
  dnnl::convolution_forward forward_;
  WeightsLayout forward_weights_;

  std::optional<dnnl::convolution_backward_data::primitive_desc> input_pd_;
  std::optional<dnnl::convolution_backward_data> input_grad_;
  std::optional<WeightsLayout> input_weights_;

  std::optional<dnnl::convolution_backward_weights::primitive_desc> filter_pd_;
  std::optional<dnnl::convolution_backward_weights> filter_grad_;
  std::optional<WeightsLayout> filter_weights_;
};

using GeometryKey = std::array<int64_t, 18>;

GeometryKey key_of(const ConvGeometry& g) {
  return {g.batch,         g.in_height,       g.in_width,       g.in_channels,
          g.out_height,    g.out_width,       g.out_channels,   g.filter_height,
          g.filter_width,  g.stride_height,   g.stride_width,   g.dilation_height,
          g.dilation_width, g.pad_top,        g.pad_left,       g.pad_bottom,
          g.pad_right,    g.groups};
}

Plan& plan_for(const ConvGeometry& g) {
  static std::map<GeometryKey, Plan> plans;
  auto key = key_of(g);
  auto found = plans.find(key);
  if (found == plans.end()) found = plans.try_emplace(key, g).first;
  return found->second;
}

}  // namespace

void conv_forward(const ConvGeometry& g, const float* x, const float* w, int64_t w_token,
                  float* y) {
  plan_for(g).forward(x, w, w_token, y);
}

void conv_backward_input(const ConvGeometry& g, const float* dy, const float* w,
                         int64_t w_token, float* dx) {
  plan_for(g).backward_input(dy, w, w_token, dx);
}

void conv_backward_filter(const ConvGeometry& g, const float* x, const float* dy, float* dw) {
  plan_for(g).backward_filter(x, dy, dw);
}

std::string conv_implementations(const ConvGeometry& g) {
  return plan_for(g).implementations();
}

}  // namespace tmu
