#!/usr/bin/env python3
"""Vendor baselines on the GPU machine for BENCHMARKS.md's GPU targets, measured in the same call as grow4j's
OpenCL kernels: cuBLAS float32 matmul (TF32 off, so it is the same arithmetic as grow4j's fp32 kernel) at the
bench's sizes, and a device-to-device copy (the ceiling for the pad kernel, bytes read + written). Medians of CUDA
event timings after warm-up, random inputs."""
import json, sys, torch

def median_ms(fn, reps=20, warm=5):
    for _ in range(warm): fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record(); fn(); b.record(); torch.cuda.synchronize(); times.append(a.elapsed_time(b))
    times.sort(); return times[len(times) // 2]

torch.backends.cuda.matmul.allow_tf32 = False
res = dict(device=torch.cuda.get_device_name(0), torch=torch.__version__)
for n in (512, 1024, 4096):
    x, y = torch.randn(n, n, device="cuda"), torch.randn(n, n, device="cuda")
    ms = median_ms(lambda: x @ y)
    res[f"matmul_{n}_fp32_gflops"] = 2 * n**3 / (ms * 1e6)
for mib in (32, 256, 2048):
    src = torch.randn(mib * 2**18, device="cuda"); dst = torch.empty_like(src)
    ms = median_ms(lambda: dst.copy_(src))
    res[f"copy_{mib}MiB_GBps_read_plus_write"] = 2 * mib * 2**20 / (ms * 1e6)
for n in (4096,):
    w, v = torch.randn(n, n, device="cuda"), torch.randn(n, device="cuda")
    ms = median_ms(lambda: w @ v)
    res[f"matvec_{n}_fp32_gflops"] = 2 * n * n / (ms * 1e6)
json.dump(res, sys.stdout, indent=1); print()
