// Node-API entry points. Tensors are passed as byte offsets into one typed array (the wasm
// backend's heap), so nothing is copied between tfjs and oneDNN.

#include <node_api.h>

#include <cstdint>
#include <cstring>
#include <exception>
#include <string>

#include <dnnl.hpp>

#include "convolution.h"
#include "lstm.h"

namespace {

constexpr size_t kGeometryFields = 17;

// A failed argument check or library call, thrown as a JavaScript Error by `guarded`.
struct ArgumentError : std::exception {
  std::string message;
  explicit ArgumentError(std::string m) : message(std::move(m)) {}
  const char* what() const noexcept override { return message.c_str(); }
};

void check(napi_status status, const char* what) {
  if (status != napi_ok) throw ArgumentError(std::string("tmu_onednn: ") + what);
}

struct Heap {
  uint8_t* data;
  size_t bytes;
};

Heap heap_of(napi_env env, napi_value value) {
  napi_typedarray_type type;
  size_t length;
  void* data;
  napi_value buffer;
  size_t offset;
  check(napi_get_typedarray_info(env, value, &type, &length, &data, &buffer, &offset),
        "the heap must be a Uint8Array");
  if (type != napi_uint8_array) throw ArgumentError("tmu_onednn: the heap must be a Uint8Array");
  return {static_cast<uint8_t*>(data), length};
}

int64_t integer_of(napi_env env, napi_value value, const char* what) {
  int64_t result;
  check(napi_get_value_int64(env, value, &result), what);
  return result;
}

tmu::ConvGeometry geometry_of(napi_env env, napi_value array) {
  uint32_t length = 0;
  check(napi_get_array_length(env, array, &length), "geometry must be an array");
  if (length != kGeometryFields) throw ArgumentError("tmu_onednn: geometry needs 17 numbers");
  int64_t fields[kGeometryFields];
  for (uint32_t i = 0; i < kGeometryFields; ++i) {
    napi_value element;
    check(napi_get_element(env, array, i, &element), "geometry element");
    fields[i] = integer_of(env, element, "geometry fields must be integers");
    if (fields[i] < 0) throw ArgumentError("tmu_onednn: geometry fields must not be negative");
  }
  return {fields[0],  fields[1],  fields[2],  fields[3],  fields[4],  fields[5],
          fields[6],  fields[7],  fields[8],  fields[9],  fields[10], fields[11],
          fields[12], fields[13], fields[14], fields[15], fields[16]};
}

// A float buffer of `count` elements at a byte offset, checked to lie inside the heap.
float* floats_at(const Heap& heap, napi_env env, napi_value offset_value, int64_t count,
                 const char* name) {
  int64_t offset = integer_of(env, offset_value, "offsets must be integers");
  if (offset < 0 || offset % 4 != 0 || count < 0 ||
      static_cast<uint64_t>(offset) + static_cast<uint64_t>(count) * 4 > heap.bytes) {
    throw ArgumentError(std::string("tmu_onednn: ") + name + " lies outside the heap");
  }
  return reinterpret_cast<float*>(heap.data + offset);
}

int64_t input_size(const tmu::ConvGeometry& g) {
  return g.batch * g.in_height * g.in_width * g.in_channels;
}
int64_t output_size(const tmu::ConvGeometry& g) {
  return g.batch * g.out_height * g.out_width * g.out_channels;
}
int64_t filter_size(const tmu::ConvGeometry& g) {
  return g.filter_height * g.filter_width * g.in_channels * g.out_channels;
}

template <size_t N>
void arguments(napi_env env, napi_callback_info info, napi_value (&args)[N]) {
  size_t count = N;
  check(napi_get_cb_info(env, info, &count, args, nullptr, nullptr), "arguments");
  if (count != N) throw ArgumentError("tmu_onednn: wrong number of arguments");
}

// Runs `body`, turning C++ exceptions (ours and oneDNN's) into JavaScript errors.
template <typename Body>
napi_value guarded(napi_env env, Body body) {
  try {
    return body();
  } catch (const std::exception& error) {
    napi_throw_error(env, nullptr, error.what());
  } catch (...) {
    napi_throw_error(env, nullptr, "tmu_onednn: unknown failure");
  }
  return nullptr;
}

napi_value undefined(napi_env env) {
  napi_value result;
  napi_get_undefined(env, &result);
  return result;
}

// convForward(heap, geometry, xOffset, filterOffset, filterToken, yOffset)
napi_value ConvForward(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    napi_value a[6];
    arguments(env, info, a);
    Heap heap = heap_of(env, a[0]);
    auto g = geometry_of(env, a[1]);
    tmu::conv_forward(g, floats_at(heap, env, a[2], input_size(g), "x"),
                      floats_at(heap, env, a[3], filter_size(g), "filter"),
                      integer_of(env, a[4], "filterToken must be an integer"),
                      floats_at(heap, env, a[5], output_size(g), "y"));
    return undefined(env);
  });
}

