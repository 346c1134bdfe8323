// What convert-rotq-to-gpu hands to kernels, what it fuses and what it
// leaves for convert-rotq-to-linalg.
// RUN: rotq-opt %s --convert-rotq-to-gpu -split-input-file | FileCheck %s
// RUN: rotq-opt %s --convert-rotq-to-gpu="chip=sm_75" -split-input-file | FileCheck %s --check-prefix=SM75
// RUN: rotq-opt %s --convert-rotq-to-gpu="chip=sm_90a mma=wgmma" -split-input-file | FileCheck %s --check-prefix=WGMMA
// RUN: not rotq-opt %s --convert-rotq-to-gpu="chip=sm_80 mma=wgmma" -split-input-file 2>&1 | FileCheck %s --check-prefix=WGMMA-ERR
// WGMMA-ERR: convert-rotq-to-gpu: mma=wgmma needs an sm_90a-class chip, got 'sm_80'

// A Hadamard whose only user is a per-row quantizer: one fused kernel that
// reads the activation and writes codes and scales.
// CHECK-LABEL: func.func @fused
// CHECK-NOT: rotq.
// CHECK: %[[X:.*]] = bufferization.to_buffer %{{.*}} read_only : tensor<?x4096xf16> to memref<?x4096xf16>
// CHECK: %[[Q:.*]] = memref.alloc(%{{.*}}) : memref<?x4096xi8>
// CHECK: %[[S:.*]] = memref.alloc(%{{.*}}) : memref<?x1xf32>
// CHECK: call @__rotq_row_kernel(%[[X]], %[[Q]], %[[S]])
// CHECK: bufferization.to_tensor %[[Q]] restrict writable
// CHECK: bufferization.to_tensor %[[S]] restrict writable
// CHECK-NOT: call @__rotq_row_kernel
// CHECK: func.func private @__rotq_row_kernel(memref<?x4096xf16>, memref<?x4096xi8>, memref<?x1xf32>)
// CHECK-SAME: rotq.row_kernel = {bits = 4 : i64, block_size = 4096 : i64, clip_ratio = 9.000000e-01 : f64}
func.func @fused(%x: tensor<?x4096xf16>) -> (tensor<?x4096xi8>, tensor<?x1xf32>) {
  %y = rotq.hadamard %x : tensor<?x4096xf16>
  %q, %s = rotq.quantize %y {bits = 4, granularity = #rotq.granularity<row>, clip_ratio = 0.9}
      : tensor<?x4096xf16> -> tensor<?x4096xi8>, tensor<?x1xf32>
  return %q, %s : tensor<?x4096xi8>, tensor<?x1xf32>
}
// SM75-LABEL: func.func @fused
// SM75: call @__rotq_row_kernel

// -----

// The Hadamard result is also returned: two kernels, nothing fused. Signs,
// blocks, transpose and the asymmetric zero point travel in the attribute;
// the sign vector becomes a constant buffer.
// CHECK-LABEL: func.func @unfused
// CHECK: %[[SG:.*]] = arith.constant dense<[1.000000e+00, -1.000000e+00, 1.000000e+00, 1.000000e+00, -1.000000e+00, 1.000000e+00, 1.000000e+00, 1.000000e+00]> : tensor<8xf32>
// CHECK: call @__rotq_row_kernel(%{{.*}}, %{{.*}}, %{{.*}}) : (memref<3x8xbf16>, memref<3x8xbf16>, memref<8xf32>)
// CHECK: call @__rotq_row_kernel_0(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (memref<3x8xbf16>, memref<3x8xi8>, memref<3x1xf32>, memref<3x1xi8>)
// CHECK: func.func private @__rotq_row_kernel({{.*}}) attributes {rotq.row_kernel = {block_size = 4 : i64, signs = array<i8: 1, -1, 1, 1, -1, 1, 1, 1>, transpose}}
// CHECK: func.func private @__rotq_row_kernel_0({{.*}}) attributes {rotq.row_kernel = {asymmetric, bits = 8 : i64, clip_ratio = 1.000000e+00 : f64}}
func.func @unfused(%x: tensor<3x8xbf16>) -> (tensor<3x8xbf16>, tensor<3x8xi8>, tensor<3x1xf32>, tensor<3x1xi8>) {
  %y = rotq.hadamard %x {signs = array<i8: 1, -1, 1, 1, -1, 1, 1, 1>, block_size = 4, transpose} : tensor<3x8xbf16>
  %q, %s, %z = rotq.quantize %y {bits = 8, granularity = #rotq.granularity<row>, asymmetric}
      : tensor<3x8xbf16> -> tensor<3x8xi8>, tensor<3x1xf32>, tensor<3x1xi8>
  return %y, %q, %s, %z : tensor<3x8xbf16>, tensor<3x8xi8>, tensor<3x1xf32>, tensor<3x1xi8>
}

// -----

// Rank-3 activations are flattened to rows.
// CHECK-LABEL: func.func @rank3
// CHECK: memref.collapse_shape %{{.*}} {{\[}}[0, 1], [2]] : memref<2x?x64xf32> into memref<?x64xf32>
// CHECK: call @__rotq_row_kernel
func.func @rank3(%x: tensor<2x?x64xf32>) -> tensor<2x?x64xf32> {
  %y = rotq.hadamard %x : tensor<2x?x64xf32>
  return %y : tensor<2x?x64xf32>
}

// -----

// Left for convert-rotq-to-linalg: f64 data, per-group and static
// quantization.
// CHECK-LABEL: func.func @not_covered
// CHECK-NOT: call
// CHECK: rotq.hadamard %{{.*}} : tensor<4x64xf64>
// CHECK: rotq.quantize %{{.*}} {bits = 4 : i64, granularity = #rotq.granularity<group>, group_size = 16 : i64}
// CHECK: rotq.quantize %{{.*}} scale(
func.func @not_covered(%x: tensor<4x64xf64>, %a: tensor<4x64xf32>, %s: tensor<4x1xf32>)
    -> (tensor<4x64xf64>, tensor<4x64xi8>, tensor<4x4xf32>, tensor<4x64xi8>) {
  %y = rotq.hadamard %x : tensor<4x64xf64>
  %q, %qs = rotq.quantize %a {bits = 4, granularity = #rotq.granularity<group>, group_size = 16}
      : tensor<4x64xf32> -> tensor<4x64xi8>, tensor<4x4xf32>
  %q2 = rotq.quantize %a scale(%s : tensor<4x1xf32>) {bits = 4, granularity = #rotq.granularity<row>}
      : tensor<4x64xf32> -> tensor<4x64xi8>
  return %y, %q, %qs, %q2 : tensor<4x64xf64>, tensor<4x64xi8>, tensor<4x4xf32>, tensor<4x64xi8>
}

// -----

// A row that does not fit in shared memory stays on the linalg path
// (2^17 f32 values take 512 KiB).
// CHECK-LABEL: func.func @too_long
// CHECK: rotq.hadamard
func.func @too_long(%x: tensor<2x131072xf32>) -> tensor<2x131072xf32> {
  %y = rotq.hadamard %x : tensor<2x131072xf32>
  return %y : tensor<2x131072xf32>
}

// -----

// qmatmul with weights from a 4-bit unpack: the kernel reads the packed
// bytes (the unpack disappears); bias and the broadcast weight scale travel
// in the attribute.
// CHECK-LABEL: func.func @w4a8
// CHECK-NOT: rotq.unpack
// CHECK: call @__rotq_qmatmul_kernel(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (memref<?x128xi8>, memref<?x1xf32>, memref<96x64xi8>, memref<1x1xf32>, memref<96xf32>, memref<?x96xf32>)
// CHECK: func.func private @__rotq_qmatmul_kernel({{.*}}) attributes {rotq.qmatmul_kernel = {bias, groups = 1 : i64, k = 128 : i64, rhs_bits = 4 : i64, rhs_scale_broadcast}}
// SM75-LABEL: func.func @w4a8
// SM75: rotq.qmatmul
// WGMMA-LABEL: func.func @w4a8
// WGMMA: rotq.qmatmul_kernel = {bias, groups = 1 : i64, k = 128 : i64, rhs_bits = 4 : i64, rhs_scale_broadcast, wgmma}
func.func @w4a8(%a: tensor<?x128xi8>, %as: tensor<?x1xf32>, %wp: tensor<96x64xi8>,
                %ws: tensor<1x1xf32>, %b: tensor<96xf32>) -> tensor<?x96xf32> {
  %w = rotq.unpack %wp {bits = 4} : tensor<96x64xi8> -> tensor<96x128xi8>
  %y = rotq.qmatmul %a scale(%as : tensor<?x1xf32>), %w scale(%ws : tensor<1x1xf32>)
      bias(%b : tensor<96xf32>) : tensor<?x128xi8>, tensor<96x128xi8> -> tensor<?x96xf32>
  return %y : tensor<?x96xf32>
}

// -----

// Groups of 128 on both sides: one kernel; zero points or groups smaller
// than the 64-wide K tile stay on the linalg path.
// CHECK-LABEL: func.func @groups
// CHECK: call @__rotq_qmatmul_kernel({{.*}}) : (memref<16x256xi8>, memref<16x2xf32>, memref<8x256xi8>, memref<8x2xf32>, memref<16x8xf32>)
// CHECK: rotq.qmatmul
// CHECK: rotq.qmatmul
// wgmma takes one scale group only: two groups keep mma.sync.
// WGMMA-LABEL: func.func @groups
// WGMMA: rotq.qmatmul_kernel = {groups = 2 : i64, k = 256 : i64, rhs_bits = 8 : i64}}
func.func @groups(%a: tensor<16x256xi8>, %as: tensor<16x2xf32>, %w: tensor<8x256xi8>,
                  %ws: tensor<8x2xf32>, %az: tensor<16x2xi8>, %as8: tensor<16x8xf32>,
                  %ws8: tensor<8x8xf32>) -> (tensor<16x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>) {
  %y = rotq.qmatmul %a scale(%as : tensor<16x2xf32>), %w scale(%ws : tensor<8x2xf32>)
      : tensor<16x256xi8>, tensor<8x256xi8> -> tensor<16x8xf32>
  %z = rotq.qmatmul %a scale(%as : tensor<16x2xf32>) zero_point(%az : tensor<16x2xi8>),
      %w scale(%ws : tensor<8x2xf32>) : tensor<16x256xi8>, tensor<8x256xi8> -> tensor<16x8xf32>
  %g = rotq.qmatmul %a scale(%as8 : tensor<16x8xf32>), %w scale(%ws8 : tensor<8x8xf32>)
      : tensor<16x256xi8>, tensor<8x256xi8> -> tensor<16x8xf32>
  return %y, %z, %g : tensor<16x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>
}

// -----

// DuQuant's online transform (block rotation, gather, block rotation) and
// the per-row quantizer reading it: one kernel. The permutation becomes an
// i32 constant buffer, the rotation matrices follow it as buffers.
// CHECK-LABEL: func.func @duquant
// CHECK-NOT: rotq.
// CHECK: %[[P:.*]] = arith.constant dense<[3, 1, 0, 2, 7, 5, 4, 6]> : tensor<8xi32>
// CHECK: %[[PB:.*]] = bufferization.to_buffer %[[P]]
// CHECK: %[[M1:.*]] = bufferization.to_buffer %arg1
// CHECK: %[[M2:.*]] = bufferization.to_buffer %arg2
// CHECK: call @__rotq_row_kernel(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[PB]], %[[M1]], %[[M2]]) : (memref<?x8xf32>, memref<?x8xi8>, memref<?x1xf32>, memref<?x1xi8>, memref<8xi32>, memref<4x4xf32>, memref<4x4xf32>)
// CHECK: func.func private @__rotq_row_kernel
// CHECK-SAME: rotq.row_kernel = {asymmetric, bits = 4 : i64, clip_ratio = 9.000000e-01 : f64, permutation = array<i64: 3, 1, 0, 2, 7, 5, 4, 6>, rotate1, rotate2, rotate_block = 4 : i64}
func.func @duquant(%x: tensor<?x8xf32>, %m1: tensor<4x4xf32>, %m2: tensor<4x4xf32>) -> (tensor<?x8xi8>, tensor<?x1xf32>, tensor<?x1xi8>) {
  %a = rotq.rotate %x, %m1 : tensor<?x8xf32>, tensor<4x4xf32>
  %b = rotq.permute %a [3, 1, 0, 2, 7, 5, 4, 6] : tensor<?x8xf32>
  %c = rotq.rotate %b, %m2 : tensor<?x8xf32>, tensor<4x4xf32>
  %q, %s, %z = rotq.quantize %c {bits = 4, granularity = #rotq.granularity<row>, clip_ratio = 0.9, asymmetric}
      : tensor<?x8xf32> -> tensor<?x8xi8>, tensor<?x1xf32>, tensor<?x1xi8>
  return %q, %s, %z : tensor<?x8xi8>, tensor<?x1xf32>, tensor<?x1xi8>
}

// -----

// o_proj's input when the first rotation went into v_proj: the gather and
// one rotation, no quantizer (a float model), in one kernel; a transposed
// rotation is left for convert-rotq-to-linalg.
// CHECK-LABEL: func.func @duquant_partial
// CHECK: call @__rotq_row_kernel(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (memref<?x8xbf16>, memref<?x8xbf16>, memref<8xi32>, memref<4x4xbf16>)
// CHECK: rotq.rotate %{{.*}}, %{{.*}} {transpose}
// CHECK: func.func private @__rotq_row_kernel
// CHECK-SAME: rotq.row_kernel = {permutation = array<i64: 1, 0, 2, 3, 4, 5, 7, 6>, rotate2, rotate_block = 4 : i64}
func.func @duquant_partial(%x: tensor<?x8xbf16>, %m: tensor<4x4xbf16>) -> (tensor<?x8xbf16>, tensor<?x8xbf16>) {
  %b = rotq.permute %x [1, 0, 2, 3, 4, 5, 7, 6] : tensor<?x8xbf16>
  %c = rotq.rotate %b, %m : tensor<?x8xbf16>, tensor<4x4xbf16>
  %t = rotq.rotate %x, %m {transpose} : tensor<?x8xbf16>, tensor<4x4xbf16>
  return %c, %t : tensor<?x8xbf16>, tensor<?x8xbf16>
}
