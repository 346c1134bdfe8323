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
    DenseMap<const calib::Stats *, ElementsAttr> metrics;
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
      if (metricRank < 0)
        continue;
      ElementsAttr &metric = metrics[stat.get()];
      if (!metric) {
        auto m = calib::outputMetric(lin, s, metricRank);
        if (failed(m))
          return failure();
        metric = model::dataAttr<double>(
            RankedTensorType::get({1 + m->rank, s.channels}, b.getF64Type()),
            m->toRows(), base + ".output_metric");
      }
      lin->setAttr(base + ".output_metric", metric);
    }
    return success();
  }
};
} // namespace
