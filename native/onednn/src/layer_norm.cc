#include "layer_norm.h"

#include <cstring>
#include <map>
#include <tuple>

#include <dnnl.hpp>

#include "dnnl_compat.h"
#include "engine.h"

namespace tmu {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
constexpr auto f32 = memory::data_type::f32;
const auto kFlags = dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;

// oneDNN's layer normalisation, built once per shape (see convolution.cc for why).
struct Plan {
  memory::desc data, stats, params;
  dnnl::layer_normalization_forward::primitive_desc forward_pd;
  dnnl::layer_normalization_forward forward;
  dnnl::layer_normalization_backward::primitive_desc backward_pd;
  dnnl::layer_normalization_backward backward;

  Plan(int64_t rows, int64_t width, float epsilon)
      : data({rows, width}, f32, tag::ab),
        stats({rows}, f32, tag::a),
        params({width}, f32, tag::a),
        forward_pd(compat::layer_norm_forward_pd(cpu_engine(), data, stats, epsilon, kFlags)),
        forward(forward_pd),
        backward_pd(
            compat::layer_norm_backward_pd(cpu_engine(), data, stats, epsilon, kFlags, forward_pd)),
        backward(backward_pd) {}
};

Plan& plan_for(int64_t rows, int64_t width, float epsilon) {
  static std::map<std::tuple<int64_t, int64_t, float>, Plan> plans;
  auto key = std::make_tuple(rows, width, epsilon);
  auto found = plans.find(key);
  if (found == plans.end()) found = plans.try_emplace(key, rows, width, epsilon).first;
  return found->second;
}

memory wrap(const memory::desc& md, const float* data) {
  return memory(md, cpu_engine(), const_cast<float*>(data));
}

}  // namespace

void layer_norm_forward(int64_t rows, int64_t width, float epsilon, const float* x,
                        const float* gamma, const float* beta, float* y, float* mean,
                        float* variance) {
  Plan& p = plan_for(rows, width, epsilon);
  p.forward.execute(cpu_stream(), {{DNNL_ARG_SRC, wrap(p.data, x)},
                                   {DNNL_ARG_SCALE, wrap(p.params, gamma)},
                                   {DNNL_ARG_SHIFT, wrap(p.params, beta)},
                                   {DNNL_ARG_DST, wrap(p.data, y)},
                                   {DNNL_ARG_MEAN, wrap(p.stats, mean)},
                                   {DNNL_ARG_VARIANCE, wrap(p.stats, variance)}});
  cpu_stream().wait();
}

void layer_norm_backward(int64_t rows, int64_t width, float epsilon, const float* x,
                         const float* gamma, const float* beta, const float* mean,
                         const float* variance, const float* dy, float* dx, float* dgamma,
                         float* dbeta) {
  Plan& p = plan_for(rows, width, epsilon);
  p.backward.execute(cpu_stream(), {{DNNL_ARG_SRC, wrap(p.data, x)},
                                    {DNNL_ARG_SCALE, wrap(p.params, gamma)},
                                    {DNNL_ARG_SHIFT, wrap(p.params, beta)},
                                    {DNNL_ARG_MEAN, wrap(p.stats, mean)},
                                    {DNNL_ARG_VARIANCE, wrap(p.stats, variance)},
                                    {DNNL_ARG_DIFF_DST, wrap(p.data, dy)},
                                    {DNNL_ARG_DIFF_SRC, wrap(p.data, dx)},
                                    {DNNL_ARG_DIFF_SCALE, wrap(p.params, dgamma)},
                                    {DNNL_ARG_DIFF_SHIFT, wrap(p.params, dbeta)}});
  cpu_stream().wait();
}

}  // namespace tmu
