// The kernels rotq-gpu-materialize-kernels emits, after bufferization.
// RUN: rotq-opt %s --convert-rotq-to-gpu \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries=1 function-boundary-type-conversion=identity-layout-map" \
// RUN:   --rotq-gpu-materialize-kernels -split-input-file | FileCheck %s

// Fused FWHT + 4-bit quantization of 4096 f16 values per row: one block
// of 256 threads per row, the row in 16 KiB of shared memory (+ the
// reduction scratch), 16-byte vector loads, 3 butterfly stages in registers
// and 5 across lanes (40 shuffles for 8 values per lane) and 5 more for the
// max reduction; the placeholder declaration is gone.
// CHECK-LABEL: func.func @fwht_quantize
// CHECK-NOT: call
// CHECK: %[[SMEM:.*]] = arith.constant 16448 : i32
// CHECK: gpu.launch blocks(%{{.*}}) in (%{{.*}} = %{{.*}}, %{{.*}} = %c1{{.*}}, %{{.*}} = %c1{{.*}}) threads(%{{.*}}) in (%{{.*}} = %c256{{.*}}, {{.*}}) dynamic_shared_memory_size %[[SMEM]] module(@rotq_fwht_quantize) function(@rotq_fwht_quantize)
// CHECK: gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
// CHECK: vector.load %{{.*}} {alignment = 16 : i64} : memref<?x4096xf16>, vector<8xf16>
// CHECK-COUNT-40: gpu.shuffle  xor
// CHECK: gpu.barrier
// CHECK-COUNT-5: gpu.shuffle  xor
// CHECK: math.roundeven
// CHECK: vector.store %{{.*}} : memref<?x4096xi8>, vector<8xi8>
// CHECK-NOT: __rotq_row_kernel
func.func @fwht_quantize(%x: tensor<?x4096xf16>) -> (tensor<?x4096xi8>, tensor<?x1xf32>) {
  %y = rotq.hadamard %x : tensor<?x4096xf16>
  %q, %s = rotq.quantize %y {bits = 4, granularity = #rotq.granularity<row>, clip_ratio = 0.9}
      : tensor<?x4096xf16> -> tensor<?x4096xi8>, tensor<?x1xf32>
  return %q, %s : tensor<?x4096xi8>, tensor<?x1xf32>
}

// -----

// 11008 = 344 x 2^5: the 344-point Paley factor is too large to unroll, so
// its matrix is a kernel operand and the factor runs as a loop into a
// second shared buffer (2 x 11008 x 4 bytes + scratch).
// CHECK-LABEL: func.func @fwht_11008
// CHECK: memref.get_global {{.*}} : memref<344x344xf32>
// CHECK: arith.constant 88192 : i32
// CHECK: gpu.launch {{.*}} module(@rotq_fwht) function(@rotq_fwht)
// CHECK: memref.load %{{.*}} : memref<344x344xf32>
func.func @fwht_11008(%x: tensor<8x11008xbf16>) -> tensor<8x11008xbf16> {
  %y = rotq.hadamard %x : tensor<8x11008xbf16>
  return %y : tensor<8x11008xbf16>
}

// -----

// 896 = 28 x 2^5: the 28-point factor is unrolled into +-1 additions; no
// factor matrix is read.
// CHECK-LABEL: func.func @fwht_896
// CHECK-NOT: memref<28x28xf32>
// CHECK: gpu.launch {{.*}} module(@rotq_fwht) function(@rotq_fwht)
// CHECK-NOT: memref<28x28xf32>
// CHECK: gpu.terminator
func.func @fwht_896(%x: tensor<8x896xf32>) -> tensor<8x896xf32> {
  %y = rotq.hadamard %x : tensor<8x896xf32>
  return %y : tensor<8x896xf32>
}

// -----

// W8A8 on tensor cores: one block of 256 threads per 128 x 128 tile, the
// A and B slices (128 x 64 bytes, rows padded to 80) in shared memory, and
// 4 x 4 warp tiles x 2 k-steps of mma.sync m16n8k32 per slice.
// CHECK-LABEL: func.func @w8a8
// CHECK: arith.constant 20480 : i32
// CHECK: gpu.launch {{.*}} module(@rotq_qmatmul_w8a8) function(@rotq_qmatmul_w8a8)
// CHECK: scf.for
// CHECK: scf.for
// CHECK: gpu.barrier
// CHECK: vector.store %{{.*}} {alignment = 16 : i64} : memref<128x80xi8, #gpu.address_space<workgroup>>, vector<16xi8>
// CHECK: gpu.barrier
// CHECK-COUNT-32: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 32]} : (vector<4x4xi8>, vector<2x4xi8>, vector<2x2xi32>) -> vector<2x2xi32>
// CHECK: arith.sitofp
func.func @w8a8(%a: tensor<?x256xi8>, %as: tensor<?x1xf32>, %w: tensor<200x256xi8>,
                %ws: tensor<200x1xf32>) -> tensor<?x200xf32> {
  %y = rotq.qmatmul %a scale(%as : tensor<?x1xf32>), %w scale(%ws : tensor<200x1xf32>)
      : tensor<?x256xi8>, tensor<200x256xi8> -> tensor<?x200xf32>
  return %y : tensor<?x200xf32>
}

// -----

// W4A8: the B slice holds packed bytes (rows of 32 + 16 padding); each
// fragment register is two bytes spread to four sign-extended codes.
// CHECK-LABEL: func.func @w4a8
// CHECK: arith.constant 16384 : i32
// CHECK: gpu.launch {{.*}} module(@rotq_qmatmul_w4a8) function(@rotq_qmatmul_w4a8)
// CHECK: vector.load %{{.*}} : memref<128x48xi8, #gpu.address_space<workgroup>>, vector<2xi8>
// CHECK: arith.constant 134744072 : i32
// CHECK: nvgpu.mma.sync
func.func @w4a8(%a: tensor<?x256xi8>, %as: tensor<?x1xf32>, %wp: tensor<200x128xi8>,
                %ws: tensor<200x1xf32>) -> tensor<?x200xf32> {
  %w = rotq.unpack %wp {bits = 4} : tensor<200x128xi8> -> tensor<200x256xi8>
  %y = rotq.qmatmul %a scale(%as : tensor<?x1xf32>), %w scale(%ws : tensor<200x1xf32>)
      : tensor<?x256xi8>, tensor<200x256xi8> -> tensor<?x200xf32>
  return %y : tensor<?x200xf32>
}
