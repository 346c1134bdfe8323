//===- Gptq.cpp - the rotq-gptq pass --------------------------------------===//
//
// GPTQ (Support/Gptq) on every constant linear weight, with Hessians
// measured group by group on the partly quantized model (Calibration.h).
//
//===----------------------------------------------------------------------===//
#include "rotq/Calibration/Calibration.h"
#include "rotq/Transforms/ModelUtils.h"
#include "rotq/Transforms/QuantUtils.h"

#include "rotq/Dialect/Rotq/IR/RotqOps.h"
#include "rotq/Support/Gptq.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "llvm/Support/FormatVariadic.h"

#include <chrono>
#include "rotq/Materialize/Materialize.h"
#include "rotq/Calibration/Passes.h"

namespace mlir::rotq {
#define GEN_PASS_DEF_GPTQ
#include "rotq/Calibration/Passes.h.inc"
} // namespace mlir::rotq

using namespace mlir;
using namespace mlir::rotq;
namespace quant = ::rotq::quant;
namespace gptq = ::rotq::gptq;

namespace {
double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                       start)
      .count();
}

struct GptqPass : mlir::rotq::impl::GptqBase<GptqPass> {
  using GptqBase::GptqBase;

  LogicalResult checkOptions() {
    ModuleOp m = getOperation();
    if (failed(quantutil::checkOptions(m, bits, StringRef(mode))) ||
        failed(quantutil::checkRaised(m, getArgument())))
      return failure();
    if (blockSize < 1)
      return m.emitError("block-size must be positive");
    if (!(damp >= 0))
      return m.emitError("damp must be non-negative");
    if (objective != "weight" && objective != "output")
      return m.emitError("objective must be weight or output, got '")
             << objective << "'";
    if (objective == "output" && !clipSearch)
      return m.emitError("objective=output chooses clip ratios: it needs "
                         "clip-search=true");
    if (objective == "output" && metricRank < 0)
      return m.emitError("metric-rank must be >= 0, got ") << metricRank.getValue();
    if (clipSearch && !(clipMin > 0 && clipMin <= 1))
      return m.emitError("clip-min must be in (0, 1], got ") << clipMin.getValue();
    if (protect < 0)
      return m.emitError("protect-directions must be >= 0, got ")
             << protect.getValue();
    return success();
  }

  /// The linears of `group` this pass quantizes; errors for bad groups.
  FailureOr<SmallVector<LinearOp>> targets(ArrayRef<LinearOp> group) {
    SmallVector<LinearOp> out;
    for (LinearOp lin : group) {
      if ((skipLmHead && quantutil::isLmHead(lin)) ||
          !model::isFloatConstant(lin.getWeight()))
        continue;
      if (failed(quantutil::checkGroupSize(lin, groupSize)))
        return failure();
      out.push_back(lin);
    }
    return out;
  }

