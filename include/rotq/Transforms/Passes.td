//===- Passes.td - rotq model-level passes -------------------*- tablegen -*-===//
#ifndef ROTQ_TRANSFORMS_PASSES_TD
#define ROTQ_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def RaiseModel : Pass<"rotq-raise-model", "func::FuncOp"> {
  let summary = "Recognise linears, RMSNorms, embeddings and attention in linalg";
  let description = [{
    Raises upstream linalg spellings of the transformer building blocks to
    rotq's model-level ops, so the rotation passes can name what they
    rewrite. Other front ends' spellings are normalised first: unit
    dimensions are dropped (torch-mlir keeps a batch of one and keep-dim
    reductions) and `x^2` written as `math.fpowi` / `math.powf` becomes
    `x * x`.

    * `rotq.linear`: `linalg.matmul` with a transposed weight map
      (`matmul_transpose_b`), `linalg.transpose` of the weight followed by
      `linalg.matmul`, or the equivalent contraction `linalg.generic`; into
      a zero fill; an element-wise bias add of a `[out]` vector is folded
      in, also when the bias is broadcast to `[M, out]` first. The weight
      must have a static `[out, in]` shape.
    * `rotq.rms_norm`: a sum-of-squares reduction and an element-wise
      `x * rsqrt(ss / n + eps) (* weight)`, also when spelled as a chain of
      element-wise generics (squares, mean, `+ eps`, `rsqrt` or
      `1 / sqrt`, broadcast multiplies), which are fused first.
    * `rotq.embedding`: a generic over the ids reading rows of a table with
      `tensor.extract`.
    * `rotq.attention`: the six-generic softmax attention that
      `convert-rotq-to-linalg` and `rotq-import` produce (scores, masked
      max, exp, sum, weighted values, division), causal and windowed; and
      attention as torch-mlir exports it from transformers' eager
      attention: `linalg.batch_matmul` of queries and transposed keys,
      a scale, a mask, the softmax, and a second `linalg.batch_matmul`
      with the values. The mask may be spelled any way (compares of the
      query and key positions, a constant tensor added or applied with
      `masked_fill`, guards): the fused softmax bodies are evaluated on
      numbers, and the scores must be `scale * qk` where allowed and
      `<= -1e30` where masked, on a causal (optionally sliding-window)
      pattern that is the same for every head. Queries, keys and values may
      reach the batch matmuls through head splits, transposes, reshapes
      and the GQA head repeat: each operand is checked element by element
      (a layout trace) to read head `h / G` of a projection, which the raised
      `rotq.attention` then reads directly; the merged heads feeding
      `o_proj` become a collapse of its result.

    What is not recognised stays as it is; later passes report what they
    need and cannot find.
  }];
  let dependentDialects = ["::mlir::rotq::RotqDialect"];
}

def FuseNormScales : Pass<"rotq-fuse-norm-scales", "func::FuncOp"> {
  let summary = "Fold RMSNorm weights into the linears that read the norm";
  let description = [{
    For each `rotq.rms_norm` with a weight `g` whose users are all
    `rotq.linear` ops, makes each linear read `rotq.scale %W, %g {axis = 1}`
    (`W * diag(g)`) instead of `W` and drops `g` from the norm. The result
    is unchanged and the norm becomes scale-free, so that
    `RMSNorm(x Q) = RMSNorm(x) Q` for orthogonal `Q`. The rewrite is IR on
    the weight values (parameters, constants or arguments alike): no data
    is read; a weight shared with another op (a tied embedding) stays as it
    is for that op.
  }];
  let options = [
    Option<"report", "report", "bool", "false",
           "Emit a remark for each fused norm">,
  ];
}

