//===- Calibrate.cpp - the rotq-calibrate pass ----------------------------===//
//
// Attaches per-linear activation statistics measured on the CPU, for the
// passes (and people) that want them without recomputing.
//
//===----------------------------------------------------------------------===//
#include "rotq/Calibration/Calibration.h"

#include "rotq/Dialect/Rotq/IR/RotqOps.h"
#include "rotq/Calibration/Passes.h"
#include "rotq/Support/Quantizer.h"
#include "rotq/Transforms/ModelUtils.h"

#include "mlir/IR/AsmState.h"
#include "llvm/Support/Parallel.h"

#include <optional>
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

namespace mlir::rotq {
#define GEN_PASS_DEF_CALIBRATE
#include "rotq/Calibration/Passes.h.inc"
} // namespace mlir::rotq

using namespace mlir;
using namespace mlir::rotq;
namespace quant = ::rotq::quant;

namespace {
/// Bytes of second moments one run may accumulate.
constexpr int64_t kMomentBudget = int64_t(1) << 30;

struct CalibratePass : mlir::rotq::impl::CalibrateBase<CalibratePass> {
  using CalibrateBase::CalibrateBase;

  void runOnOperation() override {
    bool moments = hessian || metricRank >= 0;
    if (metricRank < -1) {
      getOperation().emitError("metric-rank must be -1 (none) or >= 0, got ")
          << metricRank.getValue();
      return signalPassFailure();
    }
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      SmallVector<LinearOp> linears;
      func.walk([&](LinearOp lin) { linears.push_back(lin); });
      if (linears.empty())
        continue;
      calib::Options o{calibration, calibrationSamples, calibrationLength,
                       seed, calibrationBos};
      auto tokens = calib::loadTokens(func, o);
      if (failed(tokens))
        return signalPassFailure();
      auto program = calib::Program::build(func);
      if (failed(program))
        return signalPassFailure();
      // Runs over chunks of linears whose distinct inputs' second moments
      // fit the budget (one run for all without them).
      for (size_t begin = 0; begin < linears.size();) {
        size_t end = begin;
        int64_t bytes = 0;
        SmallVector<Value> seen;
        for (; end < linears.size(); ++end) {
          Value in = linears[end].getInput();
          if (!moments || llvm::is_contained(seen, in))
            continue;
          int64_t c = cast<ShapedType>(in.getType()).getShape().back();
          if (end > begin && bytes + 8 * c * c > kMomentBudget)
            break;
          bytes += 8 * c * c;
          seen.push_back(in);
        }
        ArrayRef<LinearOp> chunk(linears.begin() + begin,
                                 linears.begin() + end);
        auto stats = (*program)->collect(chunk, *tokens, moments);
        if (failed(stats) || failed(attach(chunk, *stats)))
          return signalPassFailure();
        begin = end;
      }
    }
  }

  LogicalResult attach(ArrayRef<LinearOp> linears,
                       ArrayRef<std::shared_ptr<const calib::Stats>> stats) {
    Builder b(&getContext());
    std::string base = "rotq.calibration";
    // The metrics of the distinct inputs (eigendirections of each second
    // moment matrix: most of the pass's time), on all threads.
    DenseMap<const calib::Stats *, ElementsAttr> metrics;
    if (metricRank >= 0) {
      SmallVector<std::pair<LinearOp, const calib::Stats *>> distinct;
      for (auto [lin, stat] : llvm::zip_equal(linears, stats)) {
        if (llvm::any_of(distinct,
                         [&](auto &d) { return d.second == stat.get(); }))
          continue;
        // Errors (non-finite inputs) are reported here, not on a thread.
        if (stat->nonFinite)
          return calib::outputMetric(lin, *stat, metricRank);
        distinct.push_back({lin, stat.get()});
      }
      std::vector<std::optional<::rotq::quant::OutputMetric>> computed(
          distinct.size());
      llvm::parallelFor(0, distinct.size(), [&](size_t i) {
        auto m = calib::outputMetric(distinct[i].first, *distinct[i].second,
                                     metricRank);
        if (succeeded(m))
          computed[i] = std::move(*m);
      });
      for (auto [d, m] : llvm::zip_equal(distinct, computed)) {
        if (!m)
          return failure();
        metrics[d.second] = model::dataAttr<double>(
            RankedTensorType::get({1 + m->rank, d.second->channels},
                                  b.getF64Type()),
            m->toRows(), base + ".output_metric");
      }
    }
    for (auto [l, stat] : llvm::zip_equal(linears, stats)) {
      LinearOp lin = l;
      const calib::Stats &s = *stat;
      lin->setAttr(base + ".tokens", b.getI64IntegerAttr(s.tokens));
      std::vector<float> amax(s.absMax.begin(), s.absMax.end());
      lin->setAttr(base + ".abs_max",
                   model::dataAttr<float>(
                       RankedTensorType::get({s.channels}, b.getF32Type()),
                       amax, base + ".abs_max"));
      if (hessian)
        lin->setAttr(base + ".hessian",
                     model::dataAttr<double>(
                         RankedTensorType::get({s.channels, s.channels},
                                               b.getF64Type()),
                         s.hessian, base + ".hessian"));
      if (metricRank >= 0)
        lin->setAttr(base + ".output_metric", metrics.lookup(stat.get()));
    }
    return success();
  }
};
} // namespace
