// rotq.error_projection, evaluated offline (rotq-run before lowering, and
// rotq-materialize into the checkpoint): (w - wq) p^T against float64
// NumPy on the weight, the quantized weight rotq returns and the
// directions, to f32 rounding; the materialized module gives the same
// values bit for bit and keeps no offline op.
// REQUIRES: numpy
// RUN: rm -rf %t && mkdir -p %t
// RUN: rotq-run %s -e f --output %t/w.npy --output %t/wq.npy --output %t/p.npy --output %t/c.npy
// RUN: %python -c "import numpy as np; l = lambda n: np.load('%t/' + n + '.npy').astype(np.float64); \
// RUN:   w, wq, p, c = l('w'), l('wq'), l('p'), l('c'); assert np.abs(w - wq).max() > 0.01; \
// RUN:   ref = (w - wq) @ p.T; e = np.abs(c - ref).max() / np.abs(ref).max(); print('rel %.2e' % e); assert e < 1e-6"
// RUN: rotq-materialize %s -o %t/out --quiet
// RUN: rotq-run %t/out/model.mlir -e f --output %t/w2.npy --output %t/wq2.npy --output %t/p2.npy --output %t/c2.npy
// RUN: %python %inputs/ref_ops.py equal %t/c.npy %t/c2.npy
// RUN: FileCheck %s --input-file=%t/out/model.mlir
// CHECK-NOT: rotq.error_projection
// CHECK-NOT: rotq.quantize
func.func @f() -> (tensor<6x16xf32>, tensor<6x16xf32>, tensor<2x16xf32>, tensor<6x2xf32>) {
  %w = arith.constant dense<[[0.034, 1.36, 1.225, -0.51, -0.298, -0.527, 0.57, -0.056, 0.747, -1.847, 1.567, -0.096, 0.68, -0.137, -0.379, 0.463], [0.825, -0.203, -0.153, 0.686, -0.87, -1.514, 0.395, -0.671, -1.92, -0.814, -0.468, -1.193, -1.492, 0.037, 0.897, -0.233], [-0.744, 0.385, 0.717, -0.3, 0.545, 1.043, -0.207, -0.814, 0.348, 0.248, 1.099, -1.285, -0.662, -0.838, -1.734, 0.126], [0.528, -0.739, 1.386, 0.822, 0.627, 0.402, 0.956, -1.332, 0.614, 0.603, -1.768, 0.347, -0.25, 0.782, -0.439, -0.018], [0.343, -0.876, 0.599, -0.105, 0.492, -0.522, 1.086, 0.605, -0.178, 0.632, 1.26, 1.791, -1.574, 0.883, 0.465, -0.094], [-1.007, 1.257, -1.262, 0.567, 1.302, -1.6, -0.303, -1.309, 0.244, 1.514, 2.024, -1.778, -0.575, 0.704, 1.579, 0.421]]> : tensor<6x16xf32>
  %p = arith.constant dense<[[-0.746, 0.297, -0.017, -0.204, -0.734, 0.387, 0.308, -0.093, -0.222, -1.285, -0.486, 1.206, -0.191, -1.44, 1.334, 0.53], [2.108, 0.063, -0.461, -1.448, 1.324, 2.57, -0.821, -0.647, 0.596, -0.83, -0.271, -0.35, 0.192, 1.095, 0.022, 0.919]]> : tensor<2x16xf32>
  %q, %s = rotq.quantize %w {bits = 3, granularity = #rotq.granularity<row>, clip_search = 0.8} : tensor<6x16xf32> -> tensor<6x16xi8>, tensor<6x1xf32>
  %wq = rotq.dequantize %q scale(%s : tensor<6x1xf32>) : tensor<6x16xi8> -> tensor<6x16xf32>
  %c = rotq.error_projection %w, %wq directions(%p : tensor<2x16xf32>) : tensor<6x16xf32> -> tensor<6x2xf32>
  return %w, %wq, %p, %c : tensor<6x16xf32>, tensor<6x16xf32>, tensor<2x16xf32>, tensor<6x2xf32>
}
