{
  "targets": [
    {
      "target_name": "tmu_onednn",
      "sources": ["src/addon.cc", "src/convolution.cc", "src/lstm.cc", "src/layer_norm.cc"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-ffast-math", "-fopenmp"],
      "libraries": ["-ldnnl", "-fopenmp"]
    }
  ]
}