// convBackwardInput(heap, geometry, dyOffset, filterOffset, filterToken, dxOffset)
napi_value ConvBackwardInput(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    napi_value a[6];
    arguments(env, info, a);
    Heap heap = heap_of(env, a[0]);
    auto g = geometry_of(env, a[1]);
    tmu::conv_backward_input(g, floats_at(heap, env, a[2], output_size(g), "dy"),
                             floats_at(heap, env, a[3], filter_size(g), "filter"),
                             integer_of(env, a[4], "filterToken must be an integer"),
                             floats_at(heap, env, a[5], input_size(g), "dx"));
    return undefined(env);
  });
}

// convBackwardFilter(heap, geometry, xOffset, dyOffset, dfilterOffset)
napi_value ConvBackwardFilter(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    napi_value a[5];
    arguments(env, info, a);
    Heap heap = heap_of(env, a[0]);
    auto g = geometry_of(env, a[1]);
    tmu::conv_backward_filter(g, floats_at(heap, env, a[2], input_size(g), "x"),
                              floats_at(heap, env, a[3], output_size(g), "dy"),
                              floats_at(heap, env, a[4], filter_size(g), "dfilter"));
    return undefined(env);
  });
}

// copyBlocks(heap, rows, width, src, srcStride, dst, dstStride): row r's `width` 32-bit
// values from src + r·srcStride to dst + r·dstStride (strides in values, offsets in bytes).
// Split and concat along any axis are this copy; the wasm backend does them value by value.
napi_value CopyBlocks(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    napi_value a[7];
    arguments(env, info, a);
    Heap heap = heap_of(env, a[0]);
    int64_t rows = integer_of(env, a[1], "rows must be an integer");
    int64_t width = integer_of(env, a[2], "width must be an integer");
    int64_t src_stride = integer_of(env, a[4], "strides must be integers");
    int64_t dst_stride = integer_of(env, a[6], "strides must be integers");
    if (rows < 0 || width < 0 || src_stride < width || dst_stride < width) {
      throw ArgumentError("tmu_onednn: copyBlocks needs rows, width ≥ 0 and strides ≥ width");
    }
    if (rows == 0 || width == 0) return undefined(env);
    const float* src = floats_at(heap, env, a[3], (rows - 1) * src_stride + width, "source");
    float* dst = floats_at(heap, env, a[5], (rows - 1) * dst_stride + width, "destination");
    for (int64_t r = 0; r < rows; ++r) {
      std::memcpy(dst + r * dst_stride, src + r * src_stride, width * sizeof(float));
    }
    return undefined(env);
  });
}

int64_t positive_of(napi_env env, napi_value value, const char* what) {
  int64_t result = integer_of(env, value, what);
  if (result < 0) throw ArgumentError(std::string("tmu_onednn: ") + what);
  return result;
}

