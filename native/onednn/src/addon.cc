// Node-API entry points: one per row of the kernel table (kernel_table.cc), called as
// kernel(heap, args) with the wasm backend's memory as a Uint8Array and `args` naming every
// dimension, scalar and tensor of the row, tensors as byte offsets into the heap, so nothing
// is copied between tfjs and oneDNN. Before a kernel runs, every tensor's size is computed
// with overflow-checked multiplication and the tensor checked to lie inside the heap: a size
// that wrapped around would otherwise pass the bounds check and let the kernel run off it.
// The table itself is exported as `kernels`, for TypeScript to check it matches its own.

#include <node_api.h>

#include <cmath>
#include <cstdint>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include <dnnl.hpp>

#include "convolution.h"
#include "kernel_table.h"

namespace {

using tmu::KernelArgs;
using tmu::KernelSpec;
using tmu::Size;

// A bad argument; `guarded` prefixes the kernel's name and throws it as a JavaScript Error.
struct ArgumentError : std::exception {
  std::string message;
  explicit ArgumentError(std::string m) : message(std::move(m)) {}
  const char* what() const noexcept override { return message.c_str(); }
};

void check(napi_status status, const std::string& what) {
  if (status != napi_ok) throw ArgumentError(what);
}

// JavaScript numbers hold integers exactly up to 2^53 − 1 (Number.MAX_SAFE_INTEGER).
constexpr double kMaxSafeInteger = 9007199254740991.0;

// The named properties of a call's argument object.
class Arguments {
 public:
  Arguments(napi_env env, napi_value object) : env_(env), object_(object) {
    napi_valuetype type;
    check(napi_typeof(env, object, &type), "arguments");
    if (type != napi_object) throw ArgumentError("arguments must be an object of named values");
  }

  double number(const char* name) const {
    napi_value value;
    check(napi_get_named_property(env_, object_, name, &value), name);
    napi_valuetype type;
    check(napi_typeof(env_, value, &type), name);
    if (type == napi_undefined) throw ArgumentError(std::string(name) + " is missing");
    double result;
    check(napi_get_value_double(env_, value, &result), std::string(name) + " must be a number");
    return result;
  }

  int64_t integer(const char* name) const {
    double value = number(name);
    if (!(std::fabs(value) <= kMaxSafeInteger) || std::floor(value) != value) {
      throw ArgumentError(std::string(name) + " must be a safe integer");
    }
    return static_cast<int64_t>(value);
  }

  int64_t count(const char* name) const {
    int64_t value = integer(name);
    if (value < 0) throw ArgumentError(std::string(name) + " must not be negative");
    return value;
  }

 private:
  napi_env env_;
  napi_value object_;
};

// The heap: a Uint8Array over the wasm memory.
struct Heap {
  uint8_t* data = nullptr;
  size_t bytes = 0;
};

Heap heap_of(napi_env env, napi_value value) {
  napi_typedarray_type type;
  size_t length;
  void* data;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, value, &type, &length, &data, &buffer, &offset) != napi_ok ||
      type != napi_uint8_array) {
    throw ArgumentError("the heap must be a Uint8Array");
  }
  return {static_cast<uint8_t*>(data), length};
}

// "positions·4·channels", or with each dimension's value, "4096·4·32", for messages.
std::string formula(const Size& s, const KernelArgs* a = nullptr) {
  auto dim = [&](const char* name) {
    return a != nullptr ? std::to_string(a->dim(name)) : std::string(name);
  };
  if (s.strided()) return "(" + dim(s.rows) + " − 1)·" + dim(s.stride) + " + " + dim(s.width);
  std::string text;
  for (const tmu::Factor& f : s.factors) {
    if (f.dim == nullptr && f.constant == 1) continue;
    if (!text.empty()) text += "·";
    text += f.dim != nullptr ? dim(f.dim) : std::to_string(f.constant);
  }
  return text.empty() ? "1" : text;
}

// "gates = positions·4·channels = 4096·4·32", for messages.
std::string described(const tmu::TensorArg& t, const KernelArgs& a) {
  return std::string(t.name) + " = " + formula(t.size) + " = " + formula(t.size, &a);
}

// A tensor's size in floats from the call's dimensions; refuses one that overflows int64.
int64_t size_of(const tmu::TensorArg& t, const KernelArgs& a) {
  const Size& s = t.size;
  bool overflow = false;
  int64_t size = 1;
  if (s.strided()) {
    int64_t rows = a.dim(s.rows), width = a.dim(s.width);
    if (rows == 0 || width == 0) return 0;
    overflow = __builtin_mul_overflow(rows - 1, a.dim(s.stride), &size) ||
               __builtin_add_overflow(size, width, &size);
  } else {
    for (const tmu::Factor& f : s.factors) {
      overflow = overflow || __builtin_mul_overflow(size, f.dim ? a.dim(f.dim) : f.constant, &size);
    }
  }
  if (overflow) {
    throw ArgumentError(described(t, a) + " overflows 64 bits");
  }
  return size;
}

