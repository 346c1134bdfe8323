// Every verifier diagnostic of the rotq dialect.
// RUN: rotq-opt %s -split-input-file -verify-diagnostics

func.func @f0(%x: tensor<f32>) {
  // expected-error @+1 {{input must have rank >= 1}}
  %0 = rotq.hadamard %x : tensor<f32>
  return
}

// -----

func.func @f1(%x: tensor<4x?xf32>) {
  // expected-error @+1 {{input must have a static last dimension}}
  %0 = rotq.hadamard %x : tensor<4x?xf32>
  return
}

// -----

func.func @f2(%x: tensor<4x0xf32>) {
  // expected-error @+1 {{input must have a non-empty last dimension}}
  %0 = rotq.hadamard %x : tensor<4x0xf32>
  return
}

// -----

func.func @f3(%x: tensor<1x33554432xf32>) {
  // expected-error @+1 {{last dimension 33554432 exceeds the largest supported order 16777216}}
  %0 = rotq.hadamard %x : tensor<1x33554432xf32>
  return
}

// -----

func.func @f4(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{block_size must be positive, found 0}}
  %0 = rotq.hadamard %x {block_size = 0} : tensor<4x8xf32>
  return
}

// -----

func.func @f5(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{block_size 3 does not divide the last dimension 8}}
  %0 = rotq.hadamard %x {block_size = 3} : tensor<4x8xf32>
  return
}

// -----

func.func @f6(%x: tensor<4x4xf32>) {
  // expected-error @+1 {{signs has 3 entries but the last dimension is 4}}
  %0 = rotq.hadamard %x {signs = array<i8: 1, 1, 1>} : tensor<4x4xf32>
  return
}

// -----

func.func @f7(%x: tensor<4x4xf32>) {
  // expected-error @+1 {{signs must be +1 or -1, found 0 at index 2}}
  %0 = rotq.hadamard %x {signs = array<i8: 1, 1, 0, 1>} : tensor<4x4xf32>
  return
}

// -----

func.func @f8(%x: tensor<4x4xi32>) {
  // expected-error @+1 {{must be ranked tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values}}
  %0 = rotq.hadamard %x : tensor<4x4xi32>
  return
}

// -----

func.func @f9(%x: tensor<2x8xf32>, %r: tensor<8x8xf16>) {
  // expected-error @+1 {{matrix element type 'f16' must match the input element type 'f32'}}
  %0 = rotq.rotate %x, %r : tensor<2x8xf32>, tensor<8x8xf16>
  return
}

// -----

func.func @f10(%x: tensor<2x8xf32>, %r: tensor<?x8xf32>) {
  // expected-error @+1 {{matrix must have a static shape}}
  %0 = rotq.rotate %x, %r : tensor<2x8xf32>, tensor<?x8xf32>
  return
}

// -----

func.func @f11(%x: tensor<2x8xf32>, %r: tensor<8x4xf32>) {
  // expected-error @+1 {{matrix must be square, found 8x4}}
  %0 = rotq.rotate %x, %r : tensor<2x8xf32>, tensor<8x4xf32>
  return
}

// -----

func.func @f12(%x: tensor<2x8xf32>, %r: tensor<3x3xf32>) {
  // expected-error @+1 {{matrix size 3 does not divide the last dimension 8}}
  %0 = rotq.rotate %x, %r : tensor<2x8xf32>, tensor<3x3xf32>
  return
}

// -----

func.func @f13(%x: tensor<2x8xf32>, %r: tensor<2x4x2xf32>) {
  // expected-error @+1 {{per-block matrices must be square, found 2x4x2}}
  %0 = rotq.rotate %x, %r : tensor<2x8xf32>, tensor<2x4x2xf32>
  return
}

// -----

func.func @f14(%x: tensor<2x8xf32>, %r: tensor<3x4x4xf32>) {
  // expected-error @+1 {{per-block matrix 3x4x4 must have shape [n/b, b, b] for last dimension n = 8}}
  %0 = rotq.rotate %x, %r : tensor<2x8xf32>, tensor<3x4x4xf32>
  return
}

// -----

func.func @f15(%x: tensor<2x8xf32>, %r: tensor<8xf32>) {
  // expected-error @+1 {{matrix must have rank 2 ([n,n] or [b,b]) or 3 ([n/b,b,b]), found rank 1}}
  %0 = rotq.rotate %x, %r : tensor<2x8xf32>, tensor<8xf32>
  return
}

// -----

func.func @f16(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{permutation has 2 entries but the last dimension is 3}}
  %0 = rotq.permute %x [0, 1] : tensor<2x3xf32>
  return
}

// -----