// convLstmGates(heap, positions, channels, gates, cPrev, c, h)
napi_value ConvLstmGates(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    napi_value a[7];
    arguments(env, info, a);
    Heap heap = heap_of(env, a[0]);
    int64_t n = positive_of(env, a[1], "positions must be a count");
    int64_t ch = positive_of(env, a[2], "channels must be a count");
    tmu::conv_lstm_gates(n, ch, floats_at(heap, env, a[3], n * 4 * ch, "gates"),
                         floats_at(heap, env, a[4], n * ch, "cPrev"),
                         floats_at(heap, env, a[5], n * ch, "c"),
                         floats_at(heap, env, a[6], n * ch, "h"));
    return undefined(env);
  });
}

// convLstmGatesGrad(heap, positions, channels, gates, cPrev, dc, dh, dGates, dcPrev)
napi_value ConvLstmGatesGrad(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    napi_value a[9];
    arguments(env, info, a);
    Heap heap = heap_of(env, a[0]);
    int64_t n = positive_of(env, a[1], "positions must be a count");
    int64_t ch = positive_of(env, a[2], "channels must be a count");
    tmu::conv_lstm_gates_grad(n, ch, floats_at(heap, env, a[3], n * 4 * ch, "gates"),
                              floats_at(heap, env, a[4], n * ch, "cPrev"),
                              floats_at(heap, env, a[5], n * ch, "dc"),
                              floats_at(heap, env, a[6], n * ch, "dh"),
                              floats_at(heap, env, a[7], n * 4 * ch, "dGates"),
                              floats_at(heap, env, a[8], n * ch, "dcPrev"));
    return undefined(env);
  });
}

float float_of(napi_env env, napi_value value, const char* what) {
  double result;
  check(napi_get_value_double(env, value, &result), what);
  return static_cast<float>(result);
}

// stLstmMemories(heap, positions, channels, forgetBias, xGates, hGates, mGates, cPrev, mPrev,
//                c, m, oPartial)
napi_value StLstmMemories(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    napi_value a[12];
    arguments(env, info, a);
    Heap heap = heap_of(env, a[0]);
    int64_t n = positive_of(env, a[1], "positions must be a count");
    int64_t ch = positive_of(env, a[2], "channels must be a count");
    float forget_bias = float_of(env, a[3], "forgetBias must be a number");
    tmu::StLstmMemories in{floats_at(heap, env, a[4], n * 7 * ch, "xGates"),
                           floats_at(heap, env, a[5], n * 4 * ch, "hGates"),
                           floats_at(heap, env, a[6], n * 3 * ch, "mGates"),
                           floats_at(heap, env, a[7], n * ch, "cPrev"),
                           floats_at(heap, env, a[8], n * ch, "mPrev")};
    tmu::st_lstm_memories(n, ch, forget_bias, in, floats_at(heap, env, a[9], n * ch, "c"),
                          floats_at(heap, env, a[10], n * ch, "m"),
                          floats_at(heap, env, a[11], n * ch, "oPartial"));
    return undefined(env);
  });
}

// stLstmMemoriesGrad(heap, positions, channels, forgetBias, xGates, hGates, mGates, cPrev,
//                    mPrev, dc, dm, dOPartial, dxGates, dhGates, dmGates, dcPrev, dmPrev)
napi_value StLstmMemoriesGrad(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    napi_value a[17];
    arguments(env, info, a);
    Heap heap = heap_of(env, a[0]);
    int64_t n = positive_of(env, a[1], "positions must be a count");
    int64_t ch = positive_of(env, a[2], "channels must be a count");
    float forget_bias = float_of(env, a[3], "forgetBias must be a number");
    tmu::StLstmMemories in{floats_at(heap, env, a[4], n * 7 * ch, "xGates"),
                           floats_at(heap, env, a[5], n * 4 * ch, "hGates"),
                           floats_at(heap, env, a[6], n * 3 * ch, "mGates"),
                           floats_at(heap, env, a[7], n * ch, "cPrev"),
                           floats_at(heap, env, a[8], n * ch, "mPrev")};
    tmu::st_lstm_memories_grad(
        n, ch, forget_bias, in, floats_at(heap, env, a[9], n * ch, "dc"),
        floats_at(heap, env, a[10], n * ch, "dm"), floats_at(heap, env, a[11], n * ch, "dOPartial"),
        floats_at(heap, env, a[12], n * 7 * ch, "dxGates"),
        floats_at(heap, env, a[13], n * 4 * ch, "dhGates"),
        floats_at(heap, env, a[14], n * 3 * ch, "dmGates"),
        floats_at(heap, env, a[15], n * ch, "dcPrev"), floats_at(heap, env, a[16], n * ch, "dmPrev"));
    return undefined(env);
  });
}

