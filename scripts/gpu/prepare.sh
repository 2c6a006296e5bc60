#!/usr/bin/env bash
# Prepares .gpu/ for scripts/gpu/device-check.sh: builds the command-line jar, bundles a Java 25 runtime and the
# OpenCL loader (../shared/gpu/bundle.sh), and drops the native libraries the checks do not use (other platforms,
# ONNX Runtime, the tokenizers library that train needs only for a tokenizer.json) so the
# working tree that travels stays under the device tool's 64 MiB.
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
./grow4j --version >/dev/null 2>&1 || true          # builds cli/target/grow4j.jar when sources changed
bash ../shared/gpu/bundle.sh cli/target/grow4j.jar >/dev/null
zip -q -d .gpu/jars/grow4j.jar 'ai/onnxruntime/native/osx-*' 'ai/onnxruntime/native/win-*' \
  'ai/onnxruntime/native/linux-*' 'win/*' 'linux/libaparapi_aarch64.so' 'linux/libaparapi_armhf.so' \
  'linux/libaparapi_x86.so' 'lib/*arm*' 'lib/*windows*' 'lib/*apple*' 'lib/*.dll' 'lib/*.dylib' 'native/lib/*' || true
du -sh .gpu
