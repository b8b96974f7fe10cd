{
  "targets": [
    {
      "target_name": "tmu_onednn",
      "sources": [
        "src/addon.cc",
        "src/kernel_table.cc",
        "src/convolution.cc",
        "src/cell_kernels.cc",
        "src/layer_norm.cc",
        "src/group_norm.cc"
      ],
      # C++20 for the kernel table's designated initialisers; every warning -Wextra knows,
      # including the unused parameters node-gyp's defaults silence.
      "cflags!": ["-Wno-unused-parameter"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      # IEEE float semantics (no -ffast-math: its finite-math assumption broke σ and tanh at
      # large inputs); exp may skip errno and traps so loops vectorise (src/math-simd.h).
      "cflags_cc": ["-std=c++20", "-Wall", "-Wextra", "-O3", "-fexceptions", "-fno-math-errno", "-fno-trapping-math", "-fopenmp"],
      "libraries": ["-ldnnl", "-fopenmp"]
    }
  ]
}
