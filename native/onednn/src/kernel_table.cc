// Every kernel's signature, declared once: its name, its dimension arguments, its scalars
// and its tensors with their sizes, each a product of dimensions. addon.cc turns each row
// into an entry point, kernel(heap, { ...arguments by name }), that checks every size for
// overflow and every tensor against the heap before `run` touches memory; TypeScript mirrors
// the table (src-main/ml/backend/onednn-kernel-table.ts) and compares it at load.

#include "kernel_table.h"

#include <cstring>
#include <iterator>
#include <stdexcept>
#include <string>

#include "cell_kernels.h"
#include "convolution.h"
#include "group_norm.h"
#include "layer_norm.h"

namespace tmu {
namespace {

constexpr auto in = Direction::in;
constexpr auto out = Direction::out;

// tfjs's computeConv2DInfo, field by field: sizes from the first seven and the filter's two.
constexpr DimNames kConvGeometry = {{"batch", "inHeight", "inWidth", "inChannels", "outHeight",
                                     "outWidth", "outChannels", "filterHeight", "filterWidth",
                                     "strideHeight", "strideWidth", "dilationHeight",
                                     "dilationWidth", "padTop", "padLeft", "padBottom",
                                     "padRight"}};
constexpr Size kConvInput = product("batch", "inHeight", "inWidth", "inChannels");
constexpr Size kConvOutput = product("batch", "outHeight", "outWidth", "outChannels");
constexpr Size kConvFilter = product("filterHeight", "filterWidth", "inChannels", "outChannels");
// A depthwise filter [kh, kw, in, multiplier] holds kh·kw·out values (out = in·multiplier).
constexpr Size kDepthwiseFilter = product("filterHeight", "filterWidth", "outChannels");

// The fused cells work on positions (every batch, row and column) × channels.
constexpr DimNames kCell = {{"positions", "channels"}};
constexpr Size kState = product("positions", "channels");
constexpr Size kGates4 = product("positions", 4, "channels");  // ConvLSTM's i, f, o, g
constexpr Size kXGates = product("positions", 7, "channels");  // ST-LSTM, see cell_kernels.h
constexpr Size kHGates = product("positions", 4, "channels");
constexpr Size kMGates = product("positions", 3, "channels");

// Layer norm works on rows (samples) of `width` values.
constexpr DimNames kRows = {{"rows", "width"}};
constexpr Size kRowValues = product("rows", "width");
constexpr Size kRow = product("width");
constexpr Size kPerRow = product("rows");

// GroupNorm works on samples of positions × channels, in groups of channels.
constexpr DimNames kGroupNorm = {{"batch", "positions", "channels", "groups"}};
constexpr Size kGroupNormValues = product("batch", "positions", "channels");
constexpr Size kChannels = product("channels");
constexpr Size kPerGroup = product("batch", "groups");

GroupNormShape group_norm_shape(const KernelArgs& a) {
  return {a.dim("batch"), a.dim("positions"), a.dim("channels"), a.dim("groups")};
}

constexpr ScalarArg kFilterToken = {"filterToken", ScalarType::integer};

// A depthwise convolution's geometry: one group per input channel, each with out/in outputs.
ConvGeometry depthwise_geometry(const KernelArgs& a) {
  ConvGeometry g = conv_geometry(a);
  if (g.in_channels <= 0 || g.out_channels % g.in_channels != 0) {
    throw std::invalid_argument("a depthwise convolution needs outChannels (" +
                                std::to_string(g.out_channels) +
                                ") to be a multiple of inChannels (" +
                                std::to_string(g.in_channels) + ")");
  }
  g.groups = g.in_channels;
  return g;
}

// The five inputs both ST-LSTM kernels read.
StLstmMemories st_lstm_inputs(const KernelArgs& a) {
  return {a.in("xGates"), a.in("hGates"), a.in("mGates"), a.in("cPrev"), a.in("mPrev")};
}

constexpr KernelSpec kKernels[] = {
    {.name = "convForward",
     .dims = kConvGeometry,
     .scalars = {kFilterToken},
     .tensors = {{"x", in, kConvInput}, {"filter", in, kConvFilter}, {"y", out, kConvOutput}},
     .run = [](const KernelArgs& a) {
       conv_forward(conv_geometry(a), a.in("x"), a.in("filter"), a.integer("filterToken"),
                    a.out("y"));
     }},
    {.name = "convBackwardInput",
     .dims = kConvGeometry,
     .scalars = {kFilterToken},
     .tensors = {{"dy", in, kConvOutput}, {"filter", in, kConvFilter}, {"dx", out, kConvInput}},
     .run = [](const KernelArgs& a) {
       conv_backward_input(conv_geometry(a), a.in("dy"), a.in("filter"),
                           a.integer("filterToken"), a.out("dx"));
     }},
    {.name = "convBackwardFilter",
     .dims = kConvGeometry,
     .scalars = {},
     .tensors = {{"x", in, kConvInput}, {"dy", in, kConvOutput}, {"dFilter", out, kConvFilter}},
     .run = [](const KernelArgs& a) {
       conv_backward_filter(conv_geometry(a), a.in("x"), a.in("dy"), a.out("dFilter"));
     }},
    {.name = "depthwiseConvForward",
     .dims = kConvGeometry,
     .scalars = {kFilterToken},
     .tensors = {{"x", in, kConvInput},
                 {"filter", in, kDepthwiseFilter},
                 {"y", out, kConvOutput}},
     .run = [](const KernelArgs& a) {
       conv_forward(depthwise_geometry(a), a.in("x"), a.in("filter"), a.integer("filterToken"),
                    a.out("y"));
     }},
    {.name = "depthwiseConvBackwardInput",
     .dims = kConvGeometry,
     .scalars = {kFilterToken},
     .tensors = {{"dy", in, kConvOutput},
                 {"filter", in, kDepthwiseFilter},
                 {"dx", out, kConvInput}},
     .run = [](const KernelArgs& a) {
       conv_backward_input(depthwise_geometry(a), a.in("dy"), a.in("filter"),
                           a.integer("filterToken"), a.out("dx"));
     }},
    {.name = "depthwiseConvBackwardFilter",
     .dims = kConvGeometry,
     .scalars = {},
     .tensors = {{"x", in, kConvInput},
                 {"dy", in, kConvOutput},
                 {"dFilter", out, kDepthwiseFilter}},
     .run = [](const KernelArgs& a) {
       conv_backward_filter(depthwise_geometry(a), a.in("x"), a.in("dy"), a.out("dFilter"));
     }},
    {.name = "groupNormSilu",
     .dims = kGroupNorm,
     .scalars = {{"epsilon", ScalarType::number}},
     .tensors = {{"x", in, kGroupNormValues},
                 {"gamma", in, kChannels},
                 {"beta", in, kChannels},
                 {"y", out, kGroupNormValues},
                 {"mean", out, kPerGroup},
                 {"variance", out, kPerGroup}},
     .run = [](const KernelArgs& a) {
       group_norm_silu_forward(group_norm_shape(a), a.number("epsilon"), a.in("x"),
                               a.in("gamma"), a.in("beta"), a.out("y"), a.out("mean"),
                               a.out("variance"));
     }},
    {.name = "groupNormSiluGrad",
     .dims = kGroupNorm,
     .scalars = {{"epsilon", ScalarType::number}},
     .tensors = {{"x", in, kGroupNormValues},
                 {"gamma", in, kChannels},
                 {"beta", in, kChannels},
                 {"mean", in, kPerGroup},
                 {"variance", in, kPerGroup},
                 {"dy", in, kGroupNormValues},
                 {"dx", out, kGroupNormValues},
                 {"dGamma", out, kChannels},
                 {"dBeta", out, kChannels}},
     .run = [](const KernelArgs& a) {
       group_norm_silu_backward(group_norm_shape(a), a.number("epsilon"), a.in("x"),
                                a.in("gamma"), a.in("beta"), a.in("mean"), a.in("variance"),
                                a.in("dy"), a.out("dx"), a.out("dGamma"), a.out("dBeta"));
     }},
    {.name = "convLstmGates",
     .dims = kCell,
     .scalars = {},
     .tensors = {{"gates", in, kGates4},
                 {"cPrev", in, kState},
                 {"c", out, kState},
                 {"h", out, kState}},
     .run = [](const KernelArgs& a) {
       conv_lstm_gates(a.dim("positions"), a.dim("channels"), a.in("gates"), a.in("cPrev"),
                       a.out("c"), a.out("h"));
     }},
    {.name = "convLstmGatesGrad",
     .dims = kCell,
     .scalars = {},
     .tensors = {{"gates", in, kGates4},
                 {"cPrev", in, kState},
                 {"dc", in, kState},
                 {"dh", in, kState},
                 {"dGates", out, kGates4},
                 {"dcPrev", out, kState}},
     .run = [](const KernelArgs& a) {
       conv_lstm_gates_grad(a.dim("positions"), a.dim("channels"), a.in("gates"),
                            a.in("cPrev"), a.in("dc"), a.in("dh"), a.out("dGates"),
                            a.out("dcPrev"));
     }},
    {.name = "stLstmMemories",
     .dims = kCell,
     .scalars = {{"forgetBias", ScalarType::number}},
     .tensors = {{"xGates", in, kXGates},
                 {"hGates", in, kHGates},
                 {"mGates", in, kMGates},
                 {"cPrev", in, kState},
                 {"mPrev", in, kState},
                 {"c", out, kState},
                 {"m", out, kState},
                 {"oPartial", out, kState}},
     .run = [](const KernelArgs& a) {
       st_lstm_memories(a.dim("positions"), a.dim("channels"), a.number("forgetBias"),
                        st_lstm_inputs(a), a.out("c"), a.out("m"), a.out("oPartial"));
     }},
    {.name = "stLstmMemoriesGrad",
     .dims = kCell,
     .scalars = {{"forgetBias", ScalarType::number}},
     .tensors = {{"xGates", in, kXGates},
                 {"hGates", in, kHGates},
                 {"mGates", in, kMGates},
                 {"cPrev", in, kState},
                 {"mPrev", in, kState},
                 {"dc", in, kState},
                 {"dm", in, kState},
                 {"dOPartial", in, kState},
                 {"dxGates", out, kXGates},
                 {"dhGates", out, kHGates},
                 {"dmGates", out, kMGates},
                 {"dcPrev", out, kState},
                 {"dmPrev", out, kState}},
     .run = [](const KernelArgs& a) {
       st_lstm_memories_grad(a.dim("positions"), a.dim("channels"), a.number("forgetBias"),
                             st_lstm_inputs(a), a.in("dc"), a.in("dm"), a.in("dOPartial"),
                             a.out("dxGates"), a.out("dhGates"), a.out("dmGates"),
                             a.out("dcPrev"), a.out("dmPrev"));
     }},
    {.name = "lstmOutput",
     .dims = {{"size"}},
     .scalars = {},
     .tensors = {{"a", in, product("size")},
                 {"b", in, product("size")},
                 {"l", in, product("size")},
                 {"h", out, product("size")}},
     .run = [](const KernelArgs& a) {
       lstm_output(a.dim("size"), a.in("a"), a.in("b"), a.in("l"), a.out("h"));
     }},
    {.name = "lstmOutputGrad",
     .dims = {{"size"}},
     .scalars = {},
     .tensors = {{"a", in, product("size")},
                 {"b", in, product("size")},
                 {"l", in, product("size")},
                 {"dh", in, product("size")},
                 {"dPre", out, product("size")},
                 {"dl", out, product("size")}},
     .run = [](const KernelArgs& a) {
       lstm_output_grad(a.dim("size"), a.in("a"), a.in("b"), a.in("l"), a.in("dh"),
                        a.out("dPre"), a.out("dl"));
     }},
    {.name = "layerNorm",
     .dims = kRows,
     .scalars = {{"epsilon", ScalarType::number}},
     .tensors = {{"x", in, kRowValues},
                 {"gamma", in, kRow},
                 {"beta", in, kRow},
                 {"y", out, kRowValues},
                 {"mean", out, kPerRow},
                 {"variance", out, kPerRow}},
     .run = [](const KernelArgs& a) {
       layer_norm_forward(a.dim("rows"), a.dim("width"), a.number("epsilon"), a.in("x"),
                          a.in("gamma"), a.in("beta"), a.out("y"), a.out("mean"),
                          a.out("variance"));
     }},
    {.name = "layerNormGrad",
     .dims = kRows,
     .scalars = {{"epsilon", ScalarType::number}},
     .tensors = {{"x", in, kRowValues},
                 {"gamma", in, kRow},
                 {"beta", in, kRow},
                 {"mean", in, kPerRow},
                 {"variance", in, kPerRow},
                 {"dy", in, kRowValues},
                 {"dx", out, kRowValues},
                 {"dGamma", out, kRow},
                 {"dBeta", out, kRow}},
     .run = [](const KernelArgs& a) {
       layer_norm_backward(a.dim("rows"), a.dim("width"), a.number("epsilon"), a.in("x"),
                           a.in("gamma"), a.in("beta"), a.in("mean"), a.in("variance"),
                           a.in("dy"), a.out("dx"), a.out("dGamma"), a.out("dBeta"));
     }},
    // Row r's `width` 32-bit values from src + r·srcStride to dst + r·dstStride (strides in
    // values). Split and concat along any axis are this copy; wasm does them value by value.
    {.name = "copyBlocks",
     .dims = {{"rows", "width", "srcStride", "dstStride"}},
     .scalars = {},
     .tensors = {{"src", in, strided("rows", "srcStride", "width")},
                 {"dst", out, strided("rows", "dstStride", "width")}},
     .run = [](const KernelArgs& a) {
       int64_t rows = a.dim("rows"), width = a.dim("width");
       int64_t src_stride = a.dim("srcStride"), dst_stride = a.dim("dstStride");
       // Overlapping rows would be inside the heap, but not a copy anyone meant.
       if (src_stride < width || dst_stride < width) {
         throw std::invalid_argument("strides must be at least the width");
       }
       if (width == 0) return;
       const float* src = a.in("src");
       float* dst = a.out("dst");
       for (int64_t r = 0; r < rows; ++r) {
         std::memcpy(dst + r * dst_stride, src + r * src_stride, width * sizeof(float));
       }
     }},
};

// Whether `name` is one of the first `count` entries of `names`.
template <typename Names>
constexpr bool declared(const char* name, const Names& names, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    if (same_name(name, names[i])) return true;
  }
  return false;
}

constexpr bool size_declared(const char* dim, const KernelSpec& k) {
  return dim == nullptr || declared(dim, k.dims.at, k.dim_count());
}

// Every size names only the row's own dimensions, and every name appears once in its row.
constexpr bool consistent(const KernelSpec& k) {
  const char* names[kMaxDims + kMaxScalars + kMaxTensors] = {};
  size_t n = 0;
  for (size_t i = 0; i < k.dim_count(); ++i) names[n++] = k.dims.at[i];
  for (size_t i = 0; i < k.scalar_count(); ++i) names[n++] = k.scalars[i].name;
  for (size_t i = 0; i < k.tensor_count(); ++i) {
    const Size& s = k.tensors[i].size;
    for (const Factor& f : s.factors) {
      if (!size_declared(f.dim, k)) return false;
    }
    if (!size_declared(s.rows, k) || !size_declared(s.stride, k) || !size_declared(s.width, k)) {
      return false;
    }
    names[n++] = k.tensors[i].name;
  }
  for (size_t i = 0; i < n; ++i) {
    if (declared(names[i], names, i)) return false;
  }
  return k.run != nullptr;
}

constexpr bool consistent_table() {
  for (const KernelSpec& k : kKernels) {
    if (!consistent(k)) return false;
  }
  return true;
}
static_assert(consistent_table(),
              "a kernel's size names an undeclared dimension, or a name repeats");

[[noreturn]] void undeclared(const KernelSpec& spec, const char* name, const char* what) {
  throw std::logic_error(std::string(spec.name) + " asks for " + what + " " + name +
                         ", which its table row does not declare");
}

}  // namespace