  void runOnOperation() override {
    if (failed(checkOptions()))
      return signalPassFailure();
    protectedLinears = 0;
    floatBytes = quantizedBytes = 0;
    // GPTQ updates the weights column by column from measured Hessians: it
    // needs their values, so pending weight chains are evaluated first.
    ::rotq::materialize::Options mo;
    mo.progress = false;
    if (llvm::Error e =
            ::rotq::materialize::materializeInMemory(getOperation(), mo)) {
      getOperation().emitError(llvm::toString(std::move(e)));
      return signalPassFailure();
    }
    gptq::Options go;
    go.params = {int(bits.getValue()), !asymmetric, groupSize.getValue(), 1.0};
    go.clipSearch = clipSearch;
    go.clipMin = clipMin;
    go.blockSize = blockSize;
    go.damp = damp;
    go.actOrder = actOrder;

    for (auto func : getOperation().getOps<func::FuncOp>()) {
      std::vector<std::vector<LinearOp>> groups = calib::sequentialGroups(func);
      if (groups.empty())
        continue;
      calib::Options co{calibration, calibrationSamples, calibrationLength,
                        seed, calibrationBos};
      auto tokens = calib::loadTokens(func, co);
      if (failed(tokens))
        return signalPassFailure();
      auto start = std::chrono::steady_clock::now();
      // One compilation; each step runs what changed with the weights
      // quantized so far.
      auto program = calib::Program::build(
          func, layerWise ? ArrayRef<std::vector<LinearOp>>(groups)
                          : ArrayRef<std::vector<LinearOp>>());
      if (failed(program))
        return signalPassFailure();
      // A progress line where stderr is a terminal (SmolLM2: 120 steps).
      bool progress = llvm::errs().is_displayed();
      auto loopStart = std::chrono::steady_clock::now();
      for (auto [step, group] : llvm::enumerate(groups)) {
        auto lins = targets(group);
        if (failed(lins))
          return signalPassFailure();
        if (lins->empty())
          continue;
        if (progress) {
          double secs = secondsSince(loopStart);
          double eta = step ? secs / double(step) *
                                  double(groups.size() - step)
                            : 0.0;
          llvm::errs() << llvm::formatv("\r[{0}/{1}] GPTQ {2}, ETA {3:F0} s",
                                        step + 1, groups.size(),
                                        model::describe(lins->front()), eta)
                       << "\x1b[K";
        }
        auto stats = (*program)->collect(*lins, *tokens, /*hessian=*/true);
        if (failed(stats))
          return signalPassFailure();
        // Linears that read one input (q/k/v, gate/up) share its factor,
        // metric and protected directions.
        llvm::DenseMap<const calib::Stats *, Shared> shared;
        for (auto [lin, s] : llvm::zip_equal(*lins, *stats))
          if (failed(quantizeOne(lin, *s, go, shared)))
            return signalPassFailure();
      }
      if (progress)
        llvm::errs() << "\r\x1b[K";
      if (report && protectedLinears > 0)
        mlir::emitRemark(func.getLoc(), quantutil::protectionTotals(
                                            protectedLinears, floatBytes,
                                            quantizedBytes, bits));
      if (report)
        // At the function's location, without printing the function.
        mlir::emitRemark(func.getLoc(), "GPTQ calibration: ")
            << (*program)->numSegments() << " segment(s) ("
            << (*program)->numReusedSegments()
            << " reusing an identical one's code), "
            << (*program)->segmentRuns() << " segment runs over "
            << tokens->size() << " sequences ("
            << llvm::formatv("{0:F1}", (*program)->compileSeconds())
            << " s compiling, "
            << llvm::formatv("{0:F1}", (*program)->runSeconds())
            << " s running; "
            << llvm::formatv("{0:F1}", secondsSince(start)) << " s in all)";
    }
  }

  /// What the linears that read one input share.
  struct Shared {
    gptq::Factor factor;
    /// The clip search's metric (objective=output), without the protected
    /// directions.
    std::optional<quant::OutputMetric> metric;
    /// With protect-directions: the metric with them (for the report),
    /// their unit vectors [K, cols] and P H P.
    quant::OutputMetric full;
    std::vector<double> units, projected;
  };

  LogicalResult prepare(LinearOp lin, const calib::Stats &s,
                        const gptq::Options &go, Shared &out) {
    int64_t cols = lin.getWeight().getType().getDimSize(1);
    int64_t k = protect;
    bool output = objective == "output";
    if (output || k > 0) {
      // The protected directions come first; the search keeps
      // metric-rank more.
      auto m = calib::outputMetric(lin, s, (output ? metricRank : 0) + k);
      if (failed(m))
        return failure();
      if (m->rank < k)
        return lin.emitError() << "protect-directions=" << k << ": the input of "
                               << model::describe(lin) << " has only "
                               << m->rank
                               << " directions with energy in calibration "
                                  "(protect fewer; protect-directions=0 "
                                  "turns protection off)";
      if (output)
        out.metric = m->withoutLeading(k);
      if (k > 0) {
        out.full = std::move(*m);
        out.units = out.full.unitDirections(k);
        out.projected = gptq::projectOut(s.hessian, cols, out.units, k);
      }
    }
    std::string error;
    if (!gptq::factor(k > 0 ? out.projected : s.hessian, cols, go, out.factor,
                      error))
      return lin.emitError("GPTQ of ")
             << model::describe(lin) << " failed: " << error;
    return success();
  }

