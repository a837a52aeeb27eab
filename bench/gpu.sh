#!/bin/bash
# The trainer's GPU check (Trainer II), run on the device machine from the repository root with .gpu and .gl
# carried (bench/gpu-prepare.sh builds them here): the WebGPU adapter, tokens/s of d_model 128/256/512/1024 on
# --backend webgpu, their first 20 losses against wasm's, and PyTorch CUDA on the same shapes. Results in
# $OUT/ (webgpu.json, torch.json, log.txt) and on stdout.
set -uo pipefail
OUT=${OUT:-/tmp/gpu-out}
mkdir -p "$OUT"
exec > >(tee "$OUT/log.txt") 2>&1
for f in .gl/*.deb; do dpkg -x "$f" /; done
ldconfig
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -f "$icd" ] && export VK_DRIVER_FILES=$icd
egl=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
[ -f "$egl" ] && export __EGL_VENDOR_LIBRARY_FILENAMES=$egl
nvidia-smi -L || true
if command -v node >/dev/null; then NODE=node; else
  xz -dc .gpu/node.xz > /tmp/node && chmod +x /tmp/node && NODE=/tmp/node
fi
echo "node $($NODE --version)"
echo "== webgpu"
timeout 420 "$NODE" .gpu/gpu-bench.mjs .gpu/reference.json > "$OUT/webgpu.json"
echo "exit $?"; cat "$OUT/webgpu.json"
echo "== PyTorch CUDA"
timeout 120 python3 bench/gpu_torch.py --d-model 128 256 512 1024 > "$OUT/torch.json"
echo "exit $?"; cat "$OUT/torch.json"
