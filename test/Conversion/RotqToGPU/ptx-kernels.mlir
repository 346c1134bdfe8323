// Every kernel of rotq-lower-to-nvvm assembles with ptxas for sm_80 and
// sm_90a, without register spills or local memory in rotq's kernels, and
// the PTX holds what the kernels are built from: int8 mma.sync, butterfly
// shuffles, 16-byte vector loads.
// REQUIRES: ptxas, numpy
// RUN: rotq-opt %s --rotq-lower-to-nvvm="chip=sm_90a format=isa" -o %t.90.mlir
// RUN: %python %inputs/ptx_check.py %t.90.mlir %ptxas sm_90a --print-ptx | FileCheck %s --check-prefixes=CHECK,SM90
// RUN: rotq-opt %s --rotq-lower-to-nvvm="chip=sm_80 format=isa" -o %t.80.mlir
// RUN: %python %inputs/ptx_check.py %t.80.mlir %ptxas sm_80 --print-ptx | FileCheck %s --check-prefixes=CHECK,SM80
// Hopper's wgmma for the single-group qmatmul (the two-group one keeps
// mma.sync):
// RUN: rotq-opt %s --rotq-lower-to-nvvm="chip=sm_90a format=isa mma=wgmma" -o %t.wg.mlir
// RUN: %python %inputs/ptx_check.py %t.wg.mlir %ptxas sm_90a --print-ptx | FileCheck %s --check-prefix=WGMMA
// WGMMA: spill bytes: 0
// WGMMA-DAG: kernel rotq_qmatmul_w8a8: {{[0-9]+}} registers, 0 spill bytes, 0 bytes local memory
// WGMMA-DAG: kernel rotq_qmatmul_w4a8_wgmma: {{[0-9]+}} registers, 0 spill bytes, 0 bytes local memory
// WGMMA: .entry rotq_qmatmul_w4a8_wgmma(
// WGMMA: fence.proxy.async.shared::cta
// WGMMA: wgmma.fence.sync.aligned
// WGMMA: wgmma.mma_async.sync.aligned.m64n64k32.s32.s8.s8
// WGMMA: wgmma.commit_group.sync.aligned
// WGMMA: wgmma.wait_group.sync.aligned 0
// cubin through ptxas inside the pipeline:
// RUN: rotq-opt %s --rotq-lower-to-nvvm="chip=sm_90a format=bin" | FileCheck %s --check-prefix=BIN

// CHECK: modules: [[N:[0-9]+]]
// CHECK-NEXT: assembled: [[N]]
// CHECK-NEXT: kernels: 13
// CHECK-NEXT: spill bytes: 0
// CHECK-DAG: kernel rotq_fwht_quantize: {{[0-9]+}} registers, 0 spill bytes, 0 bytes local memory
// CHECK-DAG: kernel rotq_fwht: {{[0-9]+}} registers, 0 spill bytes, 0 bytes local memory
// CHECK-DAG: kernel rotq_fwht_0: {{[0-9]+}} registers, 0 spill bytes, 0 bytes local memory
// CHECK-DAG: kernel rotq_fwht_1: {{[0-9]+}} registers, 0 spill bytes, 0 bytes local memory
// CHECK-DAG: kernel rotq_fwht_2: {{[0-9]+}} registers, 0 spill bytes, 0 bytes local memory
// CHECK-DAG: kernel rotq_quantize_rows: {{[0-9]+}} registers, 0 spill bytes, 0 bytes local memory
// CHECK-DAG: kernel rotq_duquant_quantize: {{[0-9]+}} registers, 0 spill bytes, 0 bytes local memory
// CHECK-DAG: kernel rotq_duquant: {{[0-9]+}} registers, 0 spill bytes, 0 bytes local memory
// CHECK-DAG: kernel rotq_qmatmul_w8a8: {{[0-9]+}} registers, 0 spill bytes, 0 bytes local memory
// CHECK-DAG: kernel rotq_qmatmul_w4a8: {{[0-9]+}} registers, 0 spill bytes, 0 bytes local memory
// SM90: .target sm_90a
// SM80: .target sm_80
// CHECK: .entry rotq_fwht_quantize(
// CHECK: ld.global.v4.b32
// CHECK: shfl.sync.bfly.b32
// CHECK: bar.sync 0
// CHECK: .entry rotq_qmatmul_w8a8(
// CHECK: mma.sync.aligned.m16n8k32.row.col.satfinite.s32.s8.s8.s32
// CHECK: .entry rotq_qmatmul_w4a8(
// CHECK: mma.sync.aligned.m16n8k32.row.col.satfinite.s32.s8.s8.s32
// BIN: gpu.binary @rotq_fwht_quantize  [#gpu.object<#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">, properties = {{.*}}, bin = "\7FELF

