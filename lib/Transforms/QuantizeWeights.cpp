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

namespace mlir::rotq {
#define GEN_PASS_DEF_QUANTIZEWEIGHTS
#include "rotq/Transforms/Passes.h.inc"
} // namespace mlir::rotq

using namespace mlir;
using namespace mlir::rotq;

namespace {
struct QuantizeWeightsPass
    : mlir::rotq::impl::QuantizeWeightsBase<QuantizeWeightsPass> {
  using QuantizeWeightsBase::QuantizeWeightsBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (failed(quantutil::checkOptions(func, bits, StringRef(mode))) ||
        failed(quantutil::checkRaised(func, getArgument())))
      return signalPassFailure();
    WalkResult r = func.walk([&](LinearOp lin) -> WalkResult {
      if (skipLmHead && quantutil::isLmHead(lin))
        return WalkResult::advance();
      if (lin.getWeight().getDefiningOp<DequantizeOp>())
        return WalkResult::advance(); // already quantized
      if (failed(quantutil::checkGroupSize(lin, groupSize)))
        return WalkResult::interrupt();
      OpBuilder b(lin);
      Value wq = quantutil::quantizeWeight(
          b, lin.getLoc(), lin.getWeight(), bits, asymmetric, groupSize,
          clipSearch ? std::optional<double>(0.8) : std::nullopt,
          /*pack=*/mode == "real");
      lin.getWeightMutable().set(wq);
      if (report)
        lin.emitRemark() << bits.getValue() << "-bit weights ("
                         << (groupSize > 0 ? "per group of " +
                                                 std::to_string(groupSize)
                                           : std::string("per channel"))
                         << (clipSearch ? ", clip search" : "") << ")";
      return WalkResult::advance();
    });
    if (r.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