def RotateResidual : Pass<"rotq-rotate-residual", "func::FuncOp"> {
  let summary = "Rotate the residual stream by an orthogonal Q fused into weights";
  let description = [{
    Finds the residual stream (the embedding output, the residual adds and
    the branches written into them) and rotates it by `Q`: the embedding
    table `E -> E Q`; linears writing into the stream `W -> Q^T W`,
    `b -> b Q`; linears reading a (scale-free) norm of the stream
    `W -> W Q`. Sound because every use of a stream value is one of: a
    residual add with another stream value or a writer's output, a
    scale-free `rotq.rms_norm` whose users are all linears, and
    `RMSNorm(x Q) = RMSNorm(x) Q`. Anything else reading the stream (or a
    norm that still has a weight: run `rotq-fuse-norm-scales` first) is an
    error naming the op. The weight rewrites are IR on the weight values:
    `rotq.hadamard` (or `rotq.rotate` by the f64 matrix, between
    `arith.extf` / `arith.truncf`) along the input dimension, or between two
    `linalg.transpose`s for the output side; rotq-materialize evaluates them
    in float64.

    `Q` is a randomized Hadamard `diag(s) H_d / sqrt(d)` with seeded signs
    `s`, a seeded random orthogonal matrix (QR of a Gaussian), or a
    `[d, d]` .npy matrix (e.g. a learned rotation), checked orthogonal.

    With `online-after-norm`, the stream itself is left alone and each
    RMSNorm keeps its weight: `Q` is applied online to the norm's output
    (after its scale) and fused into the readers (`W -> W Q`), one online
    transform per norm (two per layer). Norms read only by the LM head are
    skipped (its input stays float). This keeps the norm scales out of the
    weights, which matters when they damp massive channels: fusing them
    moves 4-bit weight error onto those channels.
  }];
  let options = [
    Option<"seed", "seed", "uint64_t", "0", "Seed of the signs / matrix">,
    Option<"rotation", "rotation", "std::string", "\"hadamard\"",
           "hadamard | random-orthogonal | file">,
    Option<"rotationFile", "rotation-file", "std::string", "\"\"",
           "The .npy [d, d] matrix for rotation=file">,
    Option<"onlineAfterNorm", "online-after-norm", "bool", "false",
           "Rotate each norm's output online (norm weights kept) instead "
           "of the residual stream">,
    Option<"report", "report", "bool", "false",
           "Emit a remark for each rewritten weight">,
  ];
}

def RotateAttentionOutput : Pass<"rotq-rotate-attention-output", "func::FuncOp"> {
  let summary = "Head-wise Hadamard into v_proj, online cross-head Hadamard before o_proj";
  let description = [{
    For each `rotq.attention` whose values come from a `rotq.linear`
    (`v_proj`, through a head split) and whose output goes only to a
    `rotq.linear` (`o_proj`, through a head merge): fuses `I (x) H_hd` into
    `v_proj`'s output side (`W_v -> (I (x) H_hd)^T W_v`, bias too; as IR:
    a block `rotq.hadamard` between two `linalg.transpose`s), inserts
    the online Hadamard across heads (`H_nh` along the head axis) on the
    attention output, and fuses `H_nh (x) H_hd` into `o_proj`'s input side.
    Attention is linear in the values per head, so its output carries the
    head-wise Hadamard; the online and fused transforms then cancel.
    Head counts with no Hadamard order use the library's fallback (a
    remark says so).
  }];
  let options = [
    Option<"report", "report", "bool", "false",
           "Emit a remark for each rewritten attention block">,
  ];
}

def RotateFFN : Pass<"rotq-rotate-ffn", "func::FuncOp"> {
  let summary = "Online Hadamard before down_proj, fused into its weight";
  let description = [{
    For each `rotq.linear` whose input is the gated activation of an MLP
    (an element-wise `linalg.generic` of two `rotq.linear` outputs, e.g.
    `silu(gate) * up`): inserts `rotq.hadamard` (size `ffn`) on the input
    and replaces the weight `W` by `W H_ffn`. The pair is exact:
    `(x H) (W H)^T = x W^T`. Sizes without a Hadamard order use the
    library's fallback (a remark says so).
  }];
  let options = [
    Option<"report", "report", "bool", "false",
           "Emit a remark for each rotated down projection">,
  ];
}

def RotateQK : Pass<"rotq-rotate-qk", "func::FuncOp"> {
  let summary = "Online Hadamard on queries and keys after the rotary embedding";
  let description = [{
    Inserts the same `rotq.hadamard` (size `head_dim`) on the query and key
    operands of every `rotq.attention`; `(q H)(k H)^T = q k^T`, so scores
    are unchanged while the keys that a KV cache stores lose their
    outliers.
  }];
  let options = [
    Option<"report", "report", "bool", "false",
           "Emit a remark for each attention block">,
  ];
}

