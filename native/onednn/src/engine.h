// The one oneDNN CPU engine and stream every primitive of the addon runs on.
#pragma once

#include <dnnl.hpp>

namespace tmu {

inline dnnl::engine& cpu_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

inline dnnl::stream& cpu_stream() {
  static dnnl::stream stream(cpu_engine());
  return stream;
}

}  // namespace tmu