  LogicalResult
  quantizeOne(LinearOp lin, const calib::Stats &s, gptq::Options go,
              llvm::DenseMap<const calib::Stats *, Shared> &shared) {
    std::vector<double> w = *model::readConstant(lin.getWeight());
    int64_t rows = lin.getWeight().getType().getDimSize(0);
    int64_t cols = lin.getWeight().getType().getDimSize(1);
    int64_t k = protect;
    auto [it, inserted] = shared.try_emplace(&s);
    if (inserted && failed(prepare(lin, s, go, it->second))) {
      shared.erase(it);
      return failure();
    }
    const Shared &sh = it->second;
    if (sh.metric)
      go.metric = &*sh.metric;
    gptq::Result r;
    if (!gptq::quantize(w, rows, cols, sh.factor, go, r))
      return lin.emitError("GPTQ of ")
             << model::describe(lin) << ": its Hessian's factor has "
             << sh.factor.cols << " columns, the weight " << cols;
    // The error's projection on the protected directions, (W - Wq) U^T.
    std::vector<float> correction;
    std::vector<float> deq;
    if (k > 0 || report)
      deq = quant::dequantize(r.q);
    if (k > 0) {
      correction.resize(rows * k);
      for (int64_t o = 0; o < rows; ++o)
        for (int64_t d = 0; d < k; ++d) {
          double c = 0;
          for (int64_t j = 0; j < cols; ++j)
            c += (w[o * cols + j] - double(deq[o * cols + j])) *
                 sh.units[d * cols + j];
          correction[o * k + d] = float(c);
        }
    }
    if (report) {
      std::vector<double> clips;
      if (clipSearch)
        clips = go.metric ? quant::searchClip(w, rows, cols, go.params,
                                              *go.metric, 100, clipMin)
                          : quant::searchClip(w, rows, cols, go.params, 100,
                                              clipMin);
      quant::Quantized rtn = quant::quantize(w, rows, cols, go.params, clips);
      // With protection both errors are what is left after the correction
      // (under P H P), relative to the float output.
      const std::vector<double> &h = k > 0 ? sh.projected : s.hessian;
      double eg =
          gptq::relativeOutputError(w, deq, rows, cols, h, &s.hessian);
      double er = gptq::relativeOutputError(w, quant::dequantize(rtn), rows,
                                            cols, h, &s.hessian);
      auto d = lin.emitRemark();
      d << "GPTQ " << bits.getValue() << "-bit " << model::describe(lin)
        << ": output error " << eg << " (RTN " << er << ") on " << s.tokens
        << " calibration tokens";
      if (clipSearch)
        d << ", clip search for the smallest "
          << (go.metric ? "output" : "weight") << " error";
      if (r.damp != damp)
        d << ", damping raised to " << r.damp;
      if (k > 0) {
        auto [extra, quantized] = quantutil::protectionBytes(lin, k, bits);
        d << ", " << quantutil::protectionSummary(sh.full, k, extra, quantized);
      }
    }
    quantutil::replaceWeight(lin, r.q, bits, mode == "fake");
    if (k > 0) {
      OpBuilder b(lin);
      Location loc = lin.getLoc();
      Type et = lin.getInput().getType().getElementType();
      std::string name = model::nameOf(lin);
      if (name.empty())
        name = "rotq.weight";
      std::vector<float> units(sh.units.begin(), sh.units.end());
      Value dirs = quantutil::blobConstant<float>(
          b, loc, {k, cols}, b.getF32Type(), units,
          "rotq.protected_directions");
      Value c = quantutil::blobConstant<float>(
          b, loc, {rows, k}, b.getF32Type(), correction, name + ".correction");
      if (!et.isF32())
        c = arith::TruncFOp::create(
            b, loc, RankedTensorType::get({rows, k}, et), c);
      quantutil::addProtection(b, lin, dirs, c);
      auto [extra, quantized] = quantutil::protectionBytes(lin, k, bits);
      ++protectedLinears;
      floatBytes += extra;
      quantizedBytes += quantized;
    }
    return success();
  }

  int64_t protectedLinears = 0;
  double floatBytes = 0, quantizedBytes = 0;
};
} // namespace
