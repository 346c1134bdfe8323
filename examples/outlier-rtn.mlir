// 4-bit per-token round trip of an activation, plain and with a Hadamard
// rotation around the quantizer (x -> Q(x H) H^T). Used by `make demo`.
func.func @plain(%x: tensor<64x1536xf32>) -> tensor<64x1536xf32> {
  %q, %s = rotq.quantize %x {bits = 4, granularity = #rotq.granularity<row>} : tensor<64x1536xf32> -> tensor<64x1536xi8>, tensor<64x1xf32>
  %y = rotq.dequantize %q scale(%s : tensor<64x1xf32>) : tensor<64x1536xi8> -> tensor<64x1536xf32>
  return %y : tensor<64x1536xf32>
}
func.func @rotated(%x: tensor<64x1536xf32>) -> tensor<64x1536xf32> {
  %r = rotq.hadamard %x : tensor<64x1536xf32>
  %q, %s = rotq.quantize %r {bits = 4, granularity = #rotq.granularity<row>} : tensor<64x1536xf32> -> tensor<64x1536xi8>, tensor<64x1xf32>
  %d = rotq.dequantize %q scale(%s : tensor<64x1xf32>) : tensor<64x1536xi8> -> tensor<64x1536xf32>
  %y = rotq.hadamard %d {transpose} : tensor<64x1536xf32>
  return %y : tensor<64x1536xf32>
}
// The reference: the activation itself.
func.func @identity(%x: tensor<64x1536xf32>) -> tensor<64x1536xf32> {
  return %x : tensor<64x1536xf32>
}
