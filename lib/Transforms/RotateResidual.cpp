//===- RotateResidual.cpp - the rotq-rotate-residual pass -----------------===//
//
// Rotates the residual stream h -> h Q with Q folded into the weights:
// the embedding writes E Q, every linear writing into a residual add
// produces (x W^T + b) Q = x (Q^T W)^T + b Q, and every linear reading a
// scale-free norm of the stream reads RMSNorm(h Q) = RMSNorm(h) Q, so it
// takes W Q. The pass first collects the whole stream and checks that each
// use is one of those (or a shape query); otherwise it changes nothing and
// reports the offending op.
//
//===----------------------------------------------------------------------===//
#include "rotq/Transforms/ModelUtils.h"
#include "rotq/Transforms/QuantUtils.h"

#include "rotq/Dialect/Rotq/IR/RotqOps.h"
#include "rotq/Support/Npy.h"
#include "rotq/Support/Orthogonal.h"
#include "rotq/Support/Random.h"
#include "rotq/Transforms/Passes.h"
#include "rotq/Support/Hadamard.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/SetVector.h"

#include <cmath>

namespace mlir::rotq {
#define GEN_PASS_DEF_ROTATERESIDUAL
#include "rotq/Transforms/Passes.h.inc"
} // namespace mlir::rotq

using namespace mlir;
using namespace mlir::rotq;

namespace {
struct Stream {
  SmallVector<EmbeddingOp> embeddings;
  llvm::SetVector<Operation *> readers; // rotq.linear reading a norm
  llvm::SetVector<Operation *> writers; // rotq.linear adding into the stream
  int64_t width = -1;
};

LogicalResult collectStream(func::FuncOp func, Stream &s) {
  llvm::SetVector<Value> values;
  func.walk([&](EmbeddingOp e) {
    s.embeddings.push_back(e);
    values.insert(e.getResult());
  });
  if (s.embeddings.empty())
    return func.emitError("no rotq.embedding starts a residual stream (run "
                          "rotq-raise-model first?)");
  s.width = s.embeddings.front().getTable().getType().getDimSize(1);
  auto fail = [&](Operation *op, const Twine &why) {
    return op->emitError("cannot rotate the residual stream: ") << why;
  };
  for (size_t i = 0; i < values.size(); ++i) {
    Value v = values[i];
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      if (isa<tensor::DimOp>(user))
        continue;
      if (model::isResidualAdd(user)) {
        auto dps = cast<DestinationStyleOpInterface>(user);
        if (dps.isDpsInit(&use))
          return fail(user, "the stream is the destination of an add");
        Value other = user->getOperand(1 - use.getOperandNumber());
        if (!values.contains(other)) {
          auto lin = other.getDefiningOp<LinearOp>();
          if (!lin)
            return fail(user, "a residual add mixes the stream with a value "
                              "that is neither the stream nor a linear's "
                              "output");
          s.writers.insert(lin);
          values.insert(other);
        }
        values.insert(user->getResult(0));
        continue;
      }
      if (auto norm = dyn_cast<RMSNormOp>(user)) {
        if (norm.getWeight())
          return fail(norm, "the norm still has a weight (run "
                            "rotq-fuse-norm-scales first)");
        for (OpOperand &nu : norm.getResult().getUses()) {
          auto lin = dyn_cast<LinearOp>(nu.getOwner());
          if (!lin || lin.getInput() != norm.getResult())
            return fail(nu.getOwner(), "a norm of the stream feeds an op that "
                                       "is not a linear's input");
          s.readers.insert(lin);
        }
        continue;
      }
      if (auto lin = dyn_cast<LinearOp>(user); lin && s.writers.contains(lin))
        continue;
      return fail(user, "the stream reaches this op, which the rotation "
                        "cannot pass through (only residual adds and "
                        "scale-free norms feeding linears can)");
    }
  }
  // A linear's output that is part of the stream must only be used by it.
  for (Operation *w : s.writers)
    if (s.readers.contains(w))
      return fail(w, "a linear both reads and writes the residual stream");
  for (EmbeddingOp e : s.embeddings)
    if (e.getTable().getType().getDimSize(1) != s.width)
      return fail(e, "embedding tables must all have one width");
  return success();
}
} // namespace