func.func @f17(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{permutation entry 3 at index 1 is out of range [0, 3)}}
  %0 = rotq.permute %x [0, 3, 1] : tensor<2x3xf32>
  return
}

// -----

func.func @f18(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{permutation repeats index 1}}
  %0 = rotq.permute %x [0, 1, 1] : tensor<2x3xf32>
  return
}

// -----

func.func @f19(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{bits must be in [2, 8], found 9}}
  %q, %s = rotq.quantize %x {bits = 9, granularity = #rotq.granularity<row>} : tensor<4x8xf32> -> tensor<4x8xi8>, tensor<4x1xf32>
  return
}

// -----

func.func @f20(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{bits must be in [2, 8], found 1}}
  %q, %s = rotq.quantize %x {bits = 1, granularity = #rotq.granularity<row>} : tensor<4x8xf32> -> tensor<4x8xi8>, tensor<4x1xf32>
  return
}

// -----

func.func @f21(%x: tensor<f32>) {
  // expected-error @+1 {{input must have rank >= 1}}
  %q, %s = rotq.quantize %x {bits = 4, granularity = #rotq.granularity<tensor>} : tensor<f32> -> tensor<i8>, tensor<f32>
  return
}

// -----

func.func @f22(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{codes shape 4x7 must match the input shape 4x8}}
  %q, %s = rotq.quantize %x {bits = 4, granularity = #rotq.granularity<row>} : tensor<4x8xf32> -> tensor<4x7xi8>, tensor<4x1xf32>
  return
}

// -----

func.func @f23(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{clip_ratio must be in (0, 1], found 1.5}}
  %q, %s = rotq.quantize %x {bits = 4, granularity = #rotq.granularity<row>, clip_ratio = 1.5} : tensor<4x8xf32> -> tensor<4x8xi8>, tensor<4x1xf32>
  return
}

// -----

func.func @f24(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{clip_ratio must be in (0, 1], found 0}}
  %q, %s = rotq.quantize %x {bits = 4, granularity = #rotq.granularity<row>, clip_ratio = 0.0} : tensor<4x8xf32> -> tensor<4x8xi8>, tensor<4x1xf32>
  return
}

// -----

func.func @f25(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{granularity 'group' requires group_size}}
  %q, %s = rotq.quantize %x {bits = 4, granularity = #rotq.granularity<group>} : tensor<4x8xf32> -> tensor<4x8xi8>, tensor<4x2xf32>
  return
}

// -----

func.func @f26(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{group_size must be positive, found 0}}
  %q, %s = rotq.quantize %x {bits = 4, granularity = #rotq.granularity<group>, group_size = 0} : tensor<4x8xf32> -> tensor<4x8xi8>, tensor<4x2xf32>
  return
}

// -----

func.func @f27(%x: tensor<4x?xf32>) {
  // expected-error @+1 {{granularity 'group' requires a static last dimension}}
  %q, %s = rotq.quantize %x {bits = 4, granularity = #rotq.granularity<group>, group_size = 4} : tensor<4x?xf32> -> tensor<4x?xi8>, tensor<4x2xf32>
  return
}

// -----

func.func @f28(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{group_size 3 does not divide the last dimension 8}}
  %q, %s = rotq.quantize %x {bits = 4, granularity = #rotq.granularity<group>, group_size = 3} : tensor<4x8xf32> -> tensor<4x8xi8>, tensor<4x2xf32>
  return
}

// -----

func.func @f29(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{group_size is only valid with granularity 'group'}}
  %q, %s = rotq.quantize %x {bits = 4, granularity = #rotq.granularity<row>, group_size = 4} : tensor<4x8xf32> -> tensor<4x8xi8>, tensor<4x1xf32>
  return
}

// -----

func.func @f30(%x: tensor<4x?xf32>) {
  // expected-error @+1 {{granularity 'column' requires a static last dimension}}
  %q, %s = rotq.quantize %x {bits = 4, granularity = #rotq.granularity<column>} : tensor<4x?xf32> -> tensor<4x?xi8>, tensor<1x?xf32>
  return
}

// -----

func.func @f31(%x: tensor<4x8xf32>, %z: tensor<4x1xi8>) {
  // expected-error @+1 {{a zero_point operand requires a scale operand}}
  %q, %s = rotq.quantize %x zero_point(%z : tensor<4x1xi8>) {bits = 4, granularity = #rotq.granularity<row>, asymmetric} : tensor<4x8xf32> -> tensor<4x8xi8>, tensor<4x1xf32>
  return
}

// -----

func.func @f32(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{dynamic quantization must return the scale}}
  %q = rotq.quantize %x {bits = 4, granularity = #rotq.granularity<row>} : tensor<4x8xf32> -> tensor<4x8xi8>
  return
}

// -----

func.func @f33(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{asymmetric dynamic quantization must return the zero point}}
  %q, %s = rotq.quantize %x {bits = 4, granularity = #rotq.granularity<row>, asymmetric} : tensor<4x8xf32> -> tensor<4x8xi8>, tensor<4x1xf32>
  return
}

// -----

func.func @f34(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{symmetric quantization has no zero point result}}
  %q, %s, %z = rotq.quantize %x {bits = 4, granularity = #rotq.granularity<row>} : tensor<4x8xf32> -> tensor<4x8xi8>, tensor<4x1xf32>, tensor<4x1xi8>
  return
}

// -----

func.func @f35(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{scale result shape 1x8 does not match the shape 4x1 implied by granularity 'row'}}
  %q, %s = rotq.quantize %x {bits = 4, granularity = #rotq.granularity<row>} : tensor<4x8xf32> -> tensor<4x8xi8>, tensor<1x8xf32>
  return
}

// -----

func.func @f36(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{zero point result shape 4x1 does not match the shape 1x1 implied by granularity 'tensor'}}
  %q, %s, %z = rotq.quantize %x {bits = 4, granularity = #rotq.granularity<tensor>, asymmetric} : tensor<4x8xf32> -> tensor<4x8xi8>, tensor<1x1xf32>, tensor<4x1xi8>
  return
}

// -----

func.func @f37(%x: tensor<4x8xf32>, %s: tensor<4x1xf32>) {
  // expected-error @+1 {{static quantization (scale operand) returns only the codes}}
  %q, %t = rotq.quantize %x scale(%s : tensor<4x1xf32>) {bits = 4, granularity = #rotq.granularity<row>} : tensor<4x8xf32> -> tensor<4x8xi8>, tensor<4x1xf32>
  return
}

// -----

func.func @f38(%x: tensor<4x8xf32>, %s: tensor<4x1xf32>) {
  // expected-error @+1 {{asymmetric static quantization requires a zero_point operand}}
  %q = rotq.quantize %x scale(%s : tensor<4x1xf32>) {bits = 4, granularity = #rotq.granularity<row>, asymmetric} : tensor<4x8xf32> -> tensor<4x8xi8>
  return
}

// -----

func.func @f39(%x: tensor<4x8xf32>, %s: tensor<4x1xf32>, %z: tensor<4x1xi8>) {
  // expected-error @+1 {{a zero_point operand requires 'asymmetric'}}
  %q = rotq.quantize %x scale(%s : tensor<4x1xf32>) zero_point(%z : tensor<4x1xi8>) {bits = 4, granularity = #rotq.granularity<row>} : tensor<4x8xf32> -> tensor<4x8xi8>
  return
}

// -----

func.func @f40(%x: tensor<4x8xf32>, %s: tensor<4x2xf32>) {
  // expected-error @+1 {{scale shape 4x2 does not match the shape 1x8 implied by granularity 'column'}}
  %q = rotq.quantize %x scale(%s : tensor<4x2xf32>) {bits = 4, granularity = #rotq.granularity<column>} : tensor<4x8xf32> -> tensor<4x8xi8>
  return
}

// -----

func.func @f41(%x: tensor<4x8xf32>, %s: tensor<4x2xf32>, %z: tensor<4x1xi8>) {
  // expected-error @+1 {{zero_point shape 4x1 does not match the shape 4x2 implied by granularity 'group'}}
  %q = rotq.quantize %x scale(%s : tensor<4x2xf32>) zero_point(%z : tensor<4x1xi8>) {bits = 4, granularity = #rotq.granularity<group>, group_size = 4, asymmetric} : tensor<4x8xf32> -> tensor<4x8xi8>
  return
}

// -----

func.func @f42(%q: tensor<i8>, %s: tensor<f32>) {
  // expected-error @+1 {{codes must have rank >= 1}}
  %0 = rotq.dequantize %q scale(%s : tensor<f32>) : tensor<i8> -> tensor<f32>
  return
}

// -----

func.func @f43(%q: tensor<4x8xi8>, %s: tensor<4x1xf32>) {
  // expected-error @+1 {{result shape 4x4 must match the codes shape 4x8}}
  %0 = rotq.dequantize %q scale(%s : tensor<4x1xf32>) : tensor<4x8xi8> -> tensor<4x4xf32>
  return
}

// -----

func.func @f44(%q: tensor<4x8xi8>, %s: tensor<4xf32>) {
  // expected-error @+1 {{scale must have rank 2 like the data, found rank 1}}
  %0 = rotq.dequantize %q scale(%s : tensor<4xf32>) : tensor<4x8xi8> -> tensor<4x8xf32>
  return
}

// -----

func.func @f45(%q: tensor<4x8xi8>, %s: tensor<2x1xf32>) {
  // expected-error @+1 {{scale dimension 0 must be 1 or 4, found 2}}
  %0 = rotq.dequantize %q scale(%s : tensor<2x1xf32>) : tensor<4x8xi8> -> tensor<4x8xf32>
  return
}

// -----

func.func @f46(%q: tensor<4x8xi8>, %s: tensor<4x3xf32>) {
  // expected-error @+1 {{scale has 3 groups along the last dimension, which do not divide its size 8}}
  %0 = rotq.dequantize %q scale(%s : tensor<4x3xf32>) : tensor<4x8xi8> -> tensor<4x8xf32>
  return
}

// -----

func.func @f47(%q: tensor<4x8xi8>, %s: tensor<4x0xf32>) {
  // expected-error @+1 {{scale must have at least one group}}
  %0 = rotq.dequantize %q scale(%s : tensor<4x0xf32>) : tensor<4x8xi8> -> tensor<4x8xf32>
  return
}

// -----

func.func @f48(%q: tensor<4x8xi8>, %s: tensor<4x1xf32>, %z: tensor<1x1xi8>) {
  // expected-error @+1 {{zero_point shape 1x1 must match the scale shape 4x1}}
  %0 = rotq.dequantize %q scale(%s : tensor<4x1xf32>) zero_point(%z : tensor<1x1xi8>) : tensor<4x8xi8> -> tensor<4x8xf32>
  return
}

// -----

func.func @f49(%a: tensor<4x8xi8>, %as: tensor<4x1xf32>, %w: tensor<6x8xi8>, %ws: tensor<6x1xf32>, %a3: tensor<1x4x8xi8>) {
  // expected-error @+1 {{lhs [M,K] and rhs [N,K] must have rank 2}}
  %0 = rotq.qmatmul %a3 scale(%as : tensor<4x1xf32>), %w scale(%ws : tensor<6x1xf32>) : tensor<1x4x8xi8>, tensor<6x8xi8> -> tensor<4x6xf32>
  return
}

// -----

func.func @f50(%a: tensor<4x8xi8>, %as: tensor<4x1xf32>, %w: tensor<6x8xi8>, %ws: tensor<6x1xf32>, %w7: tensor<6x7xi8>) {
  // expected-error @+1 {{contraction sizes differ: lhs has K = 8, rhs has K = 7}}
  %0 = rotq.qmatmul %a scale(%as : tensor<4x1xf32>), %w7 scale(%ws : tensor<6x1xf32>) : tensor<4x8xi8>, tensor<6x7xi8> -> tensor<4x6xf32>
  return
}

// -----

func.func @f51(%a: tensor<4x8xi8>, %as: tensor<4x1xf32>, %w: tensor<6x8xi8>, %ws: tensor<6x1xf32>) {
  // expected-error @+1 {{result shape 4x5 must be [M, N] = 4x6}}
  %0 = rotq.qmatmul %a scale(%as : tensor<4x1xf32>), %w scale(%ws : tensor<6x1xf32>) : tensor<4x8xi8>, tensor<6x8xi8> -> tensor<4x5xf32>
  return
}

// -----

func.func @f52(%a: tensor<4x8xi8>, %as: tensor<4x1xf32>, %w: tensor<6x8xi8>, %ws: tensor<6x1xf32>, %bs: tensor<2x1xf32>) {
  // expected-error @+1 {{lhs_scale dimension 0 must be 1 or 4, found 2}}
  %0 = rotq.qmatmul %a scale(%bs : tensor<2x1xf32>), %w scale(%ws : tensor<6x1xf32>) : tensor<4x8xi8>, tensor<6x8xi8> -> tensor<4x6xf32>
  return
}

// -----

func.func @f53(%a: tensor<4x8xi8>, %as: tensor<4x1xf32>, %w: tensor<6x8xi8>, %ws: tensor<6x1xf32>, %ws3: tensor<6x3xf32>) {
  // expected-error @+1 {{rhs_scale has 3 groups along the last dimension, which do not divide its size 8}}
  %0 = rotq.qmatmul %a scale(%as : tensor<4x1xf32>), %w scale(%ws3 : tensor<6x3xf32>) : tensor<4x8xi8>, tensor<6x8xi8> -> tensor<4x6xf32>
  return
}

// -----

func.func @f54(%a: tensor<4x8xi8>, %as: tensor<4x1xf32>, %w: tensor<6x8xi8>, %ws: tensor<6x1xf32>, %as2: tensor<4x2xf32>, %ws4: tensor<6x4xf32>) {
  // expected-error @+1 {{lhs has 2 scale groups along K and rhs 4; they must be equal or one of them 1}}
  %0 = rotq.qmatmul %a scale(%as2 : tensor<4x2xf32>), %w scale(%ws4 : tensor<6x4xf32>) : tensor<4x8xi8>, tensor<6x8xi8> -> tensor<4x6xf32>
  return
}

// -----

func.func @f55(%a: tensor<4x8xi8>, %as: tensor<4x1xf32>, %w: tensor<6x8xi8>, %ws: tensor<6x1xf32>, %ad: tensor<?x8xi8>, %asd: tensor<4x?xf32>) {
  // expected-error @+1 {{scale group counts must be static}}
  %0 = rotq.qmatmul %ad scale(%asd : tensor<4x?xf32>), %w scale(%ws : tensor<6x1xf32>) : tensor<?x8xi8>, tensor<6x8xi8> -> tensor<?x6xf32>
  return
}

// -----

func.func @f56(%a: tensor<4x8xi8>, %as: tensor<4x1xf32>, %w: tensor<6x8xi8>, %ws: tensor<6x1xf32>, %az: tensor<1x1xi8>) {
  // expected-error @+1 {{lhs_zero_point shape must match lhs_scale}}
  %0 = rotq.qmatmul %a scale(%as : tensor<4x1xf32>) zero_point(%az : tensor<1x1xi8>), %w scale(%ws : tensor<6x1xf32>) : tensor<4x8xi8>, tensor<6x8xi8> -> tensor<4x6xf32>
  return
}

// -----

func.func @f57(%a: tensor<4x8xi8>, %as: tensor<4x1xf32>, %w: tensor<6x8xi8>, %ws: tensor<6x1xf32>, %wz: tensor<6x2xi8>) {
  // expected-error @+1 {{rhs_zero_point shape must match rhs_scale}}
  %0 = rotq.qmatmul %a scale(%as : tensor<4x1xf32>), %w scale(%ws : tensor<6x1xf32>) zero_point(%wz : tensor<6x2xi8>) : tensor<4x8xi8>, tensor<6x8xi8> -> tensor<4x6xf32>
  return
}

// -----

func.func @f58(%a: tensor<4x8xi8>, %as: tensor<4x1xf32>, %w: tensor<6x8xi8>, %ws: tensor<6x1xf32>, %bias: tensor<4xf32>) {
  // expected-error @+1 {{bias must have shape [N] = [6], found 4}}
  %0 = rotq.qmatmul %a scale(%as : tensor<4x1xf32>), %w scale(%ws : tensor<6x1xf32>) bias(%bias : tensor<4xf32>) : tensor<4x8xi8>, tensor<6x8xi8> -> tensor<4x6xf32>
  return
}

// -----

func.func @f59(%q: tensor<4x8xi8>) {
  // expected-error @+1 {{bits must be 2 or 4, found 3}}
  %0 = rotq.pack %q {bits = 3} : tensor<4x8xi8> -> tensor<4x3xi8>
  return
}

// -----

func.func @f60(%q: tensor<i8>) {
  // expected-error @+1 {{packed and unpacked tensors must have the same rank >= 1}}
  %0 = rotq.pack %q {bits = 4} : tensor<i8> -> tensor<i8>
  return
}

// -----

func.func @f61(%q: tensor<4x8xi8>) {
  // expected-error @+1 {{leading dimensions differ: 4x8 vs 3x4}}
  %0 = rotq.pack %q {bits = 4} : tensor<4x8xi8> -> tensor<3x4xi8>
  return
}

// -----

func.func @f62(%q: tensor<4x?xi8>) {
  // expected-error @+1 {{the packed dimension must be static}}
  %0 = rotq.pack %q {bits = 4} : tensor<4x?xi8> -> tensor<4x?xi8>
  return
}

// -----

func.func @f63(%q: tensor<4x7xi8>) {
  // expected-error @+1 {{last dimension 7 is not a multiple of 2 codes per byte}}
  %0 = rotq.pack %q {bits = 4} : tensor<4x7xi8> -> tensor<4x3xi8>
  return
}

// -----

func.func @f64(%q: tensor<4x8xi8>) {
  // expected-error @+1 {{packing 8 2-bit codes gives 2 bytes, found 4}}
  %0 = rotq.pack %q {bits = 2} : tensor<4x8xi8> -> tensor<4x4xi8>
  return
}

// -----

func.func @f65(%p: tensor<4x4xi8>) {
  // expected-error @+1 {{last dimension 9 is not a multiple of 2 codes per byte}}
  %0 = rotq.unpack %p {bits = 4} : tensor<4x4xi8> -> tensor<4x9xi8>
  return
}

// -----

func.func @m1(%t: tensor<10x4xf32>, %ids: tensor<?xi64>) {
  // expected-error @+1 {{result's last dimension must be the table's width 4}}
  %0 = rotq.embedding %t[%ids] : tensor<10x4xf32>, tensor<?xi64> -> tensor<?x5xf32>
  return
}

// -----

func.func @m2(%t: tensor<10x4xf32>, %ids: tensor<3xi64>) {
  // expected-error @+1 {{result dimension 0 (2) does not match the ids (3)}}
  %0 = rotq.embedding %t[%ids] : tensor<10x4xf32>, tensor<3xi64> -> tensor<2x4xf32>
  return
}

// -----

func.func @m3(%x: tensor<?x8xf32>, %g: tensor<4xf32>) {
  // expected-error @+1 {{weight must be [8]}}
  %0 = rotq.rms_norm %x scale(%g : tensor<4xf32>) {epsilon = 1.0e-5 : f64} : tensor<?x8xf32>
  return
}

// -----

func.func @m4(%x: tensor<?x8xf32>) {
  // expected-error @+1 {{epsilon must be finite and non-negative, found -1}}
  %0 = rotq.rms_norm %x {epsilon = -1.0 : f64} : tensor<?x8xf32>
  return
}

// -----

func.func @m5(%x: tensor<?x8xf32>, %w: tensor<16x4xf32>) {
  // expected-error @+1 {{input's last dimension (8) must be the weight's 'in' (4)}}
  %0 = rotq.linear %x, %w : tensor<?x8xf32>, tensor<16x4xf32> -> tensor<?x16xf32>
  return
}

// -----

func.func @m6(%x: tensor<?x8xf32>, %w: tensor<16x8xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{bias must be [16]}}
  %0 = rotq.linear %x, %w bias(%b : tensor<8xf32>) : tensor<?x8xf32>, tensor<16x8xf32> -> tensor<?x16xf32>
  return
}

// -----

func.func @m7(%x: tensor<?x8xf32>, %w: tensor<16x8xf16>) {
  // expected-error @+1 {{weight must have the input's element type}}
  %0 = rotq.linear %x, %w : tensor<?x8xf32>, tensor<16x8xf16> -> tensor<?x16xf32>
  return
}

// -----

func.func @m8(%q: tensor<?x6x16xf32>, %k: tensor<?x4x16xf32>) {
  // expected-error @+1 {{query heads (6) must be a multiple of key/value heads (4)}}
  %0 = rotq.attention %q, %k, %k {scale = 0.25 : f64, causal} : tensor<?x6x16xf32>, tensor<?x4x16xf32>, tensor<?x4x16xf32> -> tensor<?x6x16xf32>
  return
}

// -----

func.func @m9(%q: tensor<?x6x16xf32>, %k: tensor<?x2x8xf32>) {
  // expected-error @+1 {{query and key must have the same static head size}}
  %0 = rotq.attention %q, %k, %k {scale = 0.25 : f64, causal} : tensor<?x6x16xf32>, tensor<?x2x8xf32>, tensor<?x2x8xf32> -> tensor<?x6x8xf32>
  return
}

// -----

func.func @m10(%q: tensor<?x6x16xf32>, %k: tensor<?x2x16xf32>) {
  // expected-error @+1 {{window requires causal}}
  %0 = rotq.attention %q, %k, %k {scale = 0.25 : f64, window = 4} : tensor<?x6x16xf32>, tensor<?x2x16xf32>, tensor<?x2x16xf32> -> tensor<?x6x16xf32>
  return
}

// -----

func.func @m_eps_nan(%x: tensor<?x8xf32>) {
  // expected-error @+1 {{epsilon must be finite and non-negative, found nan}}
  %0 = rotq.rms_norm %x {epsilon = 0x7FF8000000000000 : f64} : tensor<?x8xf32>
  return
}

// -----

func.func @att_scale_nan(%q: tensor<?x4x8xf32>) {
  // expected-error @+1 {{scale must be finite, found nan}}
  %0 = rotq.attention %q, %q, %q {scale = 0x7FF8000000000000 : f64, causal} : tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32> -> tensor<?x4x8xf32>
  return
}

// -----

// The lowering needs the [1, 1] a per-tensor scale implies statically.
func.func @q_tensor_dynamic_scale(%x: tensor<?x8xf32>) {
  // expected-error @+1 {{scale result shape ?x1 does not match the shape 1x1 implied by granularity 'tensor'}}
  %q, %s = rotq.quantize %x {bits = 4, granularity = #rotq.granularity<tensor>} : tensor<?x8xf32> -> tensor<?x8xi8>, tensor<?x1xf32>
  return
}

// -----

func.func @q_empty(%x: tensor<4x0xf32>) {
  // expected-error @+1 {{the quantized dimension must not be empty}}
  %q, %s = rotq.quantize %x {bits = 4, granularity = #rotq.granularity<row>} : tensor<4x0xf32> -> tensor<4x0xi8>, tensor<4x1xf32>
  return
}

// -----

func.func @qmm_k0(%a: tensor<4x0xi8>, %as: tensor<4x1xf32>, %w: tensor<6x0xi8>, %ws: tensor<6x1xf32>) {
  // expected-error @+1 {{the contraction size K must not be 0}}
  %0 = rotq.qmatmul %a scale(%as : tensor<4x1xf32>), %w scale(%ws : tensor<6x1xf32>) : tensor<4x0xi8>, tensor<6x0xi8> -> tensor<4x6xf32>
  return
}

// -----

// A prime order's fallback is one dense factor of that order: refused
// before any lowering tries to build it.
func.func @had_prime(%x: tensor<?x65537xf32>) {
  // expected-error @+1 {{order 65537 needs a dense DCT-II(65537) factor of order 65537, larger than the 4096 rotq builds}}
  %0 = rotq.hadamard %x : tensor<?x65537xf32>
  return
}

// -----

func.func @emb_empty(%t: tensor<0x4xf32>, %ids: tensor<?xi64>) {
  // expected-error @+1 {{table must have at least one row}}
  %y = rotq.embedding %t[%ids] : tensor<0x4xf32>, tensor<?xi64> -> tensor<?x4xf32>
  return
}

// -----

func.func @param_no_file() {
  // expected-error @+1 {{needs the file holding 'w'}}
  %w = rotq.param "w" in "" : tensor<4x4xf32>
  return
}

// -----

func.func @param_no_name() {
  // expected-error @+1 {{needs a tensor name}}
  %w = rotq.param "" in "m.safetensors" : tensor<4x4xf32>
  return
}

// -----

func.func @param_type() {
  // expected-error @+1 {{element type must be f32, f16, bf16, f64 or i8, found 'i32'}}
  %w = rotq.param "w" in "m.safetensors" : tensor<4x4xi32>
  return
}

// -----

func.func @param_dynamic() {
  // expected-error @+1 {{must be statically shaped tensor}}
  %w = rotq.param "w" in "m.safetensors" : tensor<?x4xf32>
  return
}

// -----

func.func @scale_axis(%x: tensor<4x8xf32>, %s: tensor<8xf32>) {
  // expected-error @+1 {{axis 2 is not a dimension of the rank-2 input}}
  %y = rotq.scale %x, %s {axis = 2} : tensor<4x8xf32>, tensor<8xf32>
  return
}

// -----

func.func @scale_size(%x: tensor<4x8xf32>, %s: tensor<8xf32>) {
  // expected-error @+1 {{scale has 8 entries, dimension 0 of the input has 4}}
  %y = rotq.scale %x, %s {axis = 0} : tensor<4x8xf32>, tensor<8xf32>
  return
}

// -----

func.func @scale_type(%x: tensor<4x8xf32>, %s: tensor<8xf16>) {
  // expected-error @+1 {{scale must have the input's element type}}
  %y = rotq.scale %x, %s {axis = 1} : tensor<4x8xf32>, tensor<8xf16>
  return
}

// -----

func.func @clip_search_range(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{clip_search must be in (0, 1], found 1.5}}
  %q, %s = rotq.quantize %x {bits = 4, granularity = #rotq.granularity<row>, clip_search = 1.5}
      : tensor<4x8xf32> -> tensor<4x8xi8>, tensor<4x1xf32>
  return
}

// -----

func.func @clip_search_static(%x: tensor<4x8xf32>, %s: tensor<4x1xf32>) {
  // expected-error @+1 {{clip_search needs the dynamic form (no scale operand)}}
  %q = rotq.quantize %x scale(%s : tensor<4x1xf32>) {bits = 4, granularity = #rotq.granularity<row>, clip_search = 0.8}
      : tensor<4x8xf32> -> tensor<4x8xi8>
  return
}

// -----

func.func @clip_metric_without_search(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{clip_metric needs clip_search}}
  %q, %s = rotq.quantize %x {bits = 4, granularity = #rotq.granularity<row>, clip_metric = dense<1.0> : tensor<2x8xf64>}
      : tensor<4x8xf32> -> tensor<4x8xi8>, tensor<4x1xf32>
  return
}

// -----

func.func @clip_metric_shape(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{clip_metric must be f64 [1 + r, 8], found 'tensor<2x4xf64>'}}
  %q, %s = rotq.quantize %x {bits = 4, granularity = #rotq.granularity<row>, clip_search = 0.8, clip_metric = dense<1.0> : tensor<2x4xf64>}
      : tensor<4x8xf32> -> tensor<4x8xi8>, tensor<4x1xf32>
  return
}

// -----

func.func @clip_metric_type(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{clip_metric must be f64 [1 + r, 8], found 'tensor<2x8xf32>'}}
  %q, %s = rotq.quantize %x {bits = 4, granularity = #rotq.granularity<row>, clip_search = 0.8, clip_metric = dense<1.0> : tensor<2x8xf32>}
      : tensor<4x8xf32> -> tensor<4x8xi8>, tensor<4x1xf32>
  return
}

// -----

func.func @clip_metric_rank(%x: tensor<2x4x8xf32>) {
  // expected-error @+1 {{clip_metric needs a 2-D input (a weight)}}
  %q, %s = rotq.quantize %x {bits = 4, granularity = #rotq.granularity<row>, clip_search = 0.8, clip_metric = dense<1.0> : tensor<2x8xf64>}
      : tensor<2x4x8xf32> -> tensor<2x4x8xi8>, tensor<2x4x1xf32>
  return
}

// -----

func.func @metric_rounding_without_metric(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{metric_rounding needs clip_metric}}
  %q, %s = rotq.quantize %x {bits = 4, granularity = #rotq.granularity<row>, clip_search = 0.8, metric_rounding}
      : tensor<4x8xf32> -> tensor<4x8xi8>, tensor<4x1xf32>
  return
}

// -----

func.func @protect_directions_width(%x: tensor<3x8xf32>, %y: tensor<3x6xf32>, %p: tensor<2x7xf32>, %c: tensor<6x2xf32>) -> tensor<3x6xf32> {
  // expected-error @+1 {{directions must be [K, 8] (the input's last dimension), found [2, 7]}}
  %z = rotq.protect %y, %x directions(%p : tensor<2x7xf32>) correction(%c : tensor<6x2xf32>) : tensor<3x8xf32> -> tensor<3x6xf32>
  return %z : tensor<3x6xf32>
}

// -----

func.func @protect_correction_shape(%x: tensor<3x8xf32>, %y: tensor<3x6xf32>, %p: tensor<2x8xf32>, %c: tensor<6x3xf32>) -> tensor<3x6xf32> {
  // expected-error @+1 {{correction must be [6, 2] (the linear's out, K), found [6, 3]}}
  %z = rotq.protect %y, %x directions(%p : tensor<2x8xf32>) correction(%c : tensor<6x3xf32>) : tensor<3x8xf32> -> tensor<3x6xf32>
  return %z : tensor<3x6xf32>
}

// -----

func.func @protect_rows(%x: tensor<4x8xf32>, %y: tensor<3x6xf32>, %p: tensor<2x8xf32>, %c: tensor<6x2xf32>) -> tensor<3x6xf32> {
  // expected-error @+1 {{input dimension 0 (4) does not match the linear result's (3)}}
  %z = rotq.protect %y, %x directions(%p : tensor<2x8xf32>) correction(%c : tensor<6x2xf32>) : tensor<4x8xf32> -> tensor<3x6xf32>
  return %z : tensor<3x6xf32>
}

// -----

func.func @protect_element_type(%x: tensor<3x8xbf16>, %y: tensor<3x6xf32>, %p: tensor<2x8xf32>, %c: tensor<6x2xf32>) -> tensor<3x6xf32> {
  // expected-error @+1 {{input, directions and correction must have the linear result's element type}}
  %z = rotq.protect %y, %x directions(%p : tensor<2x8xf32>) correction(%c : tensor<6x2xf32>) : tensor<3x8xbf16> -> tensor<3x6xf32>
  return %z : tensor<3x6xf32>
}

// -----

func.func @error_projection_quantized_type(%w: tensor<6x8xf32>, %wq: tensor<6x8xbf16>, %p: tensor<2x8xf32>) -> tensor<6x2xf32> {
  // expected-error @+1 {{failed to verify that all of {weight, quantized} have same type}}
  %c = "rotq.error_projection"(%w, %wq, %p) : (tensor<6x8xf32>, tensor<6x8xbf16>, tensor<2x8xf32>) -> tensor<6x2xf32>
  return %c : tensor<6x2xf32>
}

// -----

func.func @error_projection_result(%w: tensor<6x8xf32>, %p: tensor<2x8xf32>) -> tensor<6x3xf32> {
  // expected-error @+1 {{result must be [6, 2] (out, K)}}
  %c = rotq.error_projection %w, %w directions(%p : tensor<2x8xf32>) : tensor<6x8xf32> -> tensor<6x3xf32>
  return %c : tensor<6x3xf32>
}
