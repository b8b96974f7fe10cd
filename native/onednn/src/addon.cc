// Node-API entry points. Tensors are passed as byte offsets into one typed array (the wasm
// backend's heap), so nothing is copied between tfjs and oneDNN. Every offset is checked
// against the heap's length before any kernel touches memory.

#include <node_api.h>

#include <cstdint>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include <dnnl.hpp>

#include "convolution.h"
#include "layer_norm.h"
#include "cell_kernels.h"

namespace {

constexpr size_t kGeometryFields = 17;

// A failed argument check or library call, thrown as a JavaScript Error by `guarded`.
struct ArgumentError : std::exception {
  std::string message;
  explicit ArgumentError(std::string m) : message("tmu_onednn: " + std::move(m)) {}
  const char* what() const noexcept override { return message.c_str(); }
};

void check(napi_status status, const char* what) {
  if (status != napi_ok) throw ArgumentError(what);
}

// One call's arguments: argument 0 is always the heap, the rest are read by position.
class Call {
 public:
  Call(napi_env env, napi_callback_info info, size_t expected) : env_(env), args_(expected) {
    size_t count = expected;
    check(napi_get_cb_info(env, info, &count, args_.data(), nullptr, nullptr), "arguments");
    if (count != expected) throw ArgumentError("wrong number of arguments");
  }

  // Argument 0 as the heap: a Uint8Array over the wasm memory.
  void read_heap() {
    napi_typedarray_type type;
    size_t length;
    void* data;
    napi_value buffer;
    size_t offset;
    check(napi_get_typedarray_info(env_, args_[0], &type, &length, &data, &buffer, &offset),
          "the heap must be a Uint8Array");
    if (type != napi_uint8_array) throw ArgumentError("the heap must be a Uint8Array");
    heap_ = static_cast<uint8_t*>(data);
    heap_bytes_ = length;
  }

  int64_t integer(size_t i, const char* what) const { return integer_of(args_.at(i), what); }

  int64_t count(size_t i, const char* what) const {
    int64_t n = integer(i, what);
    if (n < 0) throw ArgumentError(what);
    return n;
  }

  float number(size_t i, const char* what) const {
    double value;
    check(napi_get_value_double(env_, args_.at(i), &value), what);
    return static_cast<float>(value);
  }

  // `values` floats at the byte offset in argument i, checked to lie inside the heap.
  float* floats(size_t i, int64_t values, const char* name) const {
    int64_t offset = integer(i, "offsets must be integers");
    if (heap_ == nullptr || offset < 0 || offset % 4 != 0 || values < 0 ||
        static_cast<uint64_t>(offset) + static_cast<uint64_t>(values) * 4 > heap_bytes_) {
      throw ArgumentError(std::string(name) + " lies outside the heap");
    }
    return reinterpret_cast<float*>(heap_ + offset);
  }

  tmu::ConvGeometry geometry(size_t i) const {
    uint32_t length = 0;
    check(napi_get_array_length(env_, args_.at(i), &length), "geometry must be an array");
    if (length != kGeometryFields) throw ArgumentError("geometry needs 17 numbers");
    int64_t f[kGeometryFields];
    for (uint32_t k = 0; k < kGeometryFields; ++k) {
      napi_value element;
      check(napi_get_element(env_, args_.at(i), k, &element), "geometry element");
      f[k] = integer_of(element, "geometry fields must be integers");
      if (f[k] < 0) throw ArgumentError("geometry fields must not be negative");
    }
    return {f[0], f[1], f[2],  f[3],  f[4],  f[5],  f[6],  f[7], f[8],
            f[9], f[10], f[11], f[12], f[13], f[14], f[15], f[16]};
  }

 private:
  int64_t integer_of(napi_value value, const char* what) const {
    int64_t result;
    check(napi_get_value_int64(env_, value, &result), what);
    return result;
  }

