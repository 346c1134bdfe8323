//===- QuantizeKVCache.cpp - the rotq-quantize-kv-cache pass --------------===//
//
// The keys and values an attention reads pass through the quantizer a KV
// cache would store them with (per token and head).
//
//===----------------------------------------------------------------------===//
#include "rotq/Transforms/ModelUtils.h"
#include "rotq/Transforms/QuantUtils.h"

#include "rotq/Dialect/Rotq/IR/RotqOps.h"
#include "rotq/Transforms/Passes.h"

namespace mlir::rotq {
#define GEN_PASS_DEF_QUANTIZEKVCACHE
#include "rotq/Transforms/Passes.h.inc"
} // namespace mlir::rotq

using namespace mlir;
using namespace mlir::rotq;

namespace {
struct QuantizeKVCachePass
    : mlir::rotq::impl::QuantizeKVCacheBase<QuantizeKVCachePass> {
  using QuantizeKVCacheBase::QuantizeKVCacheBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (failed(quantutil::checkOptions(func, bits, std::nullopt,
                                       double(clipRatio))))
      return signalPassFailure();
    // A model whose attention was not raised would keep a float cache: say
    // so instead of returning the model unchanged.
    bool anyAttention = false;
    func.walk([&](AttentionOp) { anyAttention = true; });
    if (!anyAttention && model::hasLinears(func)) {
      func.emitError() << getArgument()
                       << ": no rotq.attention in this model, so its keys and "
                          "values would stay float: run --rotq-raise-model "
                          "first, or report the attention form it does not "
                          "recognise";
      return signalPassFailure();
    }
    if (!anyAttention)
      func.emitWarning() << getArgument()
                         << ": no rotq.attention, nothing to quantize";
    func.walk([&](AttentionOp att) {
      OpBuilder b(att);
      for (OpOperand *use : {&att.getKeyMutable(), &att.getValueMutable()})
        use->set(quantutil::fakeQuantize(b, att.getLoc(), use->get(), bits,
                                         asymmetric, 0, clipRatio));
    });
  }
};
} // namespace
