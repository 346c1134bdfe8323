//===- Passes.td - rotq passes that run the model ------------*- tablegen -*-===//
//
// The passes that execute the model on the CPU to measure its activations
// (the calibration layer): above Transforms and the Runner, below the
// pipelines that use them.
//
//===----------------------------------------------------------------------===//
#ifndef ROTQ_CALIBRATION_PASSES_TD
#define ROTQ_CALIBRATION_PASSES_TD

include "mlir/Pass/PassBase.td"

// Options every calibrating pass takes.
defvar CalibrationOptions = [
  Option<"calibration", "calibration", "std::string", "\"\"",
         "An .npy of int token ids, [tokens] or [sequences, tokens]; "
         "empty: seeded random tokens">,
  Option<"calibrationSamples", "calibration-samples", "int64_t", "8",
         "Random calibration sequences">,
  Option<"calibrationLength", "calibration-length", "int64_t", "128",
         "Tokens per random calibration sequence">,
  Option<"seed", "seed", "uint64_t", "0", "Seed of the random tokens">,
  Option<"calibrationBos", "calibration-bos", "bool", "true",
         "Start each random sequence with the model's BOS token (the "
         "function's rotq.bos_token_id, which rotq-import records), as text "
         "starts: trained models put their massive outliers there">,
];

def Calibrate : Pass<"rotq-calibrate", "ModuleOp"> {
  let summary = "Attach activation statistics of every linear's input";
  let description = [{
    Runs the model on the CPU over calibration tokens (the function must
    take one 1-D tensor of token ids) with every distinct `rotq.linear`
    input returned as an extra result, and attaches to each linear:

    * `rotq.calibration.tokens`: the number of calibration tokens;
    * `rotq.calibration.abs_max`: max |x| per input channel, `tensor<Kxf32>`;
    * `rotq.calibration.hessian` (with `hessian=true`): X^T X,
      `tensor<KxKxf64>`;
    * `rotq.calibration.output_metric` (with `metric-rank=r`, r >= 0):
      the metric of the output-error clip search (`rotq.quantize`'s
      `clip_metric`, `rotq-quantize-weights objective=output`),
      `tensor<(1+r)xKxf64>`: H = X^T X / tokens approximated by its r
      leading eigendirections (rows 1 to r, each scaled by the square root
      of its eigenvalue) and the diagonal of the rest (row 0). Linears
      reading one value share the attribute.

    Up to 1024 values are written inline (`dense<...>`), more as
    `dense_resource` blobs. The module is compiled once (in a clone, with
    the linear weights as run-time arguments; the IR itself is not changed
    otherwise) and the statistics accumulate in float64. Second moments
    (for `hessian` or `metric-rank`) are measured for at most 1 GiB of
    them per run over the calibration tokens; a larger model takes several
    runs.
  }];
  let options = !listconcat(CalibrationOptions, [
    Option<"hessian", "hessian", "bool", "false",
           "Also attach X^T X (K*K float64 values per linear)">,
    Option<"metricRank", "metric-rank", "int64_t", "-1",
           "Attach the output-error metric with this many leading "
           "directions (-1: none)">,
  ]);
  let dependentDialects = ["::mlir::rotq::RotqDialect"];
}

