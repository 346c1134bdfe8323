//===- Calibrate.cpp - the rotq-calibrate pass ----------------------------===//
//
// Attaches per-linear activation statistics measured on the CPU, for the
// passes (and people) that want them without recomputing.
//
//===----------------------------------------------------------------------===//
#include "rotq/Calibration/Calibration.h"

#include "rotq/Dialect/Rotq/IR/RotqOps.h"
#include "rotq/Calibration/Passes.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

namespace mlir::rotq {
#define GEN_PASS_DEF_CALIBRATE
#include "rotq/Calibration/Passes.h.inc"
} // namespace mlir::rotq

using namespace mlir;
using namespace mlir::rotq;

namespace {
struct CalibratePass : mlir::rotq::impl::CalibrateBase<CalibratePass> {
  using CalibrateBase::CalibrateBase;

  void runOnOperation() override {
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
      auto stats = calib::collect(func, linears, *tokens, hessian);
      if (failed(stats))
        return signalPassFailure();
      Builder b(&getContext());
      for (auto [lin, stat] : llvm::zip_equal(linears, *stats)) {
        const calib::Stats &s = *stat;
        std::string base = "rotq.calibration";
        lin->setAttr(base + ".tokens", b.getI64IntegerAttr(s.tokens));
        std::vector<float> amax(s.absMax.begin(), s.absMax.end());
        lin->setAttr(base + ".abs_max",
                     calib::statAttr<float>(
                         RankedTensorType::get({s.channels}, b.getF32Type()),
                         amax, base + ".abs_max"));
        if (hessian)
          lin->setAttr(base + ".hessian",
                       calib::statAttr<double>(
                           RankedTensorType::get({s.channels, s.channels},
                                                 b.getF64Type()),
                           s.hessian, base + ".hessian"));
      }
    }
  }
};
} // namespace