def DuQuantSmooth : Pass<"rotq-duquant-smooth", "func::FuncOp"> {
  let summary = "Apply DuQuant's smoothing, fused wherever it is exact";
  let description = [{
    For each group of `rotq.linear` ops reading one value X and carrying
    `rotq.duquant.smooth` L (from `rotq-duquant-calibrate`): every weight of
    the group becomes `W diag(L)` and X becomes `X diag(1/L)`, so
    `X W^T` is unchanged. The division is fused where that is exact:

    * X is an RMSNorm's output read only by the group (q/k/v, gate/up): the
      norm's weight g becomes g / L (a scale-free norm gets 1 / L);
    * X is a gated activation `f(gate) * up` (down_proj): up_proj's rows and
      bias are divided by L, the gate branch is untouched;
    * X is the merged attention heads (o_proj) fed by v_proj: v_proj's rows
      and bias are divided by L; with grouped key/value heads only when L
      is equal across the query heads sharing a value head (which
      `rotq-duquant-calibrate` arranges);
    * otherwise `rotq.scale` by 1 / L on X, online, with a remark.

    The weight rewrites are IR on the weight values, in float64 (rounded
    once to the weight's type); the attribute is consumed.
  }];
  let options = [
    Option<"report", "report", "bool", "false",
           "Emit a remark for each smoothed group">,
  ];
}

def DuQuantRotate : Pass<"rotq-duquant-rotate", "func::FuncOp"> {
  let summary = "Insert DuQuant's online block rotations and permutation";
  let description = [{
    For each group of `rotq.linear` ops reading one value X and carrying
    `rotq.duquant.rotation1` R1, `rotq.duquant.permutation` P and/or
    `rotq.duquant.rotation2` R2 (from `rotq-duquant-calibrate`): X becomes
    `X B1 P B2` online (`rotq.rotate` with the shared block matrix,
    `rotq.permute`, `rotq.rotate`), with B = blockdiag(R, ..., R), and
    every weight of the group `W B1 P B2` (one float64 chain with any
    pending smoothing, rounded once); `(X T)(W T)^T = X W^T` for the
    orthogonal T.

    Beyond the reference: when X is the merged attention heads fed by
    v_proj (o_proj) and the block size divides the head size, B1 acts
    within heads, so it is fused into v_proj's output side
    (`W_v -> B1^T W_v`, bias too; attention is linear in the values of each
    head, grouped heads included) and only P and B2 stay online
    (`fuse-value-rotation`).

    The attributes are consumed.
  }];
  let options = [
    Option<"fuseValueRotation", "fuse-value-rotation", "bool", "true",
           "Fuse o_proj's first rotation into v_proj when exact">,
    Option<"report", "report", "bool", "false",
           "Emit a remark for each rotated group">,
  ];
  let dependentDialects = ["::mlir::rotq::RotqDialect"];
}

def QuantizeWeights : Pass<"rotq-quantize-weights", "func::FuncOp"> {
  let summary = "Round-to-nearest weight quantization of linears, as IR";
  let description = [{
    Quantizes the weight of every `rotq.linear` with the rules of
    `rotq.quantize` (per output channel, or per group of `group-size` input
    channels; symmetric or asymmetric; `bits` from 2 to 8), optionally with
    a per-row (per-group) clip search over shrink factors
    1, 0.99, ..., `clip-min`. The search's objective:

    * `objective=weight` (default): the weight error sum |w - wq|^2.4, as
      in GPTQ/QuaRot;
    * `objective=output`: the error of the layer's output,
      (w - wq)^T M (w - wq), under the metric M ~ E[x x^T] of the linear's
      input that `rotq-calibrate` with `metric-rank` attached as
      `rotq.calibration.output_metric` (the pass fails on a linear without
      it). The weight error treats every input channel alike; the output
      error weighs it by the energy of the activations that multiply it,
      which matters when a few massive channels carry most of it.

    The pass reads no data: it writes `rotq.quantize` (with `clip_search`,
    and the metric as `clip_metric`) on the weight value, then
    `rotq.dequantize`; rotq-materialize computes the f32 scales and the
    codes against them, in float64.

    `protect-directions=K` (with `objective=output`) protects the K leading
    directions of the metric, the input directions of highest calibration
    energy (a massive channel is one): the linear's users read
    `rotq.protect`, which adds back `(x P^T) C^T` with `P` [K, in] the unit
    directions and `C = (w - wq) P^T` (`rotq.error_projection`, evaluated
    offline), so the quantized layer is exact along them. The clip search
    then weighs only the error that is left: the metric without those
    directions. The metric must hold at least K directions.

    * `mode=real` (default): 4- and 2-bit codes go through `rotq.pack` /
      `rotq.unpack`, so the materialized checkpoint stores them two or four
      per byte.
    * `mode=fake`: codes stay one per byte. Both modes compute the same
      weights exactly.

    The linear producing the function's result (the LM head) is skipped
    unless `skip-lm-head=false`.
  }];
  let options = [
    Option<"bits", "bits", "int64_t", "4", "Bits per weight (2..8)">,
    Option<"asymmetric", "asymmetric", "bool", "false",
           "Asymmetric (zero point) instead of symmetric">,
    Option<"groupSize", "group-size", "int64_t", "0",
           "Input channels per scale (0: one scale per output channel)">,
    Option<"clipSearch", "clip-search", "bool", "true",
           "Search the clip ratio per row (group) for the smallest error">,
    Option<"clipMin", "clip-min", "double", "0.8",
           "Smallest clip ratio the search tries, in (0, 1]">,
    Option<"objective", "objective", "std::string", "\"weight\"",
           "What the clip search minimises: weight | output (needs "
           "rotq.calibration.output_metric on each linear)">,
    Option<"rounding", "rounding", "std::string", "\"nearest\"",
           "nearest | output (objective=output: then improve the codes "
           "by greedy descent on the output error, rotq.quantize's "
           "metric_rounding)">,
    Option<"protect", "protect-directions", "int64_t", "0",
           "objective=output: keep the weight error along this many leading "
           "input directions as a float rank-K correction (rotq.protect)">,
    Option<"mode", "mode", "std::string", "\"real\"", "real | fake">,
    Option<"skipLmHead", "skip-lm-head", "bool", "true",
           "Leave the linear that produces the function result in float">,
    Option<"report", "report", "bool", "false",
           "Emit a remark with the error of each quantized weight">,
  ];
}


def QuantizeActivations : Pass<"rotq-quantize-activations", "func::FuncOp"> {
  let summary = "Per-token dynamic quantization of every linear's input";
  let description = [{
    Quantizes the input of every `rotq.linear` at run time, per token (one
    scale per row, or per `group-size` channels of it), symmetric by
    default with clip ratio 0.9 as in QuaRot. The quantizer reads the
    linear's input as it is, so it sits after any online Hadamard
    transform.

    * `mode=real` (default): when the weight is already quantized
      (`rotq.dequantize` of codes, from `rotq-quantize-weights` or
      `rotq-gptq` in real mode), the linear becomes a `rotq.qmatmul` of
      activation and weight codes with integer accumulation. Otherwise
      (float weights, or groups of the two sides that do not nest, or
      inputs of rank other than 2) the activation is quantized and
      dequantized in float, with a remark under `report`.
    * `mode=fake`: always quantize-dequantize in float, for accuracy
      studies; the result equals the real mode up to float rounding.

    The linear producing the function's result (the LM head) keeps a float
    input unless `skip-lm-head=false`.
  }];
  let options = [
    Option<"bits", "bits", "int64_t", "4", "Bits per activation (2..8)">,
    Option<"asymmetric", "asymmetric", "bool", "false",
           "Asymmetric (zero point) instead of symmetric">,
    Option<"clipRatio", "clip-ratio", "double", "0.9",
           "Fraction of each token's range that is representable">,
    Option<"groupSize", "group-size", "int64_t", "0",
           "Channels per scale (0: one scale per token)">,
    Option<"mode", "mode", "std::string", "\"real\"", "real | fake">,
    Option<"skipLmHead", "skip-lm-head", "bool", "true",
           "Leave the input of the linear that produces the function result "
           "in float">,
    Option<"report", "report", "bool", "false",
           "Emit a remark for every linear that is not turned into a "
           "rotq.qmatmul in real mode">,
  ];
  let dependentDialects = ["::mlir::rotq::RotqDialect"];
}

def QuantizeKVCache : Pass<"rotq-quantize-kv-cache", "func::FuncOp"> {
  let summary = "Quantize the keys and values every rotq.attention reads";
  let description = [{
    Quantizes the `key` and `value` operands of every `rotq.attention`
    ([tokens, kv_heads, head_dim]) with one scale (and zero point) per token
    and head, asymmetric with clip ratio 0.95 by default, as QuaRot stores
    its KV cache. The keys are quantized as the attention reads them, i.e.
    after RoPE and, under `rotq-rotate-qk`, after their online Hadamard.
    A cache holds codes, so the attention computes on the dequantized
    values (quantize then dequantize in the IR).
  }];
  let options = [
    Option<"bits", "bits", "int64_t", "4", "Bits per cached value (2..8)">,
    Option<"asymmetric", "asymmetric", "bool", "true",
           "Asymmetric (zero point) instead of symmetric">,
    Option<"clipRatio", "clip-ratio", "double", "0.95",
           "Fraction of each head's range that is representable">,
  ];
  let dependentDialects = ["::mlir::rotq::RotqDialect"];
}

#endif // ROTQ_TRANSFORMS_PASSES_TD