def Gptq : Pass<"rotq-gptq", "ModuleOp"> {
  let summary = "GPTQ weight quantization, calibrated layer by layer";
  let description = [{
    Quantizes the constant weight of every `rotq.linear` with GPTQ
    (Frantar et al., 2023): columns are rounded one at a time (in blocks of
    `block-size`, errors propagated lazily) and each rounding error is
    compensated on the columns not yet rounded through the inverse of the
    Hessian H = X^T X + damp * mean(diag H) * I of the layer's calibration
    inputs X. Scales follow `rotq-quantize-weights` (per output channel or
    per `group-size` group, symmetric or asymmetric, optional MSE clip
    search, minimising the weight error or, with `objective=output`, the
    layer output's error under the metric built from the same Hessian
    (see `rotq-calibrate`'s `metric-rank`)); groups take their scale when
    the first column of the group is
    reached, or from the original weights with `act-order` (columns in
    order of decreasing H_ii).

    Calibration is sequential, as GPTQ expects: the linears are grouped by
    how many linears precede their input (q/k/v, then o_proj, then
    gate/up, then down_proj, then the next layer's q/k/v, ...) and each
    group's Hessians are measured on the model in which all earlier groups
    are already quantized. The model is compiled once, with the linear
    weights as run-time arguments, cut before each group into segments
    that run from cached activations: each group costs one segment's run
    over the calibration tokens with the weights quantized so far (with
    `layer-wise=false`, the whole model's; same statistics, for checking).
    A remark on the function says how many segments ran.

    With `protect-directions=K`, each linear keeps its weight error along
    the K leading eigendirections U [K, in] of its Hessian as a float
    rank-K correction (`rotq.protect`, as `rotq-quantize-weights` does for
    RTN): the output error left is X P (W - Wq)^T with P = I - U^T U, so
    GPTQ runs on P H P instead of H and the output-objective's metric drops
    those directions; the correction (W - Wq) U^T is computed here.

    `mode`, `skip-lm-head` as in `rotq-quantize-weights`. With `report`,
    each linear gets a remark with its relative output error
    ||X (W - Wq)^T||^2 / ||X W^T||^2 on the calibration inputs, for GPTQ and
    for RTN with the same settings.
  }];
  let options = !listconcat(CalibrationOptions, [
    Option<"bits", "bits", "int64_t", "4", "Bits per weight (2..8)">,
    Option<"asymmetric", "asymmetric", "bool", "false",
           "Asymmetric (zero point) instead of symmetric">,
    Option<"groupSize", "group-size", "int64_t", "0",
           "Input channels per scale (0: one scale per output channel)">,
    Option<"clipSearch", "clip-search", "bool", "true",
           "Clip search when choosing the scales">,
    Option<"clipMin", "clip-min", "double", "0.8",
           "Smallest clip ratio the search tries, in (0, 1]">,
    Option<"objective", "objective", "std::string", "\"weight\"",
           "What the clip search minimises: weight (|w - wq|^2.4) | output "
           "(the layer output's error under the measured Hessian)">,
    Option<"metricRank", "metric-rank", "int64_t", "4",
           "objective=output: leading Hessian directions of the metric">,
    Option<"protect", "protect-directions", "int64_t", "0",
           "Keep the weight error along this many leading Hessian "
           "directions as a float rank-K correction (rotq.protect)">,
    Option<"actOrder", "act-order", "bool", "false",
           "Quantize columns in order of decreasing Hessian diagonal">,
    Option<"blockSize", "block-size", "int64_t", "128",
           "Columns per lazy-update block">,
    Option<"damp", "damp", "double", "0.01",
           "Hessian damping, as a fraction of its mean diagonal">,
    Option<"mode", "mode", "std::string", "\"real\"", "real | fake">,
    Option<"skipLmHead", "skip-lm-head", "bool", "true",
           "Leave the linear that produces the function result in float">,
    Option<"report", "report", "bool", "false",
           "Emit a remark with GPTQ's and RTN's output error per linear">,
    Option<"layerWise", "layer-wise", "bool", "true",
           "Run one group's segment of the model per step from cached "
           "activations (false: the whole model for every group)">,
  ]);
  let dependentDialects = ["::mlir::rotq::RotqDialect",
                           "::mlir::arith::ArithDialect"];
}

def DuQuantCalibrate : Pass<"rotq-duquant-calibrate", "ModuleOp"> {
  let summary = "Fit DuQuant's smoothing, block rotations and permutation";
  let description = [{
    Runs the model on the CPU over calibration tokens and, for each group of
    `rotq.linear` ops reading one value (q/k/v, gate/up, o_proj, down_proj),
    computes DuQuant's transforms of that input X (Lin et al., 2024) in
    float64 and attaches them to each linear of the group, for
    `rotq-duquant-smooth` and `rotq-duquant-rotate` to apply:

    * `rotq.duquant.smooth` (`tensor<Cxf64>`, with `alpha` > 0): the
      smoothing L_j = max|X_j|^alpha / max|W_j|^(1 - alpha), W over every
      linear of the group, clamped at 1e-5. For o_proj with grouped
      key/value heads, L is made equal across the query heads that share a
      value head (both maxima taken over the group of heads), so that it
      can be fused into v_proj exactly.
    * `rotq.duquant.rotation1` (`tensor<bxbxf64>`): the greedy block
      rotation fitted on X / L reshaped to (-1, b) (DuQuant's Algorithm 1,
      swapping the outlier's column; up to `steps` steps, the prefix with
      the smallest max - min kept; absent when that prefix is empty);
    * `rotq.duquant.permutation`: the zigzag permutation of the channels by
      their max |x| after the first rotation (`permutation=zigzag`, when
      there is more than one block);
    * `rotq.duquant.rotation2`: the greedy rotation refitted after the
      permutation (`second-rotation`).

    The rotations are fitted, as in the reference code, on the activation
    averaged over the calibration sequences position by position; L uses
    the maxima over all tokens. The block size b is `block-size` when it
    divides the channel count, else chosen as the remark says (the largest
    power of two below it that divides and is at least a quarter of it and
    16, else the largest divisor in [16, block-size]).
    With `report`, one remark per group gives the block size, the range of
    L, each rotation's kept steps and peak before and after, and the
    between-block variance of the per-block mean |x| before and after the
    permutation.

    The linear producing the function result (the LM head) is left alone
    unless `skip-lm-head=false`.
  }];
  let options = !listconcat(CalibrationOptions, [
    Option<"alpha", "alpha", "double", "0.6",
           "Smoothing strength (0: no smoothing)">,
    Option<"blockSize", "block-size", "int64_t", "128",
           "Rotation block size (adjusted when it does not divide)">,
    Option<"steps", "steps", "int64_t", "256",
           "Greedy rotation steps">,
    Option<"permutation", "permutation", "std::string", "\"zigzag\"",
           "zigzag | none">,
    Option<"secondRotation", "second-rotation", "bool", "true",
           "Refit a block rotation after the permutation">,
    Option<"rotationSeed", "rotation-seed", "uint64_t", "0",
           "Seed of the random factor of the base rotations">,
    Option<"skipLmHead", "skip-lm-head", "bool", "true",
           "Leave the linear that produces the function result alone">,
    Option<"report", "report", "bool", "false",
           "Emit a remark for every calibrated group">,
  ]);
  let dependentDialects = ["::mlir::rotq::RotqDialect"];
}

#endif // ROTQ_CALIBRATION_PASSES_TD
