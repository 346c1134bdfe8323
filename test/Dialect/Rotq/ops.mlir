// Round trip of every rotq op through the custom assembly and the generic
// form.
// RUN: rotq-opt %s | rotq-opt | FileCheck %s
// RUN: rotq-opt %s --mlir-print-op-generic | rotq-opt | FileCheck %s

// CHECK-LABEL: func @hadamard
func.func @hadamard(%x: tensor<?x8xf32>, %h: tensor<4x12xbf16>) -> (tensor<?x8xf32>, tensor<4x12xbf16>) {
  // CHECK: rotq.hadamard %{{.*}} {signs = array<i8: 1, -1, 1, 1, -1, 1, 1, 1>} : tensor<?x8xf32>
  %0 = rotq.hadamard %x {signs = array<i8: 1, -1, 1, 1, -1, 1, 1, 1>} : tensor<?x8xf32>
  // CHECK: rotq.hadamard %{{.*}} {block_size = 4 : i64, transpose} : tensor<?x8xf32>
  %1 = rotq.hadamard %0 {block_size = 4, transpose} : tensor<?x8xf32>
  // CHECK: rotq.hadamard %{{.*}} : tensor<4x12xbf16>
  %2 = rotq.hadamard %h : tensor<4x12xbf16>
  return %1, %2 : tensor<?x8xf32>, tensor<4x12xbf16>
}

// CHECK-LABEL: func @rotate
func.func @rotate(%x: tensor<2x8xf32>, %d: tensor<8x8xf32>, %b: tensor<4x4xf32>, %p: tensor<2x4x4xf32>) -> tensor<2x8xf32> {
  // CHECK: rotq.rotate %{{.*}}, %{{.*}} : tensor<2x8xf32>, tensor<8x8xf32>
  %0 = rotq.rotate %x, %d : tensor<2x8xf32>, tensor<8x8xf32>
  // CHECK: rotq.rotate %{{.*}}, %{{.*}} {transpose} : tensor<2x8xf32>, tensor<4x4xf32>
  %1 = rotq.rotate %0, %b {transpose} : tensor<2x8xf32>, tensor<4x4xf32>
  // CHECK: rotq.rotate %{{.*}}, %{{.*}} : tensor<2x8xf32>, tensor<2x4x4xf32>
  %2 = rotq.rotate %1, %p : tensor<2x8xf32>, tensor<2x4x4xf32>
  return %2 : tensor<2x8xf32>
}

// CHECK-LABEL: func @permute
func.func @permute(%x: tensor<?x4xi8>) -> tensor<?x4xi8> {
  // CHECK: rotq.permute %{{.*}} [3, 1, 0, 2] : tensor<?x4xi8>
  %0 = rotq.permute %x [3, 1, 0, 2] : tensor<?x4xi8>
  return %0 : tensor<?x4xi8>
}

