//===- RotateQK.cpp - the rotq-rotate-qk pass -----------------------------===//
//
// Scores only see q k^T per head, and (q M)(k M)^T = q k^T, so the same
// Hadamard on both sides after the rotary embedding changes nothing but the
// distribution of the keys a KV cache stores.
//
//===----------------------------------------------------------------------===//
#include "rotq/Transforms/ModelUtils.h"

#include "rotq/Dialect/Rotq/IR/RotqOps.h"
#include "rotq/Transforms/Passes.h"
#include "rotq/Support/Hadamard.h"

#include "mlir/IR/Builders.h"

namespace mlir::rotq {
#define GEN_PASS_DEF_ROTATEQK
#include "rotq/Transforms/Passes.h.inc"
} // namespace mlir::rotq

using namespace mlir;
using namespace mlir::rotq;

namespace {
struct RotateQKPass : mlir::rotq::impl::RotateQKBase<RotateQKPass> {
  using RotateQKBase::RotateQKBase;

  void runOnOperation() override {
    if (model::warnIfNoneRaised<AttentionOp>(getOperation(), getArgument(),
                                             "queries and keys"))
      return;
    getOperation().walk([&](AttentionOp att) {
      int64_t n = att.getQuery().getType().getDimSize(2);
      if (std::string why = ::rotq::hadamard::unsupportedReason(n);
          !why.empty()) {
        att.emitWarning("queries and keys not rotated: ") << why;
        return;
      }
      OpBuilder b(att);
      auto had = [&](Value v) -> Value {
        return HadamardOp::create(b, att.getLoc(), v, DenseI8ArrayAttr(),
                                  IntegerAttr(), UnitAttr());
      };
      att.getQueryMutable().set(had(att.getQuery()));
      att.getKeyMutable().set(had(att.getKey()));
      if (report) {
        int64_t hd = att.getQuery().getType().getDimSize(2);
        att.emitRemark() << "online Hadamard on queries and keys: "
                         << model::hadamardNote(hd);
      }
    });
  }
};
} // namespace