// Hidden size 4096 (Llama-2-7B), fused with 4-bit per-token quantization.
func.func @fused(%x: tensor<?x4096xf16>) -> (tensor<?x4096xi8>, tensor<?x1xf32>) {
  %y = rotq.hadamard %x : tensor<?x4096xf16>
  %q, %s = rotq.quantize %y {bits = 4, granularity = #rotq.granularity<row>, clip_ratio = 0.9}
      : tensor<?x4096xf16> -> tensor<?x4096xi8>, tensor<?x1xf32>
  return %q, %s : tensor<?x4096xi8>, tensor<?x1xf32>
}

// The ffn sizes: 11008 = 344 x 2^5 (looped factor), 14336 = 28 x 2^9
// (unrolled factor), 18944 = 148 x 2^7 (Qwen2-7B); 10 = DCT(5) x 2 (the
// fallback), with signs and transposed.
func.func @ffn(%a: tensor<?x11008xbf16>, %b: tensor<?x14336xf16>, %c: tensor<?x18944xf16>,
               %d: tensor<?x10xf32>) -> (tensor<?x11008xbf16>, tensor<?x14336xf16>, tensor<?x18944xf16>, tensor<?x10xf32>) {
  %ya = rotq.hadamard %a : tensor<?x11008xbf16>
  %yb = rotq.hadamard %b : tensor<?x14336xf16>
  %yc = rotq.hadamard %c : tensor<?x18944xf16>
  %yd = rotq.hadamard %d {signs = array<i8: 1, -1, 1, 1, -1, 1, -1, -1, 1, 1>, transpose} : tensor<?x10xf32>
  return %ya, %yb, %yc, %yd : tensor<?x11008xbf16>, tensor<?x14336xf16>, tensor<?x18944xf16>, tensor<?x10xf32>
}

// DuQuant's online transform (block 64 rotation, gather, rotation) fused
// with asymmetric 4-bit quantization; the gather and one rotation alone in
// bf16 (o_proj's input when the first rotation is in v_proj).
func.func @duquant(%x: tensor<?x256xf16>, %m1: tensor<64x64xf16>, %m2: tensor<64x64xf16>,
                   %y: tensor<?x256xbf16>, %m3: tensor<64x64xbf16>)
    -> (tensor<?x256xi8>, tensor<?x1xf32>, tensor<?x1xi8>, tensor<?x256xbf16>) {
  %a = rotq.rotate %x, %m1 : tensor<?x256xf16>, tensor<64x64xf16>
  %b = rotq.permute %a [0, 119, 65, 57, 130, 190, 164, 161, 168, 251, 4, 29, 137, 12, 158, 97, 56, 128, 218, 235, 63, 44, 18, 108, 102, 204, 211, 181, 125, 37, 25, 28, 167, 21, 127, 51, 52, 221, 73, 61, 15, 100, 169, 14, 185, 95, 132, 69, 90, 36, 179, 112, 6, 193, 131, 134, 157, 213, 228, 23, 238, 20, 143, 206, 249, 173, 203, 115, 32, 47, 159, 212, 85, 62, 35, 197, 45, 174, 42, 187, 250, 80, 246, 78, 116, 2, 122, 253, 53, 135, 170, 70, 142, 196, 252, 209, 150, 165, 91, 92, 81, 219, 191, 64, 103, 178, 13, 231, 87, 76, 118, 82, 236, 188, 124, 58, 117, 48, 110, 114, 205, 46, 242, 43, 216, 175, 153, 39, 67, 74, 176, 50, 8, 27, 19, 1, 79, 192, 60, 202, 217, 84, 96, 144, 11, 30, 106, 200, 75, 5, 223, 105, 17, 88, 22, 156, 123, 215, 31, 72, 207, 166, 224, 54, 26, 145, 180, 233, 83, 41, 244, 71, 208, 86, 225, 177, 104, 149, 136, 89, 146, 98, 129, 107, 210, 247, 111, 172, 239, 55, 126, 195, 9, 24, 93, 34, 113, 147, 186, 229, 109, 201, 182, 227, 184, 152, 230, 68, 7, 199, 77, 10, 254, 194, 40, 245, 198, 171, 243, 189, 99, 133, 222, 226, 162, 237, 38, 220, 163, 101, 248, 140, 241, 138, 240, 183, 49, 59, 141, 66, 120, 214, 232, 3, 155, 16, 148, 160, 255, 154, 234, 94, 33, 139, 151, 121] : tensor<?x256xf16>
  %c = rotq.rotate %b, %m2 : tensor<?x256xf16>, tensor<64x64xf16>
  %q, %s, %z = rotq.quantize %c {bits = 4, granularity = #rotq.granularity<row>, clip_ratio = 0.9, asymmetric}
      : tensor<?x256xf16> -> tensor<?x256xi8>, tensor<?x1xf32>, tensor<?x1xi8>
  %d = rotq.permute %y [0, 119, 65, 57, 130, 190, 164, 161, 168, 251, 4, 29, 137, 12, 158, 97, 56, 128, 218, 235, 63, 44, 18, 108, 102, 204, 211, 181, 125, 37, 25, 28, 167, 21, 127, 51, 52, 221, 73, 61, 15, 100, 169, 14, 185, 95, 132, 69, 90, 36, 179, 112, 6, 193, 131, 134, 157, 213, 228, 23, 238, 20, 143, 206, 249, 173, 203, 115, 32, 47, 159, 212, 85, 62, 35, 197, 45, 174, 42, 187, 250, 80, 246, 78, 116, 2, 122, 253, 53, 135, 170, 70, 142, 196, 252, 209, 150, 165, 91, 92, 81, 219, 191, 64, 103, 178, 13, 231, 87, 76, 118, 82, 236, 188, 124, 58, 117, 48, 110, 114, 205, 46, 242, 43, 216, 175, 153, 39, 67, 74, 176, 50, 8, 27, 19, 1, 79, 192, 60, 202, 217, 84, 96, 144, 11, 30, 106, 200, 75, 5, 223, 105, 17, 88, 22, 156, 123, 215, 31, 72, 207, 166, 224, 54, 26, 145, 180, 233, 83, 41, 244, 71, 208, 86, 225, 177, 104, 149, 136, 89, 146, 98, 129, 107, 210, 247, 111, 172, 239, 55, 126, 195, 9, 24, 93, 34, 113, 147, 186, 229, 109, 201, 182, 227, 184, 152, 230, 68, 7, 199, 77, 10, 254, 194, 40, 245, 198, 171, 243, 189, 99, 133, 222, 226, 162, 237, 38, 220, 163, 101, 248, 140, 241, 138, 240, 183, 49, 59, 141, 66, 120, 214, 232, 3, 155, 16, 148, 160, 255, 154, 234, 94, 33, 139, 151, 121] : tensor<?x256xbf16>
  %e = rotq.rotate %d, %m3 : tensor<?x256xbf16>, tensor<64x64xbf16>
  return %q, %s, %z, %e : tensor<?x256xi8>, tensor<?x1xf32>, tensor<?x1xi8>, tensor<?x256xbf16>
}

// Asymmetric 8-bit per-token quantization alone.
func.func @quantize(%x: tensor<?x1000xf32>) -> (tensor<?x1000xi8>, tensor<?x1xf32>, tensor<?x1xi8>) {
  %q, %s, %z = rotq.quantize %x {bits = 8, granularity = #rotq.granularity<row>, asymmetric}
      : tensor<?x1000xf32> -> tensor<?x1000xi8>, tensor<?x1xf32>, tensor<?x1xi8>
  return %q, %s, %z : tensor<?x1000xi8>, tensor<?x1xf32>, tensor<?x1xi8>
}

// W8A8 with two scale groups and a bias; W4A8 from packed weights.
func.func @qmatmul(%a: tensor<?x256xi8>, %as: tensor<?x2xf32>, %w: tensor<200x256xi8>,
                   %ws: tensor<200x2xf32>, %b: tensor<200xf32>, %a1: tensor<?x1xf32>,
                   %wp: tensor<200x128xi8>, %ws1: tensor<200x1xf32>)
    -> (tensor<?x200xf32>, tensor<?x200xf32>) {
  %y = rotq.qmatmul %a scale(%as : tensor<?x2xf32>), %w scale(%ws : tensor<200x2xf32>)
      bias(%b : tensor<200xf32>) : tensor<?x256xi8>, tensor<200x256xi8> -> tensor<?x200xf32>
  %w4 = rotq.unpack %wp {bits = 4} : tensor<200x128xi8> -> tensor<200x256xi8>
  %z = rotq.qmatmul %a scale(%a1 : tensor<?x1xf32>), %w4 scale(%ws1 : tensor<200x1xf32>)
      : tensor<?x256xi8>, tensor<200x256xi8> -> tensor<?x200xf32>
  return %y, %z : tensor<?x200xf32>, tensor<?x200xf32>
}

// Everything else goes through linalg: a softmax and an RMSNorm become
// ordinary kernels.
func.func @rest(%x: tensor<?x64xf32>, %g: tensor<64xf32>) -> tensor<?x64xf32> {
  %y = rotq.rms_norm %x scale(%g : tensor<64xf32>) {epsilon = 1.0e-05 : f64} : tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}