// The tensor's floats, once its `size` floats are known to lie inside the heap.
float* floats_at(const Heap& heap, const tmu::TensorArg& t, const KernelArgs& a, int64_t offset,
                int64_t size) {
  int64_t bytes = 0, end = 0;
  if (__builtin_mul_overflow(size, int64_t{sizeof(float)}, &bytes) ||
      __builtin_add_overflow(offset, bytes, &end)) {
    throw ArgumentError(described(t, a) + " overflows 64 bits as bytes");
  }
  if (heap.data == nullptr || offset < 0 || offset % 4 != 0 ||
      static_cast<uint64_t>(end) > heap.bytes) {
    throw ArgumentError(std::string(t.name) + " lies outside the heap (" +
                        std::to_string(bytes) + " bytes at " + std::to_string(offset) + " of " +
                        std::to_string(heap.bytes) + ")");
  }
  return reinterpret_cast<float*>(heap.data + offset);
}

void read_dims(const KernelSpec& spec, const Arguments& args, KernelArgs& a) {
  for (size_t i = 0; i < spec.dim_count(); ++i) a.dims[i] = args.count(spec.dims.at[i]);
}

KernelArgs read_kernel_args(const KernelSpec& spec, const Arguments& args, const Heap& heap) {
  KernelArgs a(spec);
  read_dims(spec, args, a);
  for (size_t i = 0; i < spec.scalar_count(); ++i) {
    const tmu::ScalarArg& s = spec.scalars[i];
    a.scalars[i] = s.type == tmu::ScalarType::integer
                       ? static_cast<double>(args.integer(s.name))
                       : args.number(s.name);
  }
  for (size_t i = 0; i < spec.tensor_count(); ++i) {
    const tmu::TensorArg& t = spec.tensors[i];
    int64_t size = size_of(t, a);
    a.tensors[i] = floats_at(heap, t, a, args.integer(t.name), size);
  }
  return a;
}

// Runs `body`, turning C++ exceptions (ours and oneDNN's) into JavaScript errors that name
// the function they came from.
template <typename Body>
napi_value guarded(napi_env env, const char* function, Body body) {
  try {
    return body();
  } catch (const std::exception& error) {
    std::string message = std::string("tmu_onednn ") + function + ": " + error.what();
    napi_throw_error(env, nullptr, message.c_str());
  } catch (...) {
    napi_throw_error(env, nullptr, (std::string("tmu_onednn ") + function + ": failed").c_str());
  }
  return nullptr;
}

// Exactly `count` arguments of a call.
std::vector<napi_value> arguments(napi_env env, napi_callback_info info, size_t count) {
  std::vector<napi_value> values(count);
  size_t given = count;
  check(napi_get_cb_info(env, info, &given, values.data(), nullptr, nullptr), "arguments");
  if (given != count) {
    throw ArgumentError("expected " + std::to_string(count) + " arguments, got " +
                        std::to_string(given));
  }
  return values;
}

napi_value undefined(napi_env env) {
  napi_value result;
  napi_get_undefined(env, &result);
  return result;
}

// kernel(heap, args): the entry point of every table row (the row is the callback's data).
napi_value RunKernel(napi_env env, napi_callback_info info) {
  void* data = nullptr;
  size_t given = 0;
  napi_get_cb_info(env, info, &given, nullptr, nullptr, &data);
  const KernelSpec& spec = *static_cast<const KernelSpec*>(data);
  return guarded(env, spec.name, [&] {
    std::vector<napi_value> values = arguments(env, info, 2);
    Heap heap = heap_of(env, values[0]);
    spec.run(read_kernel_args(spec, Arguments(env, values[1]), heap));
    return undefined(env);
  });
}

napi_value string_value(napi_env env, const std::string& text) {
  napi_value result;
  check(napi_create_string_utf8(env, text.c_str(), text.size(), &result), "string");
  return result;
}

const KernelSpec& kernel_named(const char* name) {
  for (const KernelSpec* k = tmu::kernel_table().begin; k != tmu::kernel_table().end; ++k) {
    if (tmu::same_name(k->name, name)) return *k;
  }
  throw std::logic_error(std::string("no kernel ") + name);
}