  napi_env env_;
  std::vector<napi_value> args_;
  uint8_t* heap_ = nullptr;
  size_t heap_bytes_ = 0;
};

int64_t input_size(const tmu::ConvGeometry& g) {
  return g.batch * g.in_height * g.in_width * g.in_channels;
}
int64_t output_size(const tmu::ConvGeometry& g) {
  return g.batch * g.out_height * g.out_width * g.out_channels;
}
int64_t filter_size(const tmu::ConvGeometry& g) {
  return g.filter_height * g.filter_width * g.in_channels * g.out_channels;
}

napi_value undefined(napi_env env) {
  napi_value result;
  napi_get_undefined(env, &result);
  return result;
}

// Reads `arity` arguments (heap first), runs `body` on them and returns undefined, turning
// C++ exceptions (ours and oneDNN's) into JavaScript errors.
template <typename Body>
napi_value kernel(napi_env env, napi_callback_info info, size_t arity, Body body) {
  try {
    Call call(env, info, arity);
    call.read_heap();
    body(call);
    return undefined(env);
  } catch (const std::exception& error) {
    napi_throw_error(env, nullptr, error.what());
  } catch (...) {
    napi_throw_error(env, nullptr, "tmu_onednn: unknown failure");
  }
  return nullptr;
}

// convForward(heap, geometry, x, filter, filterToken, y)
napi_value ConvForward(napi_env env, napi_callback_info info) {
  return kernel(env, info, 6, [](const Call& c) {
    auto g = c.geometry(1);
    tmu::conv_forward(g, c.floats(2, input_size(g), "x"), c.floats(3, filter_size(g), "filter"),
                      c.integer(4, "filterToken must be an integer"),
                      c.floats(5, output_size(g), "y"));
  });
}

// convBackwardInput(heap, geometry, dy, filter, filterToken, dx)
napi_value ConvBackwardInput(napi_env env, napi_callback_info info) {
  return kernel(env, info, 6, [](const Call& c) {
    auto g = c.geometry(1);
    tmu::conv_backward_input(g, c.floats(2, output_size(g), "dy"),
                             c.floats(3, filter_size(g), "filter"),
                             c.integer(4, "filterToken must be an integer"),
                             c.floats(5, input_size(g), "dx"));
  });
}

// convBackwardFilter(heap, geometry, x, dy, dfilter)
napi_value ConvBackwardFilter(napi_env env, napi_callback_info info) {
  return kernel(env, info, 5, [](const Call& c) {
    auto g = c.geometry(1);
    tmu::conv_backward_filter(g, c.floats(2, input_size(g), "x"),
                              c.floats(3, output_size(g), "dy"),
                              c.floats(4, filter_size(g), "dfilter"));
  });
}

// convLstmGates(heap, positions, channels, gates, cPrev, c, h)
napi_value ConvLstmGates(napi_env env, napi_callback_info info) {
  return kernel(env, info, 7, [](const Call& c) {
    int64_t n = c.count(1, "positions must be a count");
    int64_t ch = c.count(2, "channels must be a count");
    tmu::conv_lstm_gates(n, ch, c.floats(3, n * 4 * ch, "gates"), c.floats(4, n * ch, "cPrev"),
                         c.floats(5, n * ch, "c"), c.floats(6, n * ch, "h"));
  });
}

// convLstmGatesGrad(heap, positions, channels, gates, cPrev, dc, dh, dGates, dcPrev)
napi_value ConvLstmGatesGrad(napi_env env, napi_callback_info info) {
  return kernel(env, info, 9, [](const Call& c) {
    int64_t n = c.count(1, "positions must be a count");
    int64_t ch = c.count(2, "channels must be a count");
    tmu::conv_lstm_gates_grad(n, ch, c.floats(3, n * 4 * ch, "gates"),
                              c.floats(4, n * ch, "cPrev"), c.floats(5, n * ch, "dc"),
                              c.floats(6, n * ch, "dh"), c.floats(7, n * 4 * ch, "dGates"),
                              c.floats(8, n * ch, "dcPrev"));
  });
}

// The five inputs both ST-LSTM kernels take at arguments 4-8.
tmu::StLstmMemories st_lstm_inputs(const Call& c, int64_t n, int64_t ch) {
  return {c.floats(4, n * 7 * ch, "xGates"), c.floats(5, n * 4 * ch, "hGates"),
          c.floats(6, n * 3 * ch, "mGates"), c.floats(7, n * ch, "cPrev"),
          c.floats(8, n * ch, "mPrev")};
}

// stLstmMemories(heap, positions, channels, forgetBias, xGates, hGates, mGates, cPrev, mPrev,
//                c, m, oPartial)
napi_value StLstmMemories(napi_env env, napi_callback_info info) {
  return kernel(env, info, 12, [](const Call& c) {
    int64_t n = c.count(1, "positions must be a count");
    int64_t ch = c.count(2, "channels must be a count");
    tmu::st_lstm_memories(n, ch, c.number(3, "forgetBias must be a number"),
                          st_lstm_inputs(c, n, ch), c.floats(9, n * ch, "c"),
                          c.floats(10, n * ch, "m"), c.floats(11, n * ch, "oPartial"));
  });
}

// stLstmMemoriesGrad(heap, positions, channels, forgetBias, xGates, hGates, mGates, cPrev,
//                    mPrev, dc, dm, dOPartial, dxGates, dhGates, dmGates, dcPrev, dmPrev)
napi_value StLstmMemoriesGrad(napi_env env, napi_callback_info info) {
  return kernel(env, info, 17, [](const Call& c) {
    int64_t n = c.count(1, "positions must be a count");
    int64_t ch = c.count(2, "channels must be a count");
    tmu::st_lstm_memories_grad(
        n, ch, c.number(3, "forgetBias must be a number"), st_lstm_inputs(c, n, ch),
        c.floats(9, n * ch, "dc"), c.floats(10, n * ch, "dm"), c.floats(11, n * ch, "dOPartial"),
        c.floats(12, n * 7 * ch, "dxGates"), c.floats(13, n * 4 * ch, "dhGates"),
        c.floats(14, n * 3 * ch, "dmGates"), c.floats(15, n * ch, "dcPrev"),
        c.floats(16, n * ch, "dmPrev"));
  });
}

// lstmOutput(heap, size, a, b, l, h)
napi_value LstmOutput(napi_env env, napi_callback_info info) {
  return kernel(env, info, 6, [](const Call& c) {
    int64_t n = c.count(1, "size must be a count");
    tmu::lstm_output(n, c.floats(2, n, "a"), c.floats(3, n, "b"), c.floats(4, n, "l"),
                     c.floats(5, n, "h"));
  });
}

// lstmOutputGrad(heap, size, a, b, l, dh, dPre, dl)
napi_value LstmOutputGrad(napi_env env, napi_callback_info info) {
  return kernel(env, info, 8, [](const Call& c) {
    int64_t n = c.count(1, "size must be a count");
    tmu::lstm_output_grad(n, c.floats(2, n, "a"), c.floats(3, n, "b"), c.floats(4, n, "l"),
                          c.floats(5, n, "dh"), c.floats(6, n, "dPre"), c.floats(7, n, "dl"));
  });
}

// layerNorm(heap, rows, width, epsilon, x, gamma, beta, y, mean, variance)
napi_value LayerNorm(napi_env env, napi_callback_info info) {
  return kernel(env, info, 10, [](const Call& c) {
    int64_t rows = c.count(1, "rows must be a count");
    int64_t width = c.count(2, "width must be a count");
    tmu::layer_norm_forward(rows, width, c.number(3, "epsilon must be a number"),
                            c.floats(4, rows * width, "x"), c.floats(5, width, "gamma"),
                            c.floats(6, width, "beta"), c.floats(7, rows * width, "y"),
                            c.floats(8, rows, "mean"), c.floats(9, rows, "variance"));
  });
}

// layerNormGrad(heap, rows, width, epsilon, x, gamma, beta, mean, variance, dy, dx, dgamma,
//               dbeta)
napi_value LayerNormGrad(napi_env env, napi_callback_info info) {
  return kernel(env, info, 13, [](const Call& c) {
    int64_t rows = c.count(1, "rows must be a count");
    int64_t width = c.count(2, "width must be a count");
    tmu::layer_norm_backward(rows, width, c.number(3, "epsilon must be a number"),
                             c.floats(4, rows * width, "x"), c.floats(5, width, "gamma"),
                             c.floats(6, width, "beta"), c.floats(7, rows, "mean"),
                             c.floats(8, rows, "variance"), c.floats(9, rows * width, "dy"),
                             c.floats(10, rows * width, "dx"), c.floats(11, width, "dgamma"),
                             c.floats(12, width, "dbeta"));
  });
}

// copyBlocks(heap, rows, width, src, srcStride, dst, dstStride): row r's `width` 32-bit
// values from src + r·srcStride to dst + r·dstStride (strides in values, offsets in bytes).
// Split and concat along any axis are this copy; the wasm backend does them value by value.
napi_value CopyBlocks(napi_env env, napi_callback_info info) {
  return kernel(env, info, 7, [](const Call& c) {
    int64_t rows = c.count(1, "rows must be a count");
    int64_t width = c.count(2, "width must be a count");
    int64_t src_stride = c.integer(4, "strides must be integers");
    int64_t dst_stride = c.integer(6, "strides must be integers");
    if (src_stride < width || dst_stride < width) {
      throw ArgumentError("copyBlocks needs strides of at least the width");
    }
    if (rows == 0 || width == 0) return;
    const float* src = c.floats(3, (rows - 1) * src_stride + width, "source");
    float* dst = c.floats(5, (rows - 1) * dst_stride + width, "destination");
    for (int64_t r = 0; r < rows; ++r) {
      std::memcpy(dst + r * dst_stride, src + r * src_stride, width * sizeof(float));
    }
  });
}

napi_value string_value(napi_env env, const std::string& text) {
  napi_value result;
  check(napi_create_string_utf8(env, text.c_str(), text.size(), &result), "string");
  return result;
}

// Runs `body` for a function that returns a string (no heap).
template <typename Body>
napi_value text(napi_env env, Body body) {
  try {
    return string_value(env, body());
  } catch (const std::exception& error) {
    napi_throw_error(env, nullptr, error.what());
  }
  return nullptr;
}

// convImplementations(geometry): which oneDNN kernels run this convolution.
napi_value ConvImplementations(napi_env env, napi_callback_info info) {
  return text(env, [&] {
    Call call(env, info, 1);
    return tmu::conv_implementations(call.geometry(0));
  });
}

// version(): oneDNN's version, e.g. "2.6.3".
napi_value Version(napi_env env, napi_callback_info) {
  return text(env, [] {
    const dnnl_version_t* v = dnnl_version();
    return std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
           std::to_string(v->patch);
  });
}

napi_value Init(napi_env env, napi_value exports) {
  const std::pair<const char*, napi_callback> methods[] = {
      {"convForward", ConvForward},
      {"convBackwardInput", ConvBackwardInput},
      {"convBackwardFilter", ConvBackwardFilter},
      {"convLstmGates", ConvLstmGates},
      {"convLstmGatesGrad", ConvLstmGatesGrad},
      {"stLstmMemories", StLstmMemories},
      {"stLstmMemoriesGrad", StLstmMemoriesGrad},
      {"lstmOutput", LstmOutput},
      {"lstmOutputGrad", LstmOutputGrad},
      {"layerNorm", LayerNorm},
      {"layerNormGrad", LayerNormGrad},
      {"copyBlocks", CopyBlocks},
      {"convImplementations", ConvImplementations},
      {"version", Version},
  };
  for (const auto& [name, method] : methods) {
    napi_value fn;
    napi_create_function(env, name, NAPI_AUTO_LENGTH, method, nullptr, &fn);
    napi_set_named_property(env, exports, name, fn);
  }
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
