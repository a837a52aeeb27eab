#!/bin/bash
# Builds .gpu/ and .gl/ (both git-ignored) for bench/gpu.sh: what the device machine (no network, at most 64 MiB
# carried) needs to train on --backend webgpu. Run here, from the repository root, after `npm ci`:
#   bash bench/gpu-prepare.sh
# then, on the device: run `bash bench/gpu.sh` with carry [".gpu", ".gl"].
set -euo pipefail
rm -rf .gpu && mkdir -p .gpu/node_modules .gl
work=$(mktemp -d)
# Dawn (webgpu, only its linux-x64 binary) and TF.js's webgpu backend, at the versions measured offline here.
(cd "$work" && npm init -y >/dev/null && npm install --no-audit --no-fund --ignore-scripts \
  webgpu@0.6.2 @tensorflow/tfjs-backend-webgpu@4.22.0 @tensorflow/tfjs@4.22.0 >/dev/null)
mkdir -p .gpu/node_modules/webgpu/dist
cp "$work/node_modules/webgpu/index.js" "$work/node_modules/webgpu/package.json" .gpu/node_modules/webgpu/
cp -r "$work/node_modules/webgpu/dist/linux-x64" .gpu/node_modules/webgpu/dist/
# The benchmark with TF.js and its webgpu backend in one file (one TF.js instance), Dawn left outside.
ln -s "$work/node_modules/@tensorflow/tfjs-backend-webgpu" node_modules/@tensorflow/tfjs-backend-webgpu 2>/dev/null || true
npx esbuild bench/gpu.ts --bundle --platform=node --format=esm --external:webgpu \
  --banner:js="import { createRequire } from 'module'; const require = createRequire(import.meta.url);" \
  --outfile=.gpu/gpu-bench.mjs --log-level=warning
rm -f node_modules/@tensorflow/tfjs-backend-webgpu
# The wasm backend's losses on this machine: what webgpu's first 20 losses are checked against.
node --import tsx bench/gpu.ts --reference .gpu/reference.json
# Node for a machine without one.
xz -T2 -6 -c "$(readlink -f "$(command -v node)")" > .gpu/node.xz
# Vulkan and EGL loaders (the device tool's README): unpacked there before Dawn looks for a driver.
o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
mkdir -p /tmp/amd64/partial
apt-get $o update >/dev/null
(cd .gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 >/dev/null)
rm -rf "$work"
du -sh .gpu .gl