namespace {
/// Q: a randomized Hadamard (its signs) or a dense orthogonal matrix.
struct ResidualRotation {
  std::vector<int8_t> signs;
  std::vector<double> dense;
};

struct RotateResidualPass
    : mlir::rotq::impl::RotateResidualBase<RotateResidualPass> {
  using RotateResidualBase::RotateResidualBase;

  FailureOr<ResidualRotation> makeRotation(int64_t d) {
    func::FuncOp func = getOperation();
    if (rotation == "hadamard") {
      if (std::string why = ::rotq::hadamard::unsupportedReason(d); !why.empty())
        return func.emitError("cannot rotate the residual stream of width ")
               << d << " with a Hadamard: " << why;
      ::rotq::Random rng(seed * 0xA24BAED4963EE407ULL + 3);
      std::vector<int8_t> signs(d);
      for (int8_t &s : signs)
        s = rng.sign() < 0 ? -1 : 1;
      return ResidualRotation{std::move(signs), {}};
    }
    if (rotation == "random-orthogonal")
      return ResidualRotation{{}, ::rotq::randomOrthogonal(d, seed)};
    if (rotation == "file") {
      if (rotationFile.empty())
        return func.emitError("rotation=file needs rotation-file=PATH");
      llvm::Expected<::rotq::npy::Array> a = ::rotq::npy::read(rotationFile);
      if (!a)
        return func.emitError(llvm::toString(a.takeError()));
      if (!a->isFloat() || a->shape != std::vector<int64_t>{d, d})
        return func.emitError(rotationFile)
               << ": the rotation must be a float [" << d << ", " << d
               << "] matrix for a residual stream of width " << d;
      std::vector<double> m(d * d);
      for (int64_t i = 0; i < d * d; ++i) {
        m[i] = a->getDouble(i);
        if (!std::isfinite(m[i]))
          return func.emitError(rotationFile)
                 << ": the matrix holds a non-finite value at element " << i;
      }
      double err = ::rotq::orthogonalityError(m, d);
      if (!(err < 1e-4))
        return func.emitError(rotationFile)
               << ": the matrix is not orthogonal (max |Q^T Q - I| = " << err
               << ")";
      return ResidualRotation{{}, std::move(m)};
    }
    return func.emitError("unknown rotation '")
           << rotation << "' (hadamard, random-orthogonal or file)";
  }

  /// A dense Q as an f64 constant at the top of the function; null for a
  /// randomized Hadamard.
  Value denseMatrix(const ResidualRotation &q, int64_t d) {
    if (q.dense.empty())
      return Value();
    OpBuilder b = OpBuilder::atBlockBegin(&getOperation().getBody().front());
    return model::f64Matrix(b, getOperation().getLoc(), q.dense, d,
                            "rotq.residual_rotation");
  }

  /// x Q along the last dimension of a weight, as IR (float64 for a dense Q).
  static Value rotateWeight(const ResidualRotation &q, Value matrix,
                            OpBuilder &b, Location loc, Value x) {
    if (matrix)
      return model::rotateDense(b, loc, x, matrix);
    return model::hadamardOf(b, loc, x, q.signs);
  }

  /// online-after-norm: y = RMSNorm(x) * g -> y Q online, readers W Q.
  void rotateNormOutputs() {
    SmallVector<RMSNormOp> norms;
    getOperation().walk([&](RMSNormOp n) {
      bool allLinears = !n.getResult().use_empty();
      bool onlyLmHead = true;
      for (Operation *u : n.getResult().getUsers()) {
        auto lin = dyn_cast<LinearOp>(u);
        allLinears &= lin && lin.getInput() == n.getResult();
        onlyLmHead &= lin && quantutil::isLmHead(lin);
      }
      if (allLinears && !onlyLmHead)
        norms.push_back(n);
    });
    if (norms.empty()) {
      getOperation().emitWarning()
          << getArgument()
          << ": online-after-norm: no RMSNorm read only by linears; nothing "
             "was rotated";
      return;
    }
    int64_t d = norms.front().getInput().getType().getShape().back();
    for (RMSNormOp n : norms)
      if (n.getInput().getType().getShape().back() != d) {
        n.emitError("the norms have different widths (")
            << d << " and " << n.getInput().getType().getShape().back()
            << ")";
        return signalPassFailure();
      }
    FailureOr<ResidualRotation> q = makeRotation(d);
    if (failed(q))
      return signalPassFailure();
    Value matrix = denseMatrix(*q, d);
    for (RMSNormOp n : norms) {
      SmallVector<LinearOp> readers;
      for (Operation *u : n.getResult().getUsers())
        readers.push_back(cast<LinearOp>(u));
      OpBuilder b(n);
      b.setInsertionPointAfter(n);
      Location loc = n.getLoc();
      Value y;
      if (matrix) {
        auto t = cast<RankedTensorType>(n.getResult().getType());
        Value m = matrix;
        if (!t.getElementType().isF64())
          m = arith::TruncFOp::create(
              b, loc, RankedTensorType::get({d, d}, t.getElementType()), m);
        y = RotateOp::create(b, loc, t, n.getResult(), m, UnitAttr());
      } else {
        y = model::hadamardOf(b, loc, n.getResult(), q->signs);
      }
      for (LinearOp lin : readers) {
        lin.getInputMutable().set(y);
        OpBuilder wb(lin);
        lin.getWeightMutable().set(
            rotateWeight(*q, matrix, wb, lin.getLoc(), lin.getWeight()));
      }
      if (report)
        n.emitRemark() << "online rotation of order " << model::hadamardNote(d)
                       << " after the norm (its weight kept), fused into "
                       << readers.size() << " reader(s)";
    }
  }

  void runOnOperation() override {
    if (onlineAfterNorm)
      return rotateNormOutputs();
    Stream s;
    if (failed(collectStream(getOperation(), s)))
      return signalPassFailure();
    int64_t d = s.width;
    FailureOr<ResidualRotation> q = makeRotation(d);
    if (failed(q))
      return signalPassFailure();

    // x -> x Q along the last dimension, as IR on the weight.
    Value matrix = denseMatrix(*q, d);
    auto rotate = [&](OpBuilder &b, Location loc, Value x) -> Value {
      return rotateWeight(*q, matrix, b, loc, x);
    };
    for (EmbeddingOp e : s.embeddings) {
      OpBuilder b(e);
      e.getTableMutable().set(rotate(b, e.getLoc(), e.getTable()));
      if (report)
        e.emitRemark("residual rotation fused into the embedding table");
    }
    for (Operation *op : s.readers) {
      auto lin = cast<LinearOp>(op);
      OpBuilder b(lin);
      lin.getWeightMutable().set(rotate(b, lin.getLoc(), lin.getWeight()));
      if (report)
        lin.emitRemark("residual rotation fused into the input side");
    }
    for (Operation *op : s.writers) {
      auto lin = cast<LinearOp>(op);
      OpBuilder b(lin);
      // (x W^T + b) Q = x (Q^T W)^T + b Q.
      lin.getWeightMutable().set(
          model::alongFirstDim(b, lin.getLoc(), lin.getWeight(), rotate));
      if (Value bias = lin.getBias())
        lin.getBiasMutable()[0].set(rotate(b, lin.getLoc(), bias));
      if (report)
        lin.emitRemark("residual rotation fused into the output side");
    }
    if (report)
      getOperation().emitRemark()
          << "residual stream rotated by "
          << (rotation == "hadamard" ? "a randomized Hadamard "
                                     : "an orthogonal matrix ")
          << "of order " << model::hadamardNote(d) << ": "
          << s.embeddings.size() << " embedding(s), " << s.readers.size()
          << " reader(s), " << s.writers.size() << " writer(s)";
  }
};
} // namespace
