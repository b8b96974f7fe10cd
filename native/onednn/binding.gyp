{
  "targets": [
    {
      "target_name": "tmu_onednn",
      "sources": ["src/addon.cc", "src/convolution.cc", "src/cell_kernels.cc", "src/layer_norm.cc"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      # IEEE float semantics (no -ffast-math: its finite-math assumption broke σ and tanh at
      # large inputs); exp may skip errno and traps so loops vectorise (src/math-simd.h).
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-fno-math-errno", "-fno-trapping-math", "-fopenmp"],
      "libraries": ["-ldnnl", "-fopenmp"]
    }
  ]
}