// lstmOutput(heap, size, a, b, l, h)
napi_value LstmOutput(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    napi_value a[6];
    arguments(env, info, a);
    Heap heap = heap_of(env, a[0]);
    int64_t n = positive_of(env, a[1], "size must be a count");
    tmu::lstm_output(n, floats_at(heap, env, a[2], n, "a"), floats_at(heap, env, a[3], n, "b"),
                     floats_at(heap, env, a[4], n, "l"), floats_at(heap, env, a[5], n, "h"));
    return undefined(env);
  });
}

// lstmOutputGrad(heap, size, a, b, l, dh, dPre, dl)
napi_value LstmOutputGrad(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    napi_value a[8];
    arguments(env, info, a);
    Heap heap = heap_of(env, a[0]);
    int64_t n = positive_of(env, a[1], "size must be a count");
    tmu::lstm_output_grad(n, floats_at(heap, env, a[2], n, "a"), floats_at(heap, env, a[3], n, "b"),
                          floats_at(heap, env, a[4], n, "l"), floats_at(heap, env, a[5], n, "dh"),
                          floats_at(heap, env, a[6], n, "dPre"), floats_at(heap, env, a[7], n, "dl"));
    return undefined(env);
  });
}

napi_value string_value(napi_env env, const std::string& text) {
  napi_value result;
  check(napi_create_string_utf8(env, text.c_str(), text.size(), &result), "string");
  return result;
}

// convImplementations(geometry): which oneDNN kernels run this convolution.
napi_value ConvImplementations(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    napi_value a[1];
    arguments(env, info, a);
    return string_value(env, tmu::conv_implementations(geometry_of(env, a[0])));
  });
}

// version(): oneDNN's version, e.g. "2.6.3".
napi_value Version(napi_env env, napi_callback_info) {
  return guarded(env, [&] {
    const dnnl_version_t* v = dnnl_version();
    return string_value(env, std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
                                 std::to_string(v->patch));
  });
}

napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor methods[] = {
      {"convForward", nullptr, ConvForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"convBackwardInput", nullptr, ConvBackwardInput, nullptr, nullptr, nullptr, napi_default,
       nullptr},
      {"convBackwardFilter", nullptr, ConvBackwardFilter, nullptr, nullptr, nullptr,
       napi_default, nullptr},
      {"convImplementations", nullptr, ConvImplementations, nullptr, nullptr, nullptr,
       napi_default, nullptr},
      {"convLstmGates", nullptr, ConvLstmGates, nullptr, nullptr, nullptr, napi_default,
       nullptr},
      {"convLstmGatesGrad", nullptr, ConvLstmGatesGrad, nullptr, nullptr, nullptr, napi_default,
       nullptr},
      {"stLstmMemories", nullptr, StLstmMemories, nullptr, nullptr, nullptr, napi_default,
       nullptr},
      {"stLstmMemoriesGrad", nullptr, StLstmMemoriesGrad, nullptr, nullptr, nullptr,
       napi_default, nullptr},
      {"lstmOutput", nullptr, LstmOutput, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"lstmOutputGrad", nullptr, LstmOutputGrad, nullptr, nullptr, nullptr, napi_default,
       nullptr},
      {"copyBlocks", nullptr, CopyBlocks, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"version", nullptr, Version, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(methods) / sizeof(methods[0]), methods);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
