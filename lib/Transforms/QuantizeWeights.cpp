//===- QuantizeWeights.cpp - the rotq-quantize-weights pass ---------------===//
//
// RTN weight quantization as IR on the weight value: rotq.quantize (with
// the clip search as its clip_search attribute), rotq.pack / rotq.unpack for
// 4- and 2-bit codes, rotq.dequantize feeding the linear. The pass reads no
// weight data: rotq-materialize (or the tools, before running) evaluates
// the quantizer with the rules of Support/Quantizer, in float64.
//
//===----------------------------------------------------------------------===//
#include "rotq/Transforms/ModelUtils.h"
#include "rotq/Transforms/QuantUtils.h"

#include "rotq/Dialect/Rotq/IR/RotqOps.h"
#include "rotq/Transforms/Passes.h"

#include <cstdio>

namespace mlir::rotq {
#define GEN_PASS_DEF_QUANTIZEWEIGHTS
#include "rotq/Transforms/Passes.h.inc"
} // namespace mlir::rotq

using namespace mlir;
using namespace mlir::rotq;

namespace {
constexpr const char *kOutputMetric = "rotq.calibration.output_metric";

std::string shortNumber(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

struct QuantizeWeightsPass
    : mlir::rotq::impl::QuantizeWeightsBase<QuantizeWeightsPass> {
  using QuantizeWeightsBase::QuantizeWeightsBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (failed(quantutil::checkOptions(func, bits, StringRef(mode))) ||
        failed(quantutil::checkRaised(func, getArgument())))
      return signalPassFailure();
    if (objective != "weight" && objective != "output") {
      func.emitError("objective must be weight or output, got '")
          << objective << "'";
      return signalPassFailure();
    }
    bool output = objective == "output";
    if (output && !clipSearch) {
      func.emitError("objective=output chooses clip ratios: it needs "
                     "clip-search=true");
      return signalPassFailure();
    }
    if (rounding != "nearest" && rounding != "output") {
      func.emitError("rounding must be nearest or output, got '")
          << rounding << "'";
      return signalPassFailure();
    }
    if (rounding == "output" && !output) {
      func.emitError("rounding=output descends on the output error: it "
                     "needs objective=output");
      return signalPassFailure();
    }
    if (clipSearch && !(clipMin > 0 && clipMin <= 1)) {
      func.emitError("clip-min must be in (0, 1], got ") << clipMin.getValue();
      return signalPassFailure();
    }
    WalkResult r = func.walk([&](LinearOp lin) -> WalkResult {
      if (skipLmHead && quantutil::isLmHead(lin))
        return WalkResult::advance();
      if (lin.getWeight().getDefiningOp<DequantizeOp>())
        return WalkResult::advance(); // already quantized
      if (failed(quantutil::checkGroupSize(lin, groupSize)))
        return WalkResult::interrupt();
      ElementsAttr metric;
      if (output) {
        metric = lin->getAttrOfType<ElementsAttr>(kOutputMetric);
        if (!metric)
          return lin.emitError("objective=output: ")
                 << model::describe(lin) << " has no " << kOutputMetric
                 << " (run rotq-calibrate with metric-rank first)";
        auto t = cast<ShapedType>(metric.getType());
        int64_t cols = lin.getWeight().getType().getDimSize(1);
        if (!t.getElementType().isF64() || t.getRank() != 2 ||
            t.getDimSize(0) < 1 || t.getDimSize(1) != cols)
          return lin.emitError() << kOutputMetric << " of "
                                 << model::describe(lin) << " must be f64 [1 + r, "
                                 << cols << "], found " << t;
      }
      OpBuilder b(lin);
      Value wq = quantutil::quantizeWeight(
          b, lin.getLoc(), lin.getWeight(), bits, asymmetric, groupSize,
          clipSearch ? std::optional<double>(clipMin) : std::nullopt,
          /*pack=*/mode == "real", metric, rounding == "output");
      lin.getWeightMutable().set(wq);
      if (report) {
        auto d = lin.emitRemark();
        d << bits.getValue() << "-bit weights ("
          << (groupSize > 0 ? "per group of " + std::to_string(groupSize)
                            : std::string("per channel"));
        if (clipSearch)
          d << ", clip search down to " << shortNumber(clipMin) << " for the "
            << (output ? "smallest output error, metric rank " +
                             std::to_string(cast<ShapedType>(metric.getType())
                                                .getDimSize(0) -
                                            1)
                       : std::string("smallest weight error"));
        if (rounding == "output")
          d << ", output-aware rounding";
        d << ")";
      }
      return WalkResult::advance();
    });
    if (r.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
