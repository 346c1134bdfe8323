// scripts/gpu_cases.py, which checks the kernels on a GPU machine that has
// only a driver, tested here on the CPU: `prepare --cpu` compiles the same
// cases as CPU libraries, and `run` calls them through python/rotq_lib.py
// against the rotq-run references (identical on the same device). Without
// a GPU, a CUDA library's calls fail with the runtime's reason.
// REQUIRES: numpy
// RUN: rm -rf %t.cpu %t.gpu
// RUN: %python %S/../../scripts/gpu_cases.py prepare %rotq_build %t.cpu --cpu > /dev/null
// RUN: %python %S/../../scripts/gpu_cases.py run %t.cpu | FileCheck %s
// CHECK: hadamard_11008_f32     ok    rel 0.00e+00
// CHECK: fused_4096_f16         ok    codes max diff 0, 0 of 274432 differ; scales rel 0.0e+00
// CHECK: duquant_4096_f16        ok    codes max diff 0, 0 of 274432 differ; scales rel 0.0e+00; zero points max diff 0
// CHECK: duquant_1216_bf16       ok
// CHECK: model_w4a4kv4          ok
// CHECK: model_duquant_w4a4     ok
// CHECK: gpu cases: 22 passed, 0 failed
// RUN: rotq-compile %S/../GPU/quantize.mlir -e sym4 --device=cuda -o %t.q.so
// RUN: not %python -c "import sys, numpy as np; sys.path.insert(0, '%S/../../python'); import rotq_lib; \
// RUN:   rotq_lib.Library('%t.q.so', 'sym4')(np.zeros((45, 1000), np.float32))" 2>&1 | FileCheck %s --check-prefix=NOGPU
// NOGPU: RuntimeError: running sym4 on the GPU failed: {{.+}}
// UNSUPPORTED: cuda
