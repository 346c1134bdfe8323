//===- RotqOps.td - rotq operations --------------------------*- tablegen -*-===//
#ifndef ROTQ_OPS_TD
#define ROTQ_OPS_TD

include "rotq/Dialect/Rotq/IR/RotqDialect.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"

def Rotq_FloatTensor : RankedTensorOf<[F16, BF16, F32, F64]>;
def Rotq_ScaleTensor : RankedTensorOf<[F32]>;
def Rotq_CodeTensor : RankedTensorOf<[I8]>;

//===----------------------------------------------------------------------===//
// Rotations and permutations
//===----------------------------------------------------------------------===//

def Rotq_HadamardOp : Rotq_Op<"hadamard", [Pure, SameOperandsAndResultType]> {
  let summary = "normalized (randomized, block-diagonal) Hadamard transform";
  let description = [{
    Computes `y = x * M` along the last dimension, where for a last dimension
    of size `n` and a block size `b` (default `n`):

    * `M = diag(s) * blockdiag(H_b, ..., H_b) / sqrt(b)`, with `s` the
      optional `signs` vector (length `n`, entries +1/-1; all +1 if absent);
    * with `transpose`, `M` is replaced by its transpose (and inverse)
      `blockdiag(H_b^T, ...) / sqrt(b) * diag(s)`.

    `H_b` is the matrix the rotq Hadamard library builds for order `b`
    (`rotq-hadamard b` prints its factorization): a Kronecker product of
    Sylvester, Paley and Goethals-Seidel matrices with `H H^T = b I`. For
    orders that have no such construction the library's documented fallback
    is an orthonormal DCT-II factor, so `M` is always orthogonal.

    The op is its own inverse only when the signs are absent and `H_b` is
    symmetric; otherwise the inverse is the same op with `transpose`
    toggled. The folder removes such inverse pairs.

    Example:
    ```mlir
    %y = rotq.hadamard %x {signs = array<i8: 1, -1, 1, 1>} : tensor<?x4xf32>
    %z = rotq.hadamard %y {block_size = 128} : tensor<8x11008xf16>
    ```
  }];
  let arguments = (ins Rotq_FloatTensor:$input,
                       OptionalAttr<DenseI8ArrayAttr>:$signs,
                       OptionalAttr<I64Attr>:$block_size,
                       UnitAttr:$transpose);
  let results = (outs Rotq_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let extraClassDeclaration = [{
    /// Size of the transformed (last) dimension.
    int64_t getSize() {
      return getInput().getType().getShape().back();
    }
    /// Block size, defaulting to the whole last dimension.
    int64_t getEffectiveBlockSize() {
      return getBlockSize() ? static_cast<int64_t>(*getBlockSize()) : getSize();
    }
  }];
}

def Rotq_RotateOp : Rotq_Op<"rotate",
    [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "multiply the last dimension by an orthogonal matrix";
  let description = [{
    Computes `y = x * R` (or `y = x * R^T` with `transpose`) along the last
    dimension of size `n`. The matrix operand takes one of three shapes:

    * `[n, n]`: a dense rotation;
    * `[b, b]` with `b` dividing `n`: one block shared by all `n/b`
      contiguous blocks (block-diagonal);
    * `[n/b, b, b]`: one block per contiguous block.

    `R` must be orthogonal; the op does not check it for non-constant
    operands, and folding relies on it: rotating by `R` and then by the same
    `R` with `transpose` toggled (or by a constant that is exactly the
    transpose of a constant orthogonal `R`) is the identity. Two rotations
    in a row by constant matrices of the same shape (a constant, or the
    `arith.truncf` of one) canonicalize to one rotation by their product,
    computed in float64 and rounded once.

    Example:
    ```mlir
    %y = rotq.rotate %x, %r : tensor<16x256xf32>, tensor<128x128xf32>
    ```
  }];
  let arguments = (ins Rotq_FloatTensor:$input, Rotq_FloatTensor:$matrix,
                       UnitAttr:$transpose);
  let results = (outs Rotq_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $matrix attr-dict `:` type($input) `,` type($matrix)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
  let extraClassDeclaration = [{
    /// Number of rows/columns of one block of the rotation.
    int64_t getBlockSize() {
      return getMatrix().getType().getShape().back();
    }
  }];
}

def Rotq_PermuteOp : Rotq_Op<"permute", [Pure, SameOperandsAndResultType]> {
  let summary = "static permutation of the last dimension";
  let description = [{
    Gathers along the last dimension: `y[..., i] = x[..., permutation[i]]`.
    `permutation` must hold every index of the last dimension exactly once.
    Two permutes compose into one (`p = p1[p2[i]]`), and the identity
    permutation folds away.

    Example:
    ```mlir
    %y = rotq.permute %x [2, 0, 1, 3] : tensor<?x4xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input,
                       DenseI64ArrayAttr:$permutation);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input $permutation attr-dict `:` type($input)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

def Rotq_QuantizeOp : Rotq_Op<"quantize",
    [Pure, AttrSizedOperandSegments, AttrSizedResultSegments]> {
  let summary = "quantize floats to integer codes";
  let description = [{
    Quantizes `x` to `bits`-bit integer codes stored as `i8`.

    *Dynamic* form (no `scale` operand): scales (and zero points when
    `asymmetric`) are computed from the data over each region that
    `granularity` names, and returned:

    * `tensor`: one scale; scale shape `[1, ..., 1]`;
    * `row`: one per row (token), shape `[d0, ..., 1]`;
    * `column`: one per index of the last dimension, shape `[1, ..., K]`;
    * `group`: one per `group_size` contiguous elements of each row, shape
      `[d0, ..., K/group_size]`.

    With `qmax = 2^(bits-1) - 1`:

    * symmetric: `scale = clip_ratio * max|x| / qmax`,
      `q = clamp(roundeven(x / scale), -qmax-1, qmax)`;
    * asymmetric: `lo = clip_ratio * min(min x, 0)`,
      `hi = clip_ratio * max(max x, 0)`, `scale = (hi - lo) / (2^bits - 1)`,
      `zero_point = roundeven(-lo / scale) - 2^(bits-1)`,
      `q = clamp(roundeven(x / scale) + zero_point, -qmax-1, qmax)`.

    Rounding is to nearest, ties to even; the clamp happens in floating
    point, before the conversion to integer. A region whose scale would be 0
    (all zeros) gets scale 1, so it dequantizes to exact zeros.

    Non-finite inputs: scales and zero points are computed from the finite
    values only; `NaN` quantizes to the zero-point code (0 when symmetric),
    `+inf`/`-inf` saturate to the largest/smallest code.

    `clip_search = r` (dynamic form only) replaces `clip_ratio` by a search,
    per region, over the ratios `1, 0.99, 0.98, ...` down to `r`: the ratio
    whose codes minimise `sum |x - dequantize(q)|^2.4` over the region wins
    (the earliest one on ties). It is meant for weights, evaluated offline
    by `rotq-materialize`; the lowerings refuse it.

    `clip_metric` (with `clip_search`, on a 2-D weight `[N, K]`) makes the
    search minimise the error of the layer's output instead: an `f64`
    tensor `[1 + r, K]` holding `D` (row 0) and `V` (rows 1 to r) of the
    metric `M = diag(D) + V^T V`, an approximation of the second moments
    `E[x x^T]` of the linear's input (`rotq-calibrate` with `metric-rank`
    measures it). For each region, the ratio whose error
    `e = dequantize(q) - x` has the smallest `e^T M_g e` wins, `M_g` being
    `M` restricted to the region's columns (the earliest one on ties).
    `metric_rounding` (with `clip_metric`) then improves each row's codes
    under the chosen scales by greedy coordinate descent on `e^T M e` over
    the whole row: two sweeps over the columns in order, each code moved by
    +1, else -1 (within the code range), when that lowers the error by more
    than 1e-12 of it (a sweep that changes nothing ends the descent).

    *Static* form: `scale` (and `zero_point`) are operands in the shape the
    granularity implies, and only the codes are returned; `clip_ratio` is not
    used.

    Example:
    ```mlir
    %q, %s = rotq.quantize %x {bits = 4, granularity = #rotq.granularity<row>,
                               clip_ratio = 0.9}
        : tensor<?x4096xf32> -> tensor<?x4096xi8>, tensor<?x1xf32>
    %q2 = rotq.quantize %x scale(%s : tensor<?x1xf32>)
        {bits = 4, granularity = #rotq.granularity<row>}
        : tensor<?x4096xf32> -> tensor<?x4096xi8>
    ```
  }];
  let arguments = (ins Rotq_FloatTensor:$input,
                       Optional<Rotq_ScaleTensor>:$scale,
                       Optional<Rotq_CodeTensor>:$zero_point,
                       I64Attr:$bits,
                       Rotq_GranularityAttr:$granularity,
                       OptionalAttr<I64Attr>:$group_size,
                       UnitAttr:$asymmetric,
                       DefaultValuedAttr<F64Attr, "1.0">:$clip_ratio,
                       OptionalAttr<F64Attr>:$clip_search,
                       OptionalAttr<ElementsAttr>:$clip_metric,
                       UnitAttr:$metric_rounding);
  let results = (outs Rotq_CodeTensor:$codes,
                      Optional<Rotq_ScaleTensor>:$out_scale,
                      Optional<Rotq_CodeTensor>:$out_zero_point);
  let assemblyFormat = [{
    $input (`scale` `(` $scale^ `:` type($scale) `)`)?
    (`zero_point` `(` $zero_point^ `:` type($zero_point) `)`)?
    attr-dict `:` type($input) `->` type($codes)
    (`,` type($out_scale)^)? (`,` type($out_zero_point)^)?
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    bool isDynamic() { return !getScale(); }
    /// The values of `clip_metric`, row-major; nullopt when it is absent
    /// or its data is not available (an unloaded resource blob).
    std::optional<std::vector<double>> readClipMetric();
  }];
}

def Rotq_DequantizeOp : Rotq_Op<"dequantize", [Pure]> {
  let summary = "integer codes back to floats";
  let description = [{
    Computes `y = scale * (q - zero_point)` (zero point 0 if absent), with the
    scale and zero point broadcast as the dialect's scale-shape rule says.

    Example:
    ```mlir
    %y = rotq.dequantize %q scale(%s : tensor<16x2xf32>)
        : tensor<16x256xi8> -> tensor<16x256xf32>
    ```
  }];
  let arguments = (ins Rotq_CodeTensor:$codes, Rotq_ScaleTensor:$scale,
                       Optional<Rotq_CodeTensor>:$zero_point);
  let results = (outs Rotq_FloatTensor:$result);
  let assemblyFormat = [{
    $codes `scale` `(` $scale `:` type($scale) `)`
    (`zero_point` `(` $zero_point^ `:` type($zero_point) `)`)?
    attr-dict `:` type($codes) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Rotq_QMatmulOp : Rotq_Op<"qmatmul", [Pure, AttrSizedOperandSegments]> {
  let summary = "matmul of quantized activations and transposed weights";
  let description = [{
    `lhs` holds activation codes `[M, K]`, `rhs` weight codes stored
    `[N, K]` (PyTorch layout, used transposed); the result is `[M, N]`:

    `y[m, n] = sum_g ls[m, g] * rs[n, g] * acc[m, n, g] + bias[n]`,
    `acc[m, n, g] = sum_{k in group g} (lhs[m, k] - lz[m, g]) *
                                       (rhs[n, k] - rz[n, g])`

    `acc` is exact 32-bit integer arithmetic (two's complement wrap-around);
    the group sum and the epilogue are in `f32`. The scales follow the
    dialect's scale-shape rule: `lhs_scale` is `[M or 1, G_l]` and
    `rhs_scale` `[N or 1, G_r]`; `G_l` and `G_r` must be equal or one of them
    1, and the larger is the number of groups `G` (group size `K/G`).
    Zero points, when given, have their scale's shape. `bias` is `[N]`.

    Example:
    ```mlir
    %y = rotq.qmatmul %a scale(%as : tensor<16x1xf32>),
                      %w scale(%ws : tensor<64x1xf32>)
        : tensor<16x256xi8>, tensor<64x256xi8> -> tensor<16x64xf32>
    ```
  }];
  let arguments = (ins Rotq_CodeTensor:$lhs, Rotq_ScaleTensor:$lhs_scale,
                       Optional<Rotq_CodeTensor>:$lhs_zero_point,
                       Rotq_CodeTensor:$rhs, Rotq_ScaleTensor:$rhs_scale,
                       Optional<Rotq_CodeTensor>:$rhs_zero_point,
                       Optional<RankedTensorOf<[F32]>>:$bias);
  let results = (outs RankedTensorOf<[F32]>:$result);
  let assemblyFormat = [{
    $lhs `scale` `(` $lhs_scale `:` type($lhs_scale) `)`
    (`zero_point` `(` $lhs_zero_point^ `:` type($lhs_zero_point) `)`)? `,`
    $rhs `scale` `(` $rhs_scale `:` type($rhs_scale) `)`
    (`zero_point` `(` $rhs_zero_point^ `:` type($rhs_zero_point) `)`)?
    (`bias` `(` $bias^ `:` type($bias) `)`)?
    attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Rotq_PackOp : Rotq_Op<"pack", [Pure]> {
  let summary = "pack sub-byte codes into bytes";
  let description = [{
    Packs `8/bits` consecutive codes of the last dimension into one byte,
    the first code in the lowest bits (`bits` is 2 or 4). The last
    dimension must be a multiple of `8/bits`. Codes must lie in the signed
    `bits`-bit range; only their low `bits` bits are kept.

    ```mlir
    %p = rotq.pack %q {bits = 4} : tensor<64x256xi8> -> tensor<64x128xi8>
    ```
  }];
  let arguments = (ins Rotq_CodeTensor:$codes, I64Attr:$bits);
  let results = (outs Rotq_CodeTensor:$packed);
  let assemblyFormat = "$codes attr-dict `:` type($codes) `->` type($packed)";
  let hasVerifier = 1;
}

def Rotq_UnpackOp : Rotq_Op<"unpack", [Pure]> {
  let summary = "unpack bytes into sign-extended sub-byte codes";
  let description = [{
    Inverse of `rotq.pack`: each byte of the last dimension yields `8/bits`
    codes, lowest bits first, sign-extended to `i8`.

    ```mlir
    %q = rotq.unpack %p {bits = 4} : tensor<64x128xi8> -> tensor<64x256xi8>
    ```
  }];
  let arguments = (ins Rotq_CodeTensor:$packed, I64Attr:$bits);
  let results = (outs Rotq_CodeTensor:$codes);
  let assemblyFormat = "$packed attr-dict `:` type($packed) `->` type($codes)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Parameters and weight transforms
//===----------------------------------------------------------------------===//

def Rotq_ParamOp : Rotq_Op<"param", [Pure]> {
  let summary = "a tensor stored in a checkpoint file";
  let description = [{
    The tensor `name` of the safetensors file `file`, in its stored element
    type (`f32`, `f16`, `bf16`, `f64`, or `i8` for quantized codes) and
    shape. A relative `file` is relative to the directory of the module's
    own file. The data stay in the file: passes rewrite the IR that reads a
    parameter (a chain of rotq ops applied to it), and `rotq-materialize`
    evaluates those chains into new files; the tools that run a module read
    the files when they run it.

    ```mlir
    %w = rotq.param "model.layers.0.mlp.up_proj.weight" in "model.safetensors"
        : tensor<1536x576xbf16>
    ```
  }];
  let arguments = (ins StrAttr:$name, StrAttr:$file);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "$name `in` $file attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Rotq_ScaleOp : Rotq_Op<"scale",
    [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "multiply by a vector along one dimension";
  let description = [{
    `y[..., i_axis, ...] = x[..., i_axis, ...] * s[i_axis]`: every slice of
    `x` along dimension `axis` is multiplied by one entry of the 1-D `s`
    (of that dimension's size). Folds a norm's weight or a smoothing factor
    into the columns (`axis = 1`) or rows (`axis = 0`) of a `[out, in]`
    weight.

    ```mlir
    %w2 = rotq.scale %w, %gamma {axis = 1} : tensor<128x64xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins Rotq_FloatTensor:$input, Rotq_FloatTensor:$scale,
                       I64Attr:$axis);
  let results = (outs Rotq_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $scale attr-dict `:` type($input) `,` type($scale)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Model-level ops
//
// Semantic ops that the model passes raise linalg to (and the importer
// lowers from), so that the transforms can name what they rewrite. Each
// lowers back to linalg in convert-rotq-to-linalg.
//===----------------------------------------------------------------------===//

def Rotq_EmbeddingOp : Rotq_Op<"embedding", [Pure]> {
  let summary = "row gather from an embedding table";
  let description = [{
    `y[i..., :] = table[ids[i...], :]` for a `[vocab, d]` table. Ids outside
    `[0, vocab)` are clamped into it, against the table's actual row count
    when it is dynamic; a dynamic table that turns out empty gives zeros.
    The lowering never reads out of bounds (tools reject out-of-range ids
    before running a model).

    ```mlir
    %h = rotq.embedding %table[%ids] : tensor<32000x4096xf32>, tensor<?xi64> -> tensor<?x4096xf32>
    ```
  }];
  let arguments = (ins Rotq_FloatTensor:$table,
                       RankedTensorOf<[I32, I64]>:$ids);
  let results = (outs Rotq_FloatTensor:$result);
  let assemblyFormat = [{
    $table `[` $ids `]` attr-dict `:` type($table) `,` type($ids) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Rotq_RMSNormOp : Rotq_Op<"rms_norm", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "root-mean-square normalization along the last dimension";
  let description = [{
    `y = x / sqrt(mean(x^2) + epsilon) * weight` over the last dimension
    (`weight` of shape `[n]`; without it the norm is scale-free), computed
    in f32 (f64 for f64 data), as Llama's RMSNorm.

    ```mlir
    %y = rotq.rms_norm %x scale(%g : tensor<4096xf32>) {epsilon = 1.0e-05 : f64} : tensor<?x4096xf32>
    ```
  }];
  let arguments = (ins Rotq_FloatTensor:$input,
                       Optional<Rotq_FloatTensor>:$weight,
                       F64Attr:$epsilon);
  let results = (outs Rotq_FloatTensor:$result);
  let assemblyFormat = [{
    $input (`scale` `(` $weight^ `:` type($weight) `)`)? attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
}

def Rotq_LinearOp : Rotq_Op<"linear", [Pure]> {
  let summary = "fully connected layer with a [out, in] weight";
  let description = [{
    `y = x * weight^T + bias` along the last dimension of `x`: `x` is
    `[..., in]`, `weight` is `[out, in]` (the PyTorch layout), the optional
    `bias` is `[out]` and `y` is `[..., out]`. Accumulates in f32 (f64 for
    f64 data).

    ```mlir
    %y = rotq.linear %x, %w bias(%b : tensor<128xf32>) : tensor<?x64xf32>, tensor<128x64xf32> -> tensor<?x128xf32>
    ```
  }];
  let arguments = (ins Rotq_FloatTensor:$input, Rotq_FloatTensor:$weight,
                       Optional<Rotq_FloatTensor>:$bias);
  let results = (outs Rotq_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`bias` `(` $bias^ `:` type($bias) `)`)? attr-dict
    `:` type($input) `,` type($weight) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Rotq_ProtectOp : Rotq_Op<"protect",
    [Pure, AllTypesMatch<["linear_result", "result"]>]> {
  let summary = "float rank-K correction of a quantized linear's output";
  let description = [{
    Adds back the part of a quantized linear's weight error that lies along
    K protected input directions:

    `result = linear_result + (input * directions^T) * correction^T`

    `input` is the linear's (float) input `[..., in]`, `linear_result` its
    output `[..., out]`, `directions` `[K, in]` the protected directions (one
    per row), `correction` `[out, K]` the weight error projected on them,
    `(W - Wq) * directions^T` (`rotq.error_projection` computes it offline).
    With orthonormal directions the corrected layer is exact on the span of
    the directions: the few input directions that carry most of the
    activation energy (massive channels) lose nothing to the quantizer. Both
    factors use the PyTorch `[out, in]` layout of a linear's weight. All
    operands and the result share one element type; K = 0 folds to
    `linear_result`.

    ```mlir
    %z = rotq.protect %y, %x directions(%p : tensor<4x576xf32>)
        correction(%c : tensor<1536x4xf32>)
        : tensor<?x576xf32> -> tensor<?x1536xf32>
    ```
  }];
  let arguments = (ins Rotq_FloatTensor:$linear_result,
                       Rotq_FloatTensor:$input,
                       Rotq_FloatTensor:$directions,
                       Rotq_FloatTensor:$correction);
  let results = (outs Rotq_FloatTensor:$result);
  let assemblyFormat = [{
    $linear_result `,` $input `directions` `(` $directions `:` type($directions) `)`
    `correction` `(` $correction `:` type($correction) `)` attr-dict
    `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
  let extraClassDeclaration = [{
    /// K, the number of protected directions.
    int64_t getRank() { return getDirections().getType().getDimSize(0); }
  }];
}

def Rotq_ErrorProjectionOp : Rotq_Op<"error_projection",
    [Pure, AllTypesMatch<["weight", "quantized"]>]> {
  let summary = "a weight's quantization error along given input directions";
  let description = [{
    `result = (weight - quantized) * directions^T`: `weight` and `quantized`
    are `[out, in]` (the float weight and what its quantizer gives back),
    `directions` `[K, in]`, the result `[out, K]` (the `correction` of
    `rotq.protect`). Computed in float64 and rounded once to the result's
    element type. Like the searched quantizer it is evaluated offline, by
    `rotq-materialize` or the tools before a module runs; the lowerings
    refuse it.

    ```mlir
    %c = rotq.error_projection %w, %wq directions(%p : tensor<4x576xf32>)
        : tensor<1536x576xf32> -> tensor<1536x4xf32>
    ```
  }];
  let arguments = (ins Rotq_FloatTensor:$weight, Rotq_FloatTensor:$quantized,
                       Rotq_FloatTensor:$directions);
  let results = (outs Rotq_FloatTensor:$result);
  let assemblyFormat = [{
    $weight `,` $quantized `directions` `(` $directions `:` type($directions) `)`
    attr-dict `:` type($weight) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Rotq_AttentionOp : Rotq_Op<"attention", [Pure]> {
  let summary = "scaled dot-product attention with grouped key/value heads";
  let description = [{
    For `query [S, H, d]`, `key [T, KV, d]` and `value [T, KV, e]` with `KV`
    dividing `H` (query head `h` reads key/value head `h / (H / KV)`):

    `y[s, h, :] = sum_t p[s, h, t] * value[t, h / (H/KV), :]` with
    `p[s, h, :] = softmax_t(scale * query[s, h, :] . key[t, h / (H/KV), :])`
    over the allowed `t`. With `causal`, query `s` sits at position
    `s + T - S` and sees keys `t <= s + T - S`; `window = W` further limits
    it to the `W` most recent positions. Computed in f32 (f64 for f64).

    ```mlir
    %y = rotq.attention %q, %k, %v {scale = 0.125 : f64, causal} : tensor<?x32x64xf32>, tensor<?x8x64xf32>, tensor<?x8x64xf32> -> tensor<?x32x64xf32>
    ```
  }];
  let arguments = (ins Rotq_FloatTensor:$query, Rotq_FloatTensor:$key,
                       Rotq_FloatTensor:$value, F64Attr:$scale,
                       UnitAttr:$causal, OptionalAttr<I64Attr>:$window);
  let results = (outs Rotq_FloatTensor:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value attr-dict `:` type($query) `,` type($key) `,`
    type($value) `->` type($result)
  }];
  let hasVerifier = 1;
}

#endif // ROTQ_OPS_TD
