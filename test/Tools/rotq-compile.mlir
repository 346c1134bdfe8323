// rotq-compile writes a shared library that runs without MLIR: called from
// Python (python/rotq_lib.py) it gives exactly what rotq-run gives, for
// several results, a dynamic dimension and bf16 data. A CUDA library builds
// without a GPU (the lowering rotq-run --device=cuda uses) and carries its
// signature and kernels.
// REQUIRES: numpy
// RUN: %python %inputs/randn.py %t.x.npy 3 5 256
// RUN: rotq-compile %s -e f -o %t.cpu.so
// RUN: %python %rotq_lib %t.cpu.so f --input %t.x.npy --output %t.q.npy --output %t.s.npy --output %t.y.npy
// RUN: rotq-run %s -e f --input %t.x.npy --output %t.rq.npy --output %t.rs.npy --output %t.ry.npy
// RUN: %python %inputs/compare.py %t.q.npy %t.rq.npy 0
// RUN: %python %inputs/compare.py %t.s.npy %t.rs.npy 0
// RUN: %python %inputs/compare.py %t.y.npy %t.ry.npy 0
// RUN: %python -c "import sys; sys.path.insert(0, '%S/../../python'); import rotq_lib; \
// RUN:   l = rotq_lib.Library('%t.cpu.so', 'f'); print(l.args, l.results, l.gpu)" | FileCheck %s --check-prefix=SIG
// RUN: rotq-compile %s -e f --device=cuda --chip=sm_80 -o %t.gpu.so
// RUN: %python -c "import sys; sys.path.insert(0, '%S/../../python'); import rotq_lib; \
// RUN:   l = rotq_lib.Library('%t.gpu.so', 'f'); print(l.args, l.results, l.gpu)" | FileCheck %s --check-prefix=GPU
// RUN: not rotq-compile %s -e f -o %s 2>&1 | FileCheck %s --check-prefix=OVERWRITE
// RUN: not rotq-compile %s -e g -o %t.x.so 2>&1 | FileCheck %s --check-prefix=NOFUNC
// RUN: not rotq-compile %s -e f --device=cuda --chip=sm_9x -o %t.x.so 2>&1 | FileCheck %s --check-prefix=CHIP
// SIG: [('bf16', [None, 256])] [('i8', [None, 256]), ('f32', [None, 1]), ('bf16', [None, 256])] False
// GPU: [('bf16', [None, 256])] [('i8', [None, 256]), ('f32', [None, 1]), ('bf16', [None, 256])] True
// OVERWRITE: refusing to overwrite the input
// NOFUNC: no function @g
// CHIP: unknown chip 'sm_9x'
func.func @f(%x: tensor<?x256xbf16>) -> (tensor<?x256xi8>, tensor<?x1xf32>, tensor<?x256xbf16>) {
  %y = rotq.hadamard %x : tensor<?x256xbf16>
  %q, %s = rotq.quantize %y {bits = 4, granularity = #rotq.granularity<row>, clip_ratio = 0.9}
      : tensor<?x256xbf16> -> tensor<?x256xi8>, tensor<?x1xf32>
  %z = rotq.hadamard %x {transpose} : tensor<?x256xbf16>
  return %q, %s, %z : tensor<?x256xi8>, tensor<?x1xf32>, tensor<?x256xbf16>
}
