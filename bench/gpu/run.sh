#!/usr/bin/env bash
# Our webgpu backend against PyTorch on CUDA, per training iteration (bench/gpu/README.md).
# Needs only bash, python3 with torch, and tmu-gpu-bench.tar.xz from bench/gpu/build.ts beside
# this script or in ./dist/. Usage:
#   bench/gpu/run.sh [OUT_DIR] [--allow-software] [--shapes 2x16x4,…] [--timings N] [--torch-device cpu] …
# OUT_DIR (or $OUT) receives gpu.json; the other options go to gpu-bench.mjs.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${OUT:-}"
if [[ $# -gt 0 && "$1" != --* ]]; then out="$1"; shift; fi
if [[ -z "$out" ]]; then
  echo "run.sh: say where gpu.json goes: bench/gpu/run.sh OUT_DIR, or set OUT" >&2
  exit 2
fi
python="${PYTHON:-python3}"
allow_software=()
for arg in "$@"; do [[ "$arg" == --allow-software ]] && allow_software=(--allow-software); done

archive=""
for candidate in "$here/tmu-gpu-bench.tar.xz" "$here/dist/tmu-gpu-bench.tar.xz"; do
  [[ -f "$candidate" ]] && { archive="$candidate"; break; }
done
if [[ -z "$archive" ]]; then
  echo "run.sh: no tmu-gpu-bench.tar.xz beside $here or in $here/dist (build it with: node --import tsx bench/gpu/build.ts)" >&2
  exit 2
fi

# Python is the one tool this machine is sure to have; its tarfile reads xz without xz-utils.
work="$(mktemp -d "${TMPDIR:-/tmp}/tmu-gpu-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
"$python" -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$archive" "$work"
bundle="$work/tmu-gpu-bench"
node="$bundle/bin/node"
export LD_LIBRARY_PATH="$bundle/vulkan${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
echo "node $("$node" --version), torch $("$python" -c 'import torch; print(torch.__version__, "cuda", torch.version.cuda, "available" if torch.cuda.is_available() else "unavailable")')"

check_adapter() { "$node" "$bundle/bench/gpu-bench.mjs" --check-adapter ${allow_software[@]+"${allow_software[@]}"}; }
if ! check_adapter; then
  # The loader found no driver of its own accord: NVIDIA containers put the ICD off its path.
  found=""
  if [[ -z "${VK_ICD_FILENAMES:-}${VK_DRIVER_FILES:-}" ]]; then
    for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json \
      /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json \
      /usr/local/share/vulkan/icd.d/nvidia_icd.json; do
      [[ -f "$icd" ]] && { found="$icd"; break; }
    done
  fi
  if [[ -z "$found" ]]; then
    echo "run.sh: no usable WebGPU adapter (for NVIDIA in a container, the Vulkan ICD needs NVIDIA_DRIVER_CAPABILITIES with graphics; point VK_DRIVER_FILES at nvidia_icd.json)" >&2
    exit 1
  fi
  echo "retrying with VK_DRIVER_FILES=$found"
  export VK_DRIVER_FILES="$found" VK_ICD_FILENAMES="$found"
  check_adapter
fi

mkdir -p "$out"
"$node" "$bundle/bench/gpu-bench.mjs" --out "$out" --python "$python" "$@"
