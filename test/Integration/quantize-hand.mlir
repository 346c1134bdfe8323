// Quantizer semantics on hand-worked values.
// REQUIRES: numpy
// RUN: %python %inputs/hand.py %t.ties.npy '[[0.5,1.5,2.5,-0.5,-1.5,-2.5,9.5,-9.5]]'
// RUN: rotq-run %s -e ties --input %t.ties.npy | FileCheck %s --check-prefix=TIES
// RUN: %python %inputs/hand.py %t.clip.npy '[[14,-14,3.5,2.5]]'
// RUN: rotq-run %s -e clip --input %t.clip.npy | FileCheck %s --check-prefix=CLIP
// RUN: %python %inputs/hand.py %t.zeros.npy '[[0,0,0],[127,-1,0.5]]'
// RUN: rotq-run %s -e zeros --input %t.zeros.npy | FileCheck %s --check-prefix=ZEROS
// RUN: %python %inputs/hand.py %t.nonfinite.npy '[[nan,inf,-inf,7,-3]]'
// RUN: rotq-run %s -e nonfinite --input %t.nonfinite.npy | FileCheck %s --check-prefix=NONFINITE
// RUN: %python %inputs/hand.py %t.asym.npy '[[-5,10,0,2.5,3.5]]'
// RUN: rotq-run %s -e asym --input %t.asym.npy | FileCheck %s --check-prefix=ASYM
// RUN: %python %inputs/hand.py %t.groups.npy '[[6,-3,0.3,0.1],[-6,1,0.2,-0.3]]'
// RUN: rotq-run %s -e groups --input %t.groups.npy | FileCheck %s --check-prefix=GROUPS