// CHECK-LABEL: func @quantize
func.func @quantize(%x: tensor<?x64xf32>, %s: tensor<?x2xf32>, %z: tensor<?x2xi8>) -> (tensor<?x64xi8>, tensor<?x1xf32>, tensor<?x64xi8>, tensor<1x64xf32>, tensor<1x64xi8>, tensor<?x64xi8>) {
  // CHECK: %{{.*}}, %{{.*}} = rotq.quantize %{{.*}} {bits = 4 : i64, clip_ratio = 9.000000e-01 : f64, granularity = #rotq.granularity<row>} : tensor<?x64xf32> -> tensor<?x64xi8>, tensor<?x1xf32>
  %q, %qs = rotq.quantize %x {bits = 4, granularity = #rotq.granularity<row>, clip_ratio = 0.9} : tensor<?x64xf32> -> tensor<?x64xi8>, tensor<?x1xf32>
  // CHECK: rotq.quantize %{{.*}} scale(%{{.*}} : tensor<?x2xf32>) zero_point(%{{.*}} : tensor<?x2xi8>) {asymmetric, bits = 8 : i64, granularity = #rotq.granularity<group>, group_size = 32 : i64} : tensor<?x64xf32> -> tensor<?x64xi8>
  %g = rotq.quantize %x scale(%s : tensor<?x2xf32>) zero_point(%z : tensor<?x2xi8>) {bits = 8, granularity = #rotq.granularity<group>, group_size = 32, asymmetric} : tensor<?x64xf32> -> tensor<?x64xi8>
  // CHECK: %{{.*}}, %{{.*}}, %{{.*}} = rotq.quantize %{{.*}} {asymmetric, bits = 3 : i64, granularity = #rotq.granularity<column>} : tensor<?x64xf32> -> tensor<?x64xi8>, tensor<1x64xf32>, tensor<1x64xi8>
  %c:3 = rotq.quantize %x {bits = 3, granularity = #rotq.granularity<column>, asymmetric} : tensor<?x64xf32> -> tensor<?x64xi8>, tensor<1x64xf32>, tensor<1x64xi8>
  // CHECK: rotq.dequantize %{{.*}} scale(%{{.*}} : tensor<?x2xf32>) zero_point(%{{.*}} : tensor<?x2xi8>) : tensor<?x64xi8> -> tensor<?x64xf16>
  %d = rotq.dequantize %g scale(%s : tensor<?x2xf32>) zero_point(%z : tensor<?x2xi8>) : tensor<?x64xi8> -> tensor<?x64xf16>
  return %q, %qs, %g, %c#1, %c#2, %c#0 : tensor<?x64xi8>, tensor<?x1xf32>, tensor<?x64xi8>, tensor<1x64xf32>, tensor<1x64xi8>, tensor<?x64xi8>
}

// CHECK-LABEL: func @qmatmul
func.func @qmatmul(%a: tensor<16x256xi8>, %as: tensor<16x1xf32>, %az: tensor<16x1xi8>, %w: tensor<64x256xi8>, %ws: tensor<64x2xf32>, %b: tensor<64xf32>) -> tensor<16x64xf32> {
  // CHECK: rotq.qmatmul %{{.*}} scale(%{{.*}} : tensor<16x1xf32>) zero_point(%{{.*}} : tensor<16x1xi8>), %{{.*}} scale(%{{.*}} : tensor<64x2xf32>) bias(%{{.*}} : tensor<64xf32>) : tensor<16x256xi8>, tensor<64x256xi8> -> tensor<16x64xf32>
  %y = rotq.qmatmul %a scale(%as : tensor<16x1xf32>) zero_point(%az : tensor<16x1xi8>), %w scale(%ws : tensor<64x2xf32>) bias(%b : tensor<64xf32>) : tensor<16x256xi8>, tensor<64x256xi8> -> tensor<16x64xf32>
  return %y : tensor<16x64xf32>
}

// CHECK-LABEL: func @packing
func.func @packing(%q: tensor<64x256xi8>) -> tensor<64x256xi8> {
  // CHECK: rotq.pack %{{.*}} {bits = 4 : i64} : tensor<64x256xi8> -> tensor<64x128xi8>
  %p = rotq.pack %q {bits = 4} : tensor<64x256xi8> -> tensor<64x128xi8>
  // CHECK: rotq.unpack %{{.*}} {bits = 4 : i64} : tensor<64x128xi8> -> tensor<64x256xi8>
  %u = rotq.unpack %p {bits = 4} : tensor<64x128xi8> -> tensor<64x256xi8>
  return %u : tensor<64x256xi8>
}

// CHECK-LABEL: func @model_ops
func.func @model_ops(%ids: tensor<?xi64>, %table: tensor<100x64xf32>, %g: tensor<64xf32>, %w: tensor<96x64xf32>, %b: tensor<96xf32>, %q: tensor<?x6x16xf32>, %k: tensor<?x2x16xf32>, %v: tensor<?x2x16xf32>) -> (tensor<?x96xf32>, tensor<?x6x16xf32>) {
  // CHECK: rotq.embedding %{{.*}}[%{{.*}}] : tensor<100x64xf32>, tensor<?xi64> -> tensor<?x64xf32>
  %h = rotq.embedding %table[%ids] : tensor<100x64xf32>, tensor<?xi64> -> tensor<?x64xf32>
  // CHECK: rotq.rms_norm %{{.*}} scale(%{{.*}} : tensor<64xf32>) {epsilon = 1.000000e-05 : f64} : tensor<?x64xf32>
  %n = rotq.rms_norm %h scale(%g : tensor<64xf32>) {epsilon = 1.0e-5 : f64} : tensor<?x64xf32>
  // CHECK: rotq.rms_norm %{{.*}} {epsilon = 0.000000e+00 : f64} : tensor<?x64xf32>
  %n2 = rotq.rms_norm %n {epsilon = 0.0 : f64} : tensor<?x64xf32>
  // CHECK: rotq.linear %{{.*}}, %{{.*}} bias(%{{.*}} : tensor<96xf32>) : tensor<?x64xf32>, tensor<96x64xf32> -> tensor<?x96xf32>
  %y = rotq.linear %n2, %w bias(%b : tensor<96xf32>) : tensor<?x64xf32>, tensor<96x64xf32> -> tensor<?x96xf32>
  // CHECK: rotq.attention %{{.*}}, %{{.*}}, %{{.*}} {causal, scale = 2.500000e-01 : f64, window = 8 : i64} : tensor<?x6x16xf32>, tensor<?x2x16xf32>, tensor<?x2x16xf32> -> tensor<?x6x16xf32>
  %a = rotq.attention %q, %k, %v {scale = 0.25 : f64, causal, window = 8} : tensor<?x6x16xf32>, tensor<?x2x16xf32>, tensor<?x2x16xf32> -> tensor<?x6x16xf32>
  return %y, %a : tensor<?x96xf32>, tensor<?x6x16xf32>
}

// CHECK-LABEL: func @params
func.func @params() -> (tensor<8x4xf32>, tensor<8x2xi8>) {
  // CHECK: %[[W:.*]] = rotq.param "model.layers.0.mlp.up_proj.weight" in "model.safetensors" : tensor<8x4xbf16>
  %w = rotq.param "model.layers.0.mlp.up_proj.weight" in "model.safetensors" : tensor<8x4xbf16>
  // CHECK: rotq.param "g" in "/abs/g.safetensors" : tensor<4xf32>
  %g = rotq.param "g" in "/abs/g.safetensors" : tensor<4xf32>
  %w32 = arith.extf %w : tensor<8x4xbf16> to tensor<8x4xf32>
  // CHECK: rotq.scale %{{.*}}, %{{.*}} {axis = 1 : i64} : tensor<8x4xf32>, tensor<4xf32>
  %s = rotq.scale %w32, %g {axis = 1} : tensor<8x4xf32>, tensor<4xf32>
  // CHECK: rotq.quantize %{{.*}} {bits = 4 : i64, clip_search = 8.000000e-01 : f64, granularity = #rotq.granularity<row>}
  %q, %sc = rotq.quantize %s {bits = 4, granularity = #rotq.granularity<row>, clip_search = 0.8}
      : tensor<8x4xf32> -> tensor<8x4xi8>, tensor<8x1xf32>
  %p = rotq.pack %q {bits = 4} : tensor<8x4xi8> -> tensor<8x2xi8>
  return %s, %p : tensor<8x4xf32>, tensor<8x2xi8>
}

// CHECK-LABEL: func @protect
func.func @protect(%x: tensor<?x8xf32>, %y: tensor<?x6xf32>, %p: tensor<2x8xf32>, %w: tensor<6x8xf32>, %wq: tensor<6x8xf32>) -> tensor<?x6xf32> {
  // CHECK: %[[C:.*]] = rotq.error_projection %{{.*}}, %{{.*}} directions(%{{.*}} : tensor<2x8xf32>) : tensor<6x8xf32> -> tensor<6x2xf32>
  %c = rotq.error_projection %w, %wq directions(%p : tensor<2x8xf32>) : tensor<6x8xf32> -> tensor<6x2xf32>
  // CHECK: rotq.protect %{{.*}}, %{{.*}} directions(%{{.*}} : tensor<2x8xf32>) correction(%[[C]] : tensor<6x2xf32>) : tensor<?x8xf32> -> tensor<?x6xf32>
  %z = rotq.protect %y, %x directions(%p : tensor<2x8xf32>) correction(%c : tensor<6x2xf32>) : tensor<?x8xf32> -> tensor<?x6xf32>
  return %z : tensor<?x6xf32>
}
