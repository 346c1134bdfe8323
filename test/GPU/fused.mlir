// The fused FWHT + per-token quantization kernel against the CPU path
// (Hadamard, then quantize): codes within one step where a value sits at a
// rounding boundary, scales to 1e-5. Sizes 4096 (f16, 2^12) and 11008
// (bf16, looped 344 factor), rows with an outlier channel.
// REQUIRES: cuda, numpy
// RUN: %python -c "import numpy as np; r = np.random.default_rng(2); \
// RUN:   a = r.standard_normal((67, 4096)); a[:, 5] *= 100; np.save('%t.a.npy', a.astype('float16')); \
// RUN:   b = r.standard_normal((9, 11008)); b[0, 77] = 1500; np.save('%t.b.npy', b.astype('float32'))"
// RUN: rotq-run %s -e f4096 --device=cuda --input %t.a.npy --output %t.qg.npy --output %t.sg.npy
// RUN: rotq-run %s -e f4096 --input %t.a.npy --output %t.qc.npy --output %t.sc.npy
// RUN: %python %S/Inputs/check_codes.py %t.qg.npy %t.qc.npy %t.sg.npy %t.sc.npy | FileCheck %s
// RUN: rotq-run %s -e f11008 --device=cuda --input %t.b.npy --output %t.qg2.npy --output %t.sg2.npy
// RUN: rotq-run %s -e f11008 --input %t.b.npy --output %t.qc2.npy --output %t.sc2.npy
// RUN: %python %S/Inputs/check_codes.py %t.qg2.npy %t.qc2.npy %t.sg2.npy %t.sc2.npy | FileCheck %s
// CHECK: OK
func.func @f4096(%x: tensor<?x4096xf16>) -> (tensor<?x4096xi8>, tensor<?x1xf32>) {
  %y = rotq.hadamard %x : tensor<?x4096xf16>
  %q, %s = rotq.quantize %y {bits = 4, granularity = #rotq.granularity<row>, clip_ratio = 0.9}
      : tensor<?x4096xf16> -> tensor<?x4096xi8>, tensor<?x1xf32>
  return %q, %s : tensor<?x4096xi8>, tensor<?x1xf32>
}
func.func @f11008(%x: tensor<?x11008xbf16>) -> (tensor<?x11008xi8>, tensor<?x1xf32>) {
  %y = rotq.hadamard %x : tensor<?x11008xbf16>
  %q, %s = rotq.quantize %y {bits = 8, granularity = #rotq.granularity<row>}
      : tensor<?x11008xbf16> -> tensor<?x11008xi8>, tensor<?x1xf32>
  return %q, %s : tensor<?x11008xi8>, tensor<?x1xf32>
}