// Static scale 1, 4 bits: x/s lands exactly on .5 ties, which go to even;
// 9.5 and -9.5 clamp to 7 and -8.
// x = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 9.5, -9.5]
// TIES: result 0: tensor<1x8xi8>
// TIES-NEXT: [0, 2, 2, 0, -2, -2, 7, -8]
func.func @ties(%x: tensor<1x8xf32>) -> tensor<1x8xi8> {
  %s = arith.constant dense<1.0> : tensor<1x1xf32>
  %q = rotq.quantize %x scale(%s : tensor<1x1xf32>) {bits = 4, granularity = #rotq.granularity<row>} : tensor<1x8xf32> -> tensor<1x8xi8>
  return %q : tensor<1x8xi8>
}

// Dynamic, 4 bits, clip 0.5: max|x| = 14, scale = 0.5 * 14 / 7 = 1;
// 14 and -14 clip to 7 and -8, 3.5 rounds to 4 (even), 2.5 to 2.
// x = [14, -14, 3.5, 2.5]
// CLIP: result 0: tensor<1x4xi8>
// CLIP-NEXT: [7, -8, 4, 2]
// CLIP: result 1: tensor<1x1xf32>
// CLIP-NEXT: [1]
func.func @clip(%x: tensor<1x4xf32>) -> (tensor<1x4xi8>, tensor<1x1xf32>) {
  %q, %s = rotq.quantize %x {bits = 4, granularity = #rotq.granularity<row>, clip_ratio = 0.5} : tensor<1x4xf32> -> tensor<1x4xi8>, tensor<1x1xf32>
  return %q, %s : tensor<1x4xi8>, tensor<1x1xf32>
}

// An all-zero row gets scale 1 and codes 0, and dequantizes to exact zeros;
// row 2 has max|x| = 127 at 8 bits: scale 1.
// x = [[0, 0, 0], [127, -1, 0.5]]
// ZEROS: result 0: tensor<2x3xi8>
// ZEROS-NEXT: [0, 0, 0]
// ZEROS-NEXT: [127, -1, 0]
// ZEROS: result 1: tensor<2x1xf32>
// ZEROS-NEXT: [1]
// ZEROS-NEXT: [1]
// ZEROS: result 2: tensor<2x3xf32>
// ZEROS-NEXT: [0, 0, 0]
// ZEROS-NEXT: [127, -1, 0]
func.func @zeros(%x: tensor<2x3xf32>) -> (tensor<2x3xi8>, tensor<2x1xf32>, tensor<2x3xf32>) {
  %q, %s = rotq.quantize %x {bits = 8, granularity = #rotq.granularity<row>} : tensor<2x3xf32> -> tensor<2x3xi8>, tensor<2x1xf32>
  %y = rotq.dequantize %q scale(%s : tensor<2x1xf32>) : tensor<2x3xi8> -> tensor<2x3xf32>
  return %q, %s, %y : tensor<2x3xi8>, tensor<2x1xf32>, tensor<2x3xf32>
}

// NaN and +-inf do not enter the scale (max finite |x| = 7, scale 1 at 4
// bits); NaN gives the zero-point code 0, +-inf saturate.
// x = [nan, inf, -inf, 7, -3]
// NONFINITE: result 0: tensor<1x5xi8>
// NONFINITE-NEXT: [0, 7, -8, 7, -3]
// NONFINITE: result 1: tensor<1x1xf32>
// NONFINITE-NEXT: [1]
func.func @nonfinite(%x: tensor<1x5xf32>) -> (tensor<1x5xi8>, tensor<1x1xf32>) {
  %q, %s = rotq.quantize %x {bits = 4, granularity = #rotq.granularity<row>} : tensor<1x5xf32> -> tensor<1x5xi8>, tensor<1x1xf32>
  return %q, %s : tensor<1x5xi8>, tensor<1x1xf32>
}

// Asymmetric 4 bits: lo = -5, hi = 10, scale = 15/15 = 1,
// zero point = roundeven(5/1) - 8 = -3; q = roundeven(x) - 3 clamped.
// x = [-5, 10, 0, 2.5, 3.5]
// ASYM: result 0: tensor<1x5xi8>
// ASYM-NEXT: [-8, 7, -3, -1, 1]
// ASYM: result 1: tensor<1x1xf32>
// ASYM-NEXT: [1]
// ASYM: result 2: tensor<1x1xi8>
// ASYM-NEXT: [-3]
// ASYM: result 3: tensor<1x5xf32>
// ASYM-NEXT: [-5, 10, 0, 2, 4]
func.func @asym(%x: tensor<1x5xf32>) -> (tensor<1x5xi8>, tensor<1x1xf32>, tensor<1x1xi8>, tensor<1x5xf32>) {
  %q, %s, %z = rotq.quantize %x {bits = 4, granularity = #rotq.granularity<row>, asymmetric} : tensor<1x5xf32> -> tensor<1x5xi8>, tensor<1x1xf32>, tensor<1x1xi8>
  %y = rotq.dequantize %q scale(%s : tensor<1x1xf32>) zero_point(%z : tensor<1x1xi8>) : tensor<1x5xi8> -> tensor<1x5xf32>
  return %q, %s, %z, %y : tensor<1x5xi8>, tensor<1x1xf32>, tensor<1x1xi8>, tensor<1x5xf32>
}

// Groups of 2, 3 bits (qmax 3): both rows have group maxima 6 and 0.3, so
// scales 2 and 0.1; 1/2 = 0.5 ties to 0, 0.2/0.1 = 2. Per column (over
// rows): maxima 6, 3, 0.3, 0.3; per tensor: 6.
// x = [[6, -3, 0.3, 0.1], [-6, 1, 0.2, -0.3]]
// GROUPS: result 0: tensor<2x4xi8>
// GROUPS-NEXT: [3, -2, 3, 1]
// GROUPS-NEXT: [-3, 0, 2, -3]
// GROUPS: result 1: tensor<2x2xf32>
// GROUPS-NEXT: [2, 0.1]
// GROUPS-NEXT: [2, 0.1]
// GROUPS: result 2: tensor<1x4xf32>
// GROUPS-NEXT: [2, 1, 0.1, 0.1]
// GROUPS: result 3: tensor<1x1xf32>
// GROUPS-NEXT: [2]
func.func @groups(%x: tensor<2x4xf32>) -> (tensor<2x4xi8>, tensor<2x2xf32>, tensor<1x4xf32>, tensor<1x1xf32>) {
  %q, %s = rotq.quantize %x {bits = 3, granularity = #rotq.granularity<group>, group_size = 2} : tensor<2x4xf32> -> tensor<2x4xi8>, tensor<2x2xf32>
  %qc, %sc = rotq.quantize %x {bits = 3, granularity = #rotq.granularity<column>} : tensor<2x4xf32> -> tensor<2x4xi8>, tensor<1x4xf32>
  %qt, %st = rotq.quantize %x {bits = 3, granularity = #rotq.granularity<tensor>} : tensor<2x4xf32> -> tensor<2x4xi8>, tensor<1x1xf32>
  return %q, %s, %sc, %st : tensor<2x4xi8>, tensor<2x2xf32>, tensor<1x4xf32>, tensor<1x1xf32>
}
