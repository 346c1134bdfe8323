//===- QuantizeActivations.cpp - the rotq-quantize-activations pass -------===//
//
// Per-token dynamic quantization of linear inputs. With quantized weights
// the linear becomes rotq.qmatmul (integer accumulation); otherwise the
// input is quantized and dequantized in float, which computes the same
// values up to float rounding.
//
//===----------------------------------------------------------------------===//
#include "rotq/Transforms/ModelUtils.h"
#include "rotq/Transforms/QuantUtils.h"

#include "rotq/Dialect/Rotq/IR/RotqOps.h"
#include "rotq/Transforms/Passes.h"

namespace mlir::rotq {
#define GEN_PASS_DEF_QUANTIZEACTIVATIONS
#include "rotq/Transforms/Passes.h.inc"
} // namespace mlir::rotq

using namespace mlir;
using namespace mlir::rotq;

namespace {
struct QuantizeActivationsPass
    : mlir::rotq::impl::QuantizeActivationsBase<QuantizeActivationsPass> {
  using QuantizeActivationsBase::QuantizeActivationsBase;

  /// Why `lin` cannot become a rotq.qmatmul, or "" when it can.
  std::string whyNotQMatmul(LinearOp lin) {
    auto dq = lin.getWeight().getDefiningOp<DequantizeOp>();
    if (!dq)
      return "its weight is not quantized";
    auto in = cast<RankedTensorType>(lin.getInput().getType());
    if (in.getRank() != 2)
      return "its input has rank " + std::to_string(in.getRank());
    if (!lin.getType().getElementType().isF32())
      return "its result is not f32";
    if (lin.getBias() &&
        !cast<RankedTensorType>(lin.getBias().getType()).getElementType().isF32())
      return "its bias is not f32";
    int64_t k = in.getShape().back();
    int64_t ga = groupSize > 0 ? k / groupSize : 1;
    int64_t gw = dq.getScale().getType().getShape().back();
    if (ga != gw && ga != 1 && gw != 1)
      return std::to_string(ga) + " activation groups and " +
             std::to_string(gw) + " weight groups do not nest";
    return "";
  }

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (failed(quantutil::checkOptions(func, bits, StringRef(mode),
                                       double(clipRatio))) ||
        failed(quantutil::checkRaised(func, getArgument())))
      return signalPassFailure();
    SmallVector<LinearOp> linears;
    func.walk([&](LinearOp lin) {
      if (!(skipLmHead && quantutil::isLmHead(lin)))
        linears.push_back(lin);
    });
    for (LinearOp lin : linears) {
      if (failed(quantutil::checkGroupSize(lin, groupSize)))
        return signalPassFailure();
      OpBuilder b(lin);
      Location loc = lin.getLoc();
      std::string why = mode == "real" ? whyNotQMatmul(lin) : "fake mode";
      if (!why.empty()) {
        if (report && mode == "real")
          lin.emitRemark() << model::describe(lin)
                           << ": activations fake-quantized, " << why;
        Value x = quantutil::fakeQuantize(b, loc, lin.getInput(), bits,
                                          asymmetric, groupSize, clipRatio);
        lin.getInputMutable().set(x);
        continue;
      }
      auto dq = lin.getWeight().getDefiningOp<DequantizeOp>();
      quantutil::Codes a = quantutil::quantizeDynamic(
          b, loc, lin.getInput(), bits, asymmetric, groupSize, clipRatio);
      Value y = QMatmulOp::create(b, loc, lin.getType(), a.codes, a.scale,
                                  a.zeroPoint, dq.getCodes(), dq.getScale(),
                                  dq.getZeroPoint(), lin.getBias());
      lin.replaceAllUsesWith(y);
      lin.erase();
      if (dq->use_empty())
        dq->erase();
    }
  }
};
} // namespace
