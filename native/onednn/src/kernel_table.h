// How a kernel's signature is declared: its dimension arguments, scalar arguments and
// tensors, each tensor's size a product of dimensions. The one declaration of every kernel is
// kernel_table.cc; addon.cc reads a call's arguments by these names, sizes every tensor from
// them and bounds-checks it before the kernel runs, and exports the table so TypeScript can
// check that it was built against the same one (src-main/ml/backend/onednn-kernel-table.ts).
#pragma once

#include <cstddef>
#include <cstdint>

#include "convolution.h"

namespace tmu {

constexpr size_t kMaxDims = 17;  // a convolution's geometry
constexpr size_t kMaxScalars = 2;
constexpr size_t kMaxTensors = 13;  // stLstmMemoriesGrad
constexpr size_t kMaxFactors = 4;

constexpr bool same_name(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) ++a, ++b;
  return *a == *b;
}

// One factor of a size: a dimension argument by name, or a constant. Unused factors are 1.
struct Factor {
  const char* dim = nullptr;
  int64_t constant = 1;
  constexpr Factor() = default;
  constexpr Factor(const char* d) : dim(d) {}
  constexpr Factor(int64_t c) : constant(c) {}
};

// A tensor's size in floats. Either the product of `factors`, or, for row copies that
// address every stride-th block, `rows` rows `stride` apart of which the last ends `width`
// in: (rows − 1)·stride + width, and 0 when rows or width is 0.
struct Size {
  Factor factors[kMaxFactors];
  const char* rows = nullptr;
  const char* stride = nullptr;
  const char* width = nullptr;
  constexpr bool strided() const { return rows != nullptr; }
};

constexpr Size product(Factor a, Factor b = {}, Factor c = {}, Factor d = {}) {
  return {{a, b, c, d}};
}
constexpr Size strided(const char* rows, const char* stride, const char* width) {
  return {{}, rows, stride, width};
}

// A float scalar (a forget bias, an epsilon) or a signed integer (a filter token, −1 for none).
enum class ScalarType { number, integer };

struct ScalarArg {
  const char* name = nullptr;
  ScalarType type = ScalarType::number;
};

// Inputs are passed to the kernel as const float*, outputs as float*.
enum class Direction { in, out };

struct TensorArg {
  const char* name = nullptr;
  Direction direction = Direction::in;
  Size size;
};

// Names that size tensors: non-negative integers. A struct, so that the convolutions can
// share one geometry; unused entries are null.
struct DimNames {
  const char* at[kMaxDims] = {};
};

class KernelArgs;

struct KernelSpec {
  const char* name;
  DimNames dims;
  ScalarArg scalars[kMaxScalars];
  TensorArg tensors[kMaxTensors];
  // Calls the kernel with the arguments looked up by name: a name not declared above, or an
  // output asked for as an input, throws std::logic_error (a table bug, which tests catch).
  void (*run)(const KernelArgs&);

  constexpr size_t dim_count() const { return count(dims.at, kMaxDims); }
  constexpr size_t scalar_count() const { return count(scalars, kMaxScalars); }
  constexpr size_t tensor_count() const { return count(tensors, kMaxTensors); }

 private:
  template <typename T>
  static constexpr size_t count(const T* items, size_t capacity) {
    size_t n = 0;
    while (n < capacity && name_of(items[n]) != nullptr) ++n;
    return n;
  }
  static constexpr const char* name_of(const char* name) { return name; }
  static constexpr const char* name_of(const ScalarArg& a) { return a.name; }
  static constexpr const char* name_of(const TensorArg& a) { return a.name; }
};

// One call's arguments, read and checked by addon.cc in the order of the spec.
class KernelArgs {
 public:
  explicit KernelArgs(const KernelSpec& spec) : spec_(spec) {}

  int64_t dim(const char* name) const { return dims[dim_index(name)]; }
  float number(const char* name) const {
    return static_cast<float>(scalars[scalar(name, ScalarType::number)]);
  }
  int64_t integer(const char* name) const {
    return static_cast<int64_t>(scalars[scalar(name, ScalarType::integer)]);
  }
  const float* in(const char* name) const { return tensor(name, Direction::in); }
  float* out(const char* name) const { return tensor(name, Direction::out); }

  int64_t dims[kMaxDims] = {};
  double scalars[kMaxScalars] = {};
  float* tensors[kMaxTensors] = {};

 private:
  size_t dim_index(const char* name) const;
  size_t scalar(const char* name, ScalarType type) const;
  float* tensor(const char* name, Direction direction) const;

  const KernelSpec& spec_;
};

// Every kernel the addon exports, in kernel_table.cc.
struct KernelTable {
  const KernelSpec* begin;
  const KernelSpec* end;
};
KernelTable kernel_table();

// A convolution's geometry from its dimension arguments (convForward's, say).
ConvGeometry conv_geometry(const KernelArgs& a);

}  // namespace tmu
