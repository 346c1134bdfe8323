// rotq.rotate (dense, shared block, per block, transposed), rotq.permute
// and rotq.pack/unpack on the CPU against NumPy.
// REQUIRES: numpy
// RUN: %python %inputs/randn.py %t.x.npy 1 2 3 12
// RUN: %python %inputs/randn.py %t.d.npy 2 12 12
// RUN: %python %inputs/randn.py %t.b.npy 3 4 4
// RUN: %python %inputs/randn.py %t.p.npy 4 3 4 4
// RUN: rotq-run %s -e dense --input %t.x.npy --input %t.d.npy --output %t.y1.npy
// RUN: %python %inputs/ref_ops.py rotate %t.x.npy %t.d.npy %t.y1.npy | FileCheck %s
// RUN: rotq-run %s -e shared_t --input %t.x.npy --input %t.b.npy --output %t.y2.npy
// RUN: %python %inputs/ref_ops.py rotate %t.x.npy %t.b.npy %t.y2.npy --transpose | FileCheck %s
// RUN: rotq-run %s -e per_block --input %t.x.npy --input %t.p.npy --output %t.y3.npy
// RUN: %python %inputs/ref_ops.py rotate %t.x.npy %t.p.npy %t.y3.npy | FileCheck %s
// RUN: rotq-run %s -e perm --input %t.x.npy --output %t.y4.npy
// RUN: %python %inputs/ref_ops.py permute %t.x.npy %t.y4.npy 11,0,5,3,2,1,4,6,10,9,8,7 | FileCheck %s
// RUN: %python -c "import numpy as np; np.save('%t.q4.npy', np.random.default_rng(0).integers(-8, 8, (3, 16)).astype('int8')); np.save('%t.q2.npy', np.random.default_rng(1).integers(-2, 2, (3, 16)).astype('int8'))"
// RUN: rotq-run %s -e pack4 --input %t.q4.npy --output %t.p4.npy
// RUN: rotq-run %s -e unpack4 --input %t.p4.npy --output %t.r4.npy
// RUN: %python %inputs/ref_ops.py equal %t.q4.npy %t.r4.npy | FileCheck %s
// RUN: rotq-run %s -e pack2 --input %t.q2.npy --output %t.p2.npy
// RUN: rotq-run %s -e unpack2 --input %t.p2.npy --output %t.r2.npy
// RUN: %python %inputs/ref_ops.py equal %t.q2.npy %t.r2.npy | FileCheck %s
// Bytes of the hand-packed 4-bit codes [1, -2, 7, -8, 0...]: 0xE1, 0x87, 0...
// RUN: %python %inputs/hand.py %t.hand.npy '[[1, -2, 7, -8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]' int8
// RUN: rotq-run %s -e pack4 --input %t.hand.npy | FileCheck %s --check-prefix=BYTES
// CHECK: OK
// BYTES: [-31, -121, 0, 0, 0, 0, 0, 0]
func.func @dense(%x: tensor<2x3x12xf32>, %r: tensor<12x12xf32>) -> tensor<2x3x12xf32> {
  %y = rotq.rotate %x, %r : tensor<2x3x12xf32>, tensor<12x12xf32>
  return %y : tensor<2x3x12xf32>
}
func.func @shared_t(%x: tensor<2x3x12xf32>, %r: tensor<4x4xf32>) -> tensor<2x3x12xf32> {
  %y = rotq.rotate %x, %r {transpose} : tensor<2x3x12xf32>, tensor<4x4xf32>
  return %y : tensor<2x3x12xf32>
}
func.func @per_block(%x: tensor<2x3x12xf32>, %r: tensor<3x4x4xf32>) -> tensor<2x3x12xf32> {
  %y = rotq.rotate %x, %r : tensor<2x3x12xf32>, tensor<3x4x4xf32>
  return %y : tensor<2x3x12xf32>
}
func.func @perm(%x: tensor<2x3x12xf32>) -> tensor<2x3x12xf32> {
  %y = rotq.permute %x [11, 0, 5, 3, 2, 1, 4, 6, 10, 9, 8, 7] : tensor<2x3x12xf32>
  return %y : tensor<2x3x12xf32>
}
// Packing and unpacking are separate functions, chained through .npy
// files, so the unpack(pack(x)) folder cannot hide the lowering.
func.func @pack4(%q: tensor<?x16xi8>) -> tensor<?x8xi8> {
  %p = rotq.pack %q {bits = 4} : tensor<?x16xi8> -> tensor<?x8xi8>
  return %p : tensor<?x8xi8>
}
func.func @unpack4(%p: tensor<?x8xi8>) -> tensor<?x16xi8> {
  %u = rotq.unpack %p {bits = 4} : tensor<?x8xi8> -> tensor<?x16xi8>
  return %u : tensor<?x16xi8>
}
func.func @pack2(%q: tensor<3x16xi8>) -> tensor<3x4xi8> {
  %p = rotq.pack %q {bits = 2} : tensor<3x16xi8> -> tensor<3x4xi8>
  return %p : tensor<3x4xi8>
}
func.func @unpack2(%p: tensor<3x4xi8>) -> tensor<3x16xi8> {
  %u = rotq.unpack %p {bits = 2} : tensor<3x4xi8> -> tensor<3x16xi8>
  return %u : tensor<3x16xi8>
}
