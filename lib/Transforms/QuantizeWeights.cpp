//===- QuantizeWeights.cpp - the rotq-quantize-weights pass ---------------===//
//
// Offline RTN quantization of constant linear weights (Support/Quantizer),
// with the result either kept as codes + scales that the IR dequantizes
// (real) or folded back to floats (fake). The two give bit-identical
// weights: the fake values are float32 scale * (q - zp), which is what
// rotq.dequantize computes.
//
//===----------------------------------------------------------------------===//
#include "ModelUtils.h"
#include "QuantUtils.h"

#include "rotq/Dialect/Rotq/IR/RotqOps.h"
#include "rotq/Support/Quantizer.h"
#include "rotq/Transforms/Passes.h"

namespace mlir::rotq {
#define GEN_PASS_DEF_QUANTIZEWEIGHTS
#include "rotq/Transforms/Passes.h.inc"
} // namespace mlir::rotq

using namespace mlir;
using namespace mlir::rotq;
namespace quant = ::rotq::quant;

namespace {
struct QuantizeWeightsPass
    : mlir::rotq::impl::QuantizeWeightsBase<QuantizeWeightsPass> {
  using QuantizeWeightsBase::QuantizeWeightsBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (failed(quantutil::checkOptions(func, bits, StringRef(mode))) ||
        failed(quantutil::checkRaised(func, getArgument())))
      return signalPassFailure();
    quant::Params params{int(bits.getValue()), !asymmetric,
                         groupSize.getValue(), 1.0};
    WalkResult r = func.walk([&](LinearOp lin) -> WalkResult {
      if (skipLmHead && quantutil::isLmHead(lin))
        return WalkResult::advance();
      FailureOr<std::vector<double>> w = model::readConstant(lin.getWeight());
      if (failed(w))
        return WalkResult::advance(); // already quantized, or not constant
      auto wt = lin.getWeight().getType();
      int64_t rows = wt.getDimSize(0), cols = wt.getDimSize(1);
      if (failed(quantutil::checkGroupSize(lin, groupSize)))
        return WalkResult::interrupt();
      quant::Quantized q =
          quant::quantizeRtn(*w, rows, cols, params, clipSearch);
      if (report)
        lin.emitRemark() << bits.getValue() << "-bit weights, relative error "
                         << quantutil::relativeError(*w, quant::dequantize(q));
      quantutil::replaceWeight(lin, q, bits, mode == "fake");
      return WalkResult::advance();
    });
    if (r.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
