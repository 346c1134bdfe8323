//===- QuantizePipeline.cpp - rotq-quantize -------------------------------===//
//
// The model raised if it is not, then weights (RTN or GPTQ), activations
// and the KV cache (float unless kv-bits asks), in the order that
// lets each pass see the previous one's result: weights first (GPTQ
// calibrates on float activations), then the activation quantizers that
// turn linears with quantized weights into rotq.qmatmul, then the cache.
//
//===----------------------------------------------------------------------===//
#include "rotq/Pipelines/Pipelines.h"
#include "rotq/Calibration/Passes.h"
#include "rotq/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassOptions.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

namespace {
struct QuantizeOptions : PassPipelineOptions<QuantizeOptions> {
  Option<std::string> preset{
      *this, "preset",
      llvm::cl::desc("Quantizer settings of a paper: quarot (symmetric "
                     "weights and activations) | duquant (asymmetric "
                     "weights and activations); options given explicitly "
                     "override it"),
      llvm::cl::init("quarot")};
  Option<int64_t> wBits{*this, "w-bits",
                        llvm::cl::desc("Weight bits, 2..8; 16: float"),
                        llvm::cl::init(4)};
  Option<int64_t> aBits{*this, "a-bits",
                        llvm::cl::desc("Activation bits, 2..8; 16: float"),
                        llvm::cl::init(4)};
  Option<int64_t> kvBits{*this, "kv-bits",
                         llvm::cl::desc("KV cache bits, 2..8; 16: float"),
                         llvm::cl::init(16)};
  Option<std::string> wMethod{*this, "w-method",
                              llvm::cl::desc("rtn | gptq"),
                              llvm::cl::init("rtn")};
  Option<int64_t> wGroupSize{
      *this, "w-group-size",
      llvm::cl::desc("Weight input channels per scale (0: per channel)"),
      llvm::cl::init(0)};
  Option<bool> wAsymmetric{*this, "w-asymmetric",
                           llvm::cl::desc("Asymmetric weights"),
                           llvm::cl::init(false)};
  Option<bool> wClipSearch{*this, "w-clip-search",
                           llvm::cl::desc("MSE clip search for weight scales"),
                           llvm::cl::init(true)};
  Option<double> wClipMin{
      *this, "w-clip-min",
      llvm::cl::desc("Smallest clip ratio the weight clip search tries "
                     "(default: 0.5 with the output objective, 0.8 with the "
                     "weight objective)"),
      llvm::cl::init(0.8)};
  Option<std::string> wObjective{
      *this, "w-objective",
      llvm::cl::desc("What the weight clip search minimises: output (the "
                     "layer output's error under calibration second "
                     "moments) | weight (|w - wq|^2.4) | auto (output when "
                     "calibration tokens are given, else weight)"),
      llvm::cl::init("auto")};
  Option<int64_t> wMetricRank{
      *this, "w-metric-rank",
      llvm::cl::desc("w-objective=output: leading directions of the "
                     "second moments kept exactly"),
      llvm::cl::init(4)};
  Option<std::string> wRounding{
      *this, "w-rounding",
      llvm::cl::desc("RTN codes: nearest | output (greedy descent on the "
                     "output error; needs the output objective)"),
      llvm::cl::init("nearest")};
  Option<int64_t> protectDirections{
      *this, "protect-directions",
      llvm::cl::desc("Keep each linear's weight error along this many "
                     "leading input directions of its calibration as a float "
                     "rank-K correction (rotq.protect); RTN needs the output "
                     "objective. Default: 4 for RTN with the output "
                     "objective at 4 or fewer weight bits, else 0"),
      llvm::cl::init(0)};
  Option<bool> actOrder{*this, "act-order",
                        llvm::cl::desc("GPTQ: decreasing Hessian diagonal "
                                       "order"),
                        llvm::cl::init(false)};
  Option<int64_t> aGroupSize{
      *this, "a-group-size",
      llvm::cl::desc("Activation channels per scale (0: per token)"),
      llvm::cl::init(0)};
  Option<bool> aAsymmetric{*this, "a-asymmetric",
                           llvm::cl::desc("Asymmetric activations"),
                           llvm::cl::init(false)};
  Option<double> aClip{*this, "a-clip",
                       llvm::cl::desc("Activation clip ratio"),
                       llvm::cl::init(0.9)};
  Option<double> kvClip{*this, "kv-clip",
                        llvm::cl::desc("KV cache clip ratio"),
                        llvm::cl::init(0.95)};
  Option<bool> kvAsymmetric{*this, "kv-asymmetric",
                            llvm::cl::desc("Asymmetric KV cache"),
                            llvm::cl::init(true)};
  Option<std::string> mode{
      *this, "mode",
      llvm::cl::desc("real (packed weights, rotq.qmatmul) | fake (quantize-"
                     "dequantize in float)"),
      llvm::cl::init("real")};
  Option<bool> quantizeLmHead{
      *this, "quantize-lm-head",
      llvm::cl::desc("Also quantize the LM head (weight and input)"),
      llvm::cl::init(false)};
  Option<std::string> calibration{
      *this, "calibration",
      llvm::cl::desc("Calibration tokens (.npy) of GPTQ and the output "
                     "objective; empty: random")};
  Option<int64_t> calibrationSamples{
      *this, "calibration-samples",
      llvm::cl::desc("Random calibration sequences"), llvm::cl::init(8)};
  Option<int64_t> calibrationLength{
      *this, "calibration-length",
      llvm::cl::desc("Tokens per random calibration sequence"),
      llvm::cl::init(128)};
  Option<uint64_t> seed{*this, "seed",
                        llvm::cl::desc("Seed of random calibration tokens"),
                        llvm::cl::init(0)};
  Option<bool> calibrationBos{
      *this, "calibration-bos",
      llvm::cl::desc("Start random calibration sequences with the model's "
                     "BOS token (rotq.bos_token_id)"),
      llvm::cl::init(true)};
  Option<bool> report{*this, "report",
                      llvm::cl::desc("Emit the passes' remarks"),
                      llvm::cl::init(false)};
};

LogicalResult checkOptions(const QuantizeOptions &o,
                           function_ref<LogicalResult(const Twine &)> error) {
  for (auto [name, bits] : {std::pair<const char *, int64_t>{"w-bits", o.wBits},
                            {"a-bits", o.aBits},
                            {"kv-bits", o.kvBits}})
    if (bits != 16 && (bits < 2 || bits > 8))
      return error(Twine("rotq-quantize: ") + name +
                   " must be 2..8, or 16 to keep floats; got " + Twine(bits));
  if (o.wMethod != "rtn" && o.wMethod != "gptq")
    return error("rotq-quantize: w-method must be rtn or gptq, got '" +
                 o.wMethod + "'");
  if (o.wObjective != "auto" && o.wObjective != "output" &&
      o.wObjective != "weight")
    return error("rotq-quantize: w-objective must be auto, output or "
                 "weight, got '" +
                 o.wObjective + "'");
  if (o.wRounding != "nearest" && o.wRounding != "output")
    return error("rotq-quantize: w-rounding must be nearest or output, got '" +
                 o.wRounding + "'");
  if (o.wRounding == "output" && o.wMethod == "gptq")
    return error("rotq-quantize: w-rounding=output is for RTN (GPTQ rounds "
                 "with its own error feedback)");
  if (o.protectDirections < 0)
    return error("rotq-quantize: protect-directions must be >= 0, got " +
                 Twine(o.protectDirections.getValue()));
  if (o.protectDirections > 0 && o.wMethod == "rtn" &&
      (o.wObjective == "weight" ||
       (o.wObjective == "auto" && o.calibration.empty())))
    return error("rotq-quantize: protect-directions takes the directions "
                 "from the output objective's calibration: give "
                 "calibration=TOKENS.npy (or w-objective=output)");
  if (o.wObjective == "output" && !o.wClipSearch)
    return error("rotq-quantize: w-objective=output chooses clip ratios: "
                 "it needs w-clip-search=true");
  if (!(o.wClipMin > 0 && o.wClipMin <= 1))
    return error("rotq-quantize: w-clip-min must be in (0, 1], got " +
                 std::to_string(o.wClipMin.getValue()));
  if (o.wMetricRank < 0)
    return error("rotq-quantize: w-metric-rank must be >= 0, got " +
                 Twine(o.wMetricRank.getValue()));
  if (o.preset != "quarot" && o.preset != "duquant")
    return error("rotq-quantize: preset must be quarot or duquant, got '" +
                 o.preset + "'");
  if (o.mode != "real" && o.mode != "fake")
    return error("rotq-quantize: mode must be real or fake, got '" + o.mode +
                 "'");
  return success();
}

/// The preset's value of a boolean option unless it was given.
bool presetOr(const detail::PassOptions::Option<bool> &opt, bool presetValue) {
  return opt.hasValue() ? bool(opt) : presetValue;
}

/// The calibration tokens GPTQ and the output objective's calibration read.
template <typename PassOptions>
void setCalibrationTokens(const QuantizeOptions &o, PassOptions &p) {
  p.calibration = o.calibration;
  p.calibrationSamples = o.calibrationSamples;
  p.calibrationLength = o.calibrationLength;
  p.seed = o.seed;
  p.calibrationBos = o.calibrationBos;
}

void buildQuantize(OpPassManager &pm, const QuantizeOptions &o) {
  // DuQuant quantizes weights per channel and activations per token, both
  // asymmetric (QuaRot: both symmetric).
  bool duquant = o.preset == "duquant";
  bool wAsymmetric = presetOr(o.wAsymmetric, duquant);
  bool aAsymmetric = presetOr(o.aAsymmetric, duquant);
  // Imported or exported linalg is raised here so that quantizing it is
  // never a silent no-op; on IR that is already raised this changes nothing.
  pm.addNestedPass<func::FuncOp>(rotq::createRaiseModel());
  // The output objective weighs each weight's error by the energy of the
  // activations it multiplies; it needs calibration, so by default it runs
  // when calibration tokens are given.
  std::string objective = o.wObjective;
  if (objective == "auto")
    objective = o.wClipSearch && !o.calibration.empty() ? "output" : "weight";
  // The output objective scores the cost of clipping where it lands (the
  // activations' energy), so a wider search helps it; the weight
  // objective's own error prefers a narrow one on unrotated weights.
  double clipMin = o.wClipMin.hasValue() ? double(o.wClipMin)
                   : objective == "output" ? 0.5
                                           : 0.8;
  // At 4 bits and below, the weight error along the few input directions
  // that carry most of the activation energy (massive channels, which
  // fusing norm scales leaves undamped) dominates the output error; a
  // rank-4 float correction removes it for a few percent of the weight.
  int64_t protect = o.protectDirections;
  if (!o.protectDirections.hasValue() && o.wMethod == "rtn" &&
      objective == "output" && o.wBits <= 4)
    protect = 4;
  if (o.wBits != 16) {
    if (o.wMethod == "gptq") {
      rotq::GptqOptions g;
      g.bits = o.wBits;
      g.asymmetric = wAsymmetric;
      g.groupSize = o.wGroupSize;
      g.clipSearch = o.wClipSearch;
      g.clipMin = clipMin;
      g.objective = objective;
      g.metricRank = o.wMetricRank;
      g.protect = protect;
      g.actOrder = o.actOrder;
      g.mode = o.mode;
      g.skipLmHead = !o.quantizeLmHead;
      g.report = o.report;
      setCalibrationTokens(o, g);
      pm.addPass(rotq::createGptq(g));
    } else {
      if (objective == "output") {
        rotq::CalibrateOptions c;
        // The protected directions come first; the search keeps
        // w-metric-rank more.
        c.metricRank = o.wMetricRank + protect;
        setCalibrationTokens(o, c);
        pm.addPass(rotq::createCalibrate(c));
      }
      rotq::QuantizeWeightsOptions w;
      w.objective = objective;
      w.rounding = o.wRounding;
      w.protect = protect;
      w.clipMin = clipMin;
      w.bits = o.wBits;
      w.asymmetric = wAsymmetric;
      w.groupSize = o.wGroupSize;
      w.clipSearch = o.wClipSearch;
      w.mode = o.mode;
      w.skipLmHead = !o.quantizeLmHead;
      w.report = o.report;
      pm.addNestedPass<func::FuncOp>(rotq::createQuantizeWeights(w));
    }
  }
  if (o.aBits != 16) {
    rotq::QuantizeActivationsOptions a;
    a.bits = o.aBits;
    a.asymmetric = aAsymmetric;
    a.clipRatio = o.aClip;
    a.groupSize = o.aGroupSize;
    a.mode = o.mode;
    a.skipLmHead = !o.quantizeLmHead;
    a.report = o.report;
    pm.addNestedPass<func::FuncOp>(rotq::createQuantizeActivations(a));
  }
  if (o.kvBits != 16) {
    rotq::QuantizeKVCacheOptions kv;
    kv.bits = o.kvBits;
    kv.asymmetric = o.kvAsymmetric;
    kv.clipRatio = o.kvClip;
    pm.addNestedPass<func::FuncOp>(rotq::createQuantizeKVCache(kv));
  }
}
} // namespace

void rotq::registerQuantizePipeline() {
  registerPassPipeline(
      "rotq-quantize",
      "Quantize weights (RTN or GPTQ), activations and the KV cache; "
      "16 bits leaves a part in float",
      [](OpPassManager &pm, StringRef optionsStr,
         function_ref<LogicalResult(const Twine &)> error) {
        QuantizeOptions o;
        if (failed(o.parseFromString(optionsStr)) ||
            failed(checkOptions(o, error)))
          return failure();
        buildQuantize(pm, o);
        return success();
      },
      [](function_ref<void(const detail::PassOptions &)> optHandler) {
        optHandler(QuantizeOptions());
      });
}
