#!/usr/bin/env bash
# One call on the GPU machine (device tool), from the project root, after ../shared/gpu/bundle.sh cli/target/grow4j.jar:
#   run command: bash scripts/gpu/device-check.sh   carry: [".gpu"]
# Writes under $OUT: env.txt (GPU, OpenCL devices, vendor baselines), hf.json/hf.log (transformers cross-check),
# bench.json/bench.txt (grow4j kernels, cpu and OpenCL), demo.txt (demo on the OpenCL backend).
# XC_ONLY=a,b limits the cross-check to some families; PROFILE_BENCH=1 adds the kernels under devices/nvidia.yaml
# (bench-nvidia.txt); SKIP_BENCH=1 leaves out the full bench.
set -uo pipefail
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
source .gpu/env.sh
J="java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -jar .gpu/jars/grow4j.jar"
export PYTHONUNBUFFERED=1
{ date -u; nproc; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,memory.total --format=csv
  ls /usr/local/nvidia/lib64 2>/dev/null | grep -i opencl; ldconfig -p | grep -i opencl
  echo "== grow4j devices"; timeout 60 $J devices 2>&1
  echo "== torch baselines"; timeout 90 python3 scripts/gpu/torch_baselines.py 2>&1; } | tee "$OUT/env.txt"
echo "== transformers cross-check"
timeout ${XC_SECONDS:-200} python3 scripts/gpu/hf_crosscheck.py --work /tmp/xc --json "$OUT/hf.json" \
  --jobs 12 ${XC_ONLY:+--only $XC_ONLY} 2>&1 | tee "$OUT/hf.log"
echo "== demo --backend opencl"
timeout 90 $J demo --backend opencl > "$OUT/demo.txt" 2>&1; echo "demo rc $?" | tee -a "$OUT/demo.txt"
tail -5 "$OUT/demo.txt"
if [ -n "${PROFILE_BENCH:-}" ]; then
  echo "== bench --backend opencl --device-profile devices/nvidia.yaml (kernels only)"
  timeout 120 $J bench --backend opencl --no-forward --device-profile devices/nvidia.yaml 2>&1 | tee "$OUT/bench-nvidia.txt"
fi
[ -n "${SKIP_BENCH:-}" ] && exit 0
echo "== bench --backend cpu,opencl"
timeout ${BENCH_SECONDS:-200} $J bench --backend cpu,opencl --json "$OUT/bench.json" 2>&1 | tee "$OUT/bench.txt"
date -u