KernelTable kernel_table() { return {std::begin(kKernels), std::end(kKernels)}; }

ConvGeometry conv_geometry(const KernelArgs& a) {
  return {a.dim("batch"),        a.dim("inHeight"),      a.dim("inWidth"),
          a.dim("inChannels"),   a.dim("outHeight"),     a.dim("outWidth"),
          a.dim("outChannels"),  a.dim("filterHeight"),  a.dim("filterWidth"),
          a.dim("strideHeight"), a.dim("strideWidth"),   a.dim("dilationHeight"),
          a.dim("dilationWidth"), a.dim("padTop"),       a.dim("padLeft"),
          a.dim("padBottom"),    a.dim("padRight")};
}

size_t KernelArgs::dim_index(const char* name) const {
  for (size_t i = 0; i < spec_.dim_count(); ++i) {
    if (same_name(name, spec_.dims.at[i])) return i;
  }
  undeclared(spec_, name, "dimension");
}

size_t KernelArgs::scalar(const char* name, ScalarType type) const {
  for (size_t i = 0; i < spec_.scalar_count(); ++i) {
    if (same_name(name, spec_.scalars[i].name) && spec_.scalars[i].type == type) return i;
  }
  undeclared(spec_, name, type == ScalarType::number ? "number" : "integer");
}

float* KernelArgs::tensor(const char* name, Direction direction) const {
  for (size_t i = 0; i < spec_.tensor_count(); ++i) {
    const TensorArg& t = spec_.tensors[i];
    if (same_name(name, t.name) && t.direction == direction) return tensors[i];
  }
  undeclared(spec_, name, direction == Direction::in ? "input" : "output");
}

}  // namespace tmu