// convImplementations(geometry): which oneDNN kernels run a convolution, e.g.
// "brg:avx512_core", for reports; the geometry is convForward's dimensions.
napi_value ConvImplementations(napi_env env, napi_callback_info info) {
  return guarded(env, "convImplementations", [&] {
    const KernelSpec& forward = kernel_named("convForward");
    KernelArgs a(forward);
    read_dims(forward, Arguments(env, arguments(env, info, 1)[0]), a);
    return string_value(env, tmu::conv_implementations(tmu::conv_geometry(a)));
  });
}

// version(): oneDNN's version, e.g. "2.6.3".
napi_value Version(napi_env env, napi_callback_info) {
  return guarded(env, "version", [&] {
    const dnnl_version_t* v = dnnl_version();
    return string_value(env, std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
                                 std::to_string(v->patch));
  });
}

// The table as JavaScript values, for onednn-kernel-table.ts to compare with its own.
class TableExport {
 public:
  explicit TableExport(napi_env env) : env_(env) {}

  napi_value kernel(const KernelSpec& spec) const {
    std::vector<napi_value> dims, scalars, tensors;
    for (size_t i = 0; i < spec.dim_count(); ++i) dims.push_back(string(spec.dims.at[i]));
    for (size_t i = 0; i < spec.scalar_count(); ++i) {
      const tmu::ScalarArg& s = spec.scalars[i];
      scalars.push_back(object({{"name", string(s.name)},
                                {"type", string(s.type == tmu::ScalarType::integer
                                                    ? "integer"
                                                    : "number")}}));
    }
    for (size_t i = 0; i < spec.tensor_count(); ++i) {
      const tmu::TensorArg& t = spec.tensors[i];
      tensors.push_back(object({{"name", string(t.name)},
                                {"direction", string(t.direction == tmu::Direction::in ? "in"
                                                                                        : "out")},
                                {"size", size(t.size)}}));
    }
    return object(
        {{"dims", array(dims)}, {"scalars", array(scalars)}, {"tensors", array(tensors)}});
  }

  napi_value object(const std::vector<std::pair<const char*, napi_value>>& fields) const {
    napi_value result;
    check(napi_create_object(env_, &result), "object");
    for (const auto& [name, value] : fields) {
      check(napi_set_named_property(env_, result, name, value), name);
    }
    return result;
  }

 private:
  // A product as its factors, e.g. ["positions", 4, "channels"]; a strided extent as
  // { rows, stride, width }.
  napi_value size(const Size& s) const {
    if (s.strided()) {
      return object(
          {{"rows", string(s.rows)}, {"stride", string(s.stride)}, {"width", string(s.width)}});
    }
    std::vector<napi_value> factors;
    for (const tmu::Factor& f : s.factors) {
      if (f.dim != nullptr) {
        factors.push_back(string(f.dim));
      } else if (f.constant != 1) {
        napi_value n;
        check(napi_create_int64(env_, f.constant, &n), "number");
        factors.push_back(n);
      }
    }
    return array(factors);
  }

  napi_value string(const char* text) const { return string_value(env_, text); }

  napi_value array(const std::vector<napi_value>& items) const {
    napi_value result;
    check(napi_create_array_with_length(env_, items.size(), &result), "array");
    for (size_t i = 0; i < items.size(); ++i) {
      check(napi_set_element(env_, result, static_cast<uint32_t>(i), items[i]), "array");
    }
    return result;
  }

  napi_env env_;
};

napi_value function(napi_env env, const char* name, napi_callback callback, void* data) {
  napi_value fn;
  check(napi_create_function(env, name, NAPI_AUTO_LENGTH, callback, data, &fn), name);
  return fn;
}

napi_value Init(napi_env env, napi_value exports) {
  return guarded(env, "load", [&] {
    TableExport table(env);
    std::vector<std::pair<const char*, napi_value>> kernels, methods;
    for (const KernelSpec* k = tmu::kernel_table().begin; k != tmu::kernel_table().end; ++k) {
      kernels.emplace_back(k->name, table.kernel(*k));
      // The row outlives the module: the table is a constant.
      methods.emplace_back(k->name, function(env, k->name, RunKernel, const_cast<KernelSpec*>(k)));
    }
    methods.emplace_back("kernels", table.object(kernels));
    methods.emplace_back("convImplementations",
                         function(env, "convImplementations", ConvImplementations, nullptr));
    methods.emplace_back("version", function(env, "version", Version, nullptr));
    for (const auto& [name, value] : methods) {
      check(napi_set_named_property(env, exports, name, value), name);
    }
    return exports;
  });
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
