//===- ModelUtils.cpp - helpers shared by the model passes ----------------===//
#include "rotq/Transforms/ModelUtils.h"

#include "rotq/Dialect/Rotq/IR/RotqOps.h"
#include "rotq/Support/Hadamard.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <functional>

using namespace mlir;
using namespace mlir::rotq;

FailureOr<std::vector<double>> mlir::rotq::model::readConstant(Value v) {
  auto cst = v.getDefiningOp<arith::ConstantOp>();
  if (!cst)
    return failure();
  Attribute attr = cst.getValue();
  if (auto dense = dyn_cast<DenseFPElementsAttr>(attr)) {
    std::vector<double> out;
    out.reserve(dense.getNumElements());
    for (const APFloat &f : dense.getValues<APFloat>()) {
      APFloat d = f;
      bool lost;
      d.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
      out.push_back(d.convertToDouble());
    }
    return out;
  }
  if (auto r = dyn_cast<DenseF32ResourceElementsAttr>(attr)) {
    std::optional<ArrayRef<float>> data = r.tryGetAsArrayRef();
    if (!data)
      return failure();
    return std::vector<double>(data->begin(), data->end());
  }
  if (auto r = dyn_cast<DenseF64ResourceElementsAttr>(attr)) {
    std::optional<ArrayRef<double>> data = r.tryGetAsArrayRef();
    if (!data)
      return failure();
    return std::vector<double>(data->begin(), data->end());
  }
  return failure();
}

bool mlir::rotq::model::isFloatConstant(Value v) {
  auto cst = v.getDefiningOp<arith::ConstantOp>();
  if (!cst)
    return false;
  Attribute attr = cst.getValue();
  if (isa<DenseFPElementsAttr>(attr))
    return true;
  if (auto r = dyn_cast<DenseF32ResourceElementsAttr>(attr))
    return r.tryGetAsArrayRef().has_value();
  if (auto r = dyn_cast<DenseF64ResourceElementsAttr>(attr))
    return r.tryGetAsArrayRef().has_value();
  return false;
}

void mlir::rotq::model::setConstant(OpOperand &use, ArrayRef<double> values,
                              StringRef suffix) {
  auto old = use.get().getDefiningOp<arith::ConstantOp>();
  auto type = cast<RankedTensorType>(use.get().getType());
  Type et = type.getElementType();
  std::string name = "rotq.weight";
  if (auto r = dyn_cast<DenseResourceElementsAttr>(old.getValue()))
    name = r.getRawHandle().getKey().str();
  name += suffix.str();

  OpBuilder b(old);
  Attribute attr;
  // Keep the representation: blobs stay blobs (large weights), inline
  // dense constants stay readable.
  bool blob = isa<DenseResourceElementsAttr>(old.getValue());
  if (blob && et.isF32()) {
    std::vector<float> f(values.begin(), values.end());
    attr = DenseResourceElementsAttr::get(
        type, name,
        HeapAsmResourceBlob::allocateAndCopyInferAlign(ArrayRef<float>(f)));
  } else if (blob && et.isF64()) {
    attr = DenseResourceElementsAttr::get(
        type, name, HeapAsmResourceBlob::allocateAndCopyInferAlign(values));
  } else {
    const llvm::fltSemantics &sem = cast<FloatType>(et).getFloatSemantics();
    SmallVector<APFloat> fs;
    for (double v : values) {
      APFloat f(v);
      bool lost;
      f.convert(sem, APFloat::rmNearestTiesToEven, &lost);
      fs.push_back(f);
    }
    attr = DenseElementsAttr::get(type, fs);
  }
  Value fresh = arith::ConstantOp::create(b, old.getLoc(), type,
                                          cast<TypedAttr>(attr));
  use.set(fresh);
  if (old->use_empty())
    old->erase();
}

std::string mlir::rotq::model::nameOf(Operation *op) {
  Location loc = op->getLoc();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location l : fused.getLocations())
      if (auto n = dyn_cast<NameLoc>(l))
        return n.getName().str();
  if (auto n = dyn_cast<NameLoc>(loc))
    return n.getName().str();
  return "";
}

std::string mlir::rotq::model::describe(Operation *op) {
  std::string n = nameOf(op);
  if (!n.empty())
    return n;
  std::string s;
  llvm::raw_string_ostream os(s);
  os << op->getName() << " at " << op->getLoc();
  return s;
}

/// An all-parallel generic with `inputs` inputs, one init and identity maps.
static linalg::GenericOp identityGeneric(Operation *op, unsigned inputs) {
  auto g = dyn_cast<linalg::GenericOp>(op);
  if (!g || g.getNumDpsInputs() != inputs || g.getNumDpsInits() != 1 ||
      g.getNumReductionLoops() != 0)
    return {};
  for (AffineMap m : g.getIndexingMapsArray())
    if (!m.isIdentity())
      return {};
  return g;
}

bool mlir::rotq::model::isResidualAdd(Operation *op) {
  if (isa<linalg::AddOp>(op))
    return true;
  linalg::GenericOp g = identityGeneric(op, 2);
  if (!g)
    return false;
  Block &body = g.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto add = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  Value a = body.getArgument(0), c = body.getArgument(1);
  return (add.getLhs() == a && add.getRhs() == c) ||
         (add.getLhs() == c && add.getRhs() == a);
}

bool mlir::rotq::model::isElementwiseCast(Operation *op) {
  linalg::GenericOp g = identityGeneric(op, 1);
  if (!g)
    return false;
  Block &body = g.getRegion().front();
  Value v = cast<linalg::YieldOp>(body.getTerminator()).getOperand(0);
  while (Operation *d = v.getDefiningOp()) {
    if (!isa<arith::ExtFOp, arith::TruncFOp>(d))
      return false;
    v = d->getOperand(0);
  }
  return v == body.getArgument(0);
}

bool mlir::rotq::model::hasLinears(Operation *root) {
  return root
      ->walk([](Operation *op) {
        return isa<LinearOp, QMatmulOp>(op) ? WalkResult::interrupt()
                                            : WalkResult::advance();
      })
      .wasInterrupted();
}

SmallVector<Operation *> mlir::rotq::model::unraisedContractions(Operation *root) {
  SmallVector<Operation *> out;
  // Whether v is derived from one constant through one-operand ops.
  auto fromConstant = [](Value v) {
    for (int depth = 0; depth < 8; ++depth) {
      Operation *d = v.getDefiningOp();
      if (!d)
        return false;
      if (isa<arith::ConstantOp>(d))
        return true;
      auto dps = dyn_cast<DestinationStyleOpInterface>(d);
      unsigned inputs = dps ? dps.getNumDpsInputs() : d->getNumOperands();
      if (inputs != 1)
        return false;
      v = d->getOperand(0);
    }
    return false;
  };
  root->walk([&](linalg::LinalgOp op) {
    if (op.getNumReductionLoops() > 0 &&
        linalg::isaContractionOpInterface(op) &&
        llvm::any_of(op.getDpsInputs(), fromConstant))
      out.push_back(op);
  });
  return out;
}

namespace {
bool splitsHeads(ArrayRef<ReassociationIndices> r) {
  return r.size() == 2 && r[0] == ReassociationIndices{0} &&
         r[1] == ReassociationIndices{1, 2};
}
} // namespace

FailureOr<model::ValueChain> mlir::rotq::model::valueChainOf(AttentionOp att,
                                                             std::string &why) {
  auto fail = [&](const char *s) {
    why = s;
    return failure();
  };
  auto split = att.getValue().getDefiningOp<tensor::ExpandShapeOp>();
  auto vproj = split ? split.getSrc().getDefiningOp<LinearOp>() : nullptr;
  if (!vproj || !splitsHeads(split.getReassociationIndices()))
    return fail("values are not a head split of a rotq.linear");
  if (!vproj.getResult().hasOneUse() || !split.getResult().hasOneUse())
    return fail("v_proj's output has other users");
  if (!att.getResult().hasOneUse())
    return fail("the attention output has other users");
  auto merge =
      dyn_cast<tensor::CollapseShapeOp>(*att.getResult().getUsers().begin());
  if (!merge || !splitsHeads(merge.getReassociationIndices()) ||
      !merge.getResult().hasOneUse())
    return fail("the output is not a head merge with one user");
  auto oproj = dyn_cast<LinearOp>(*merge.getResult().getUsers().begin());
  if (!oproj || oproj.getInput() != merge.getResult())
    return fail("the merged heads do not feed a rotq.linear");
  ValueChain c;
  c.vproj = vproj;
  c.attention = att;
  c.oproj = oproj;
  c.heads = att.getQuery().getType().getDimSize(1);
  c.kvHeads = att.getValue().getType().getDimSize(1);
  c.headDim = att.getValue().getType().getDimSize(2);
  return c;
}

FailureOr<model::ValueChain>
mlir::rotq::model::valueChainInto(LinearOp oproj, std::string &why) {
  auto merge = oproj.getInput().getDefiningOp<tensor::CollapseShapeOp>();
  auto att = merge ? merge.getSrc().getDefiningOp<AttentionOp>() : nullptr;
  if (!att) {
    why = "the input is not a head merge of a rotq.attention";
    return failure();
  }
  auto c = valueChainOf(att, why);
  if (succeeded(c) && c->oproj != oproj) {
    why = "the attention output feeds another linear";
    return failure();
  }
  return c;
}

LinearOp mlir::rotq::model::linearFactorOf(Value v) {
  auto g = v.getDefiningOp<linalg::GenericOp>();
  if (!g || g.getNumReductionLoops() != 0 || g.getNumDpsInits() != 1 ||
      g.getNumResults() != 1 || !g.getMatchingIndexingMap(g.getDpsInitOperand(0)).isIdentity())
    return nullptr;
  Block &body = g.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto mul = yield.getValues()[0].getDefiningOp<arith::MulFOp>();
  if (!mul)
    return nullptr;
  // Whether `x` is computed from block argument `arg` inside the body.
  std::function<bool(Value, BlockArgument)> dependsOn =
      [&](Value x, BlockArgument arg) -> bool {
    if (x == arg)
      return true;
    Operation *def = x.getDefiningOp();
    if (!def || def->getBlock() != &body)
      return false;
    return llvm::any_of(def->getOperands(),
                        [&](Value o) { return dependsOn(o, arg); });
  };
  for (auto [factor, other] : {std::pair(mul.getLhs(), mul.getRhs()),
                               std::pair(mul.getRhs(), mul.getLhs())}) {
    auto arg = dyn_cast<BlockArgument>(factor);
    if (!arg || arg.getOwner() != &body ||
        arg.getArgNumber() >= unsigned(g.getNumDpsInputs()) ||
        dependsOn(other, arg))
      continue;
    OpOperand *in = g.getDpsInputOperand(arg.getArgNumber());
    auto lin = in->get().getDefiningOp<LinearOp>();
    // The factor must be read element for element, by this generic only.
    if (!lin || !g.getMatchingIndexingMap(in).isIdentity() ||
        !lin.getResult().hasOneUse() ||
        llvm::count(g.getInputs(), in->get()) != 1)
      continue;
    return lin;
  }
  return nullptr;
}

std::string mlir::rotq::model::hadamardNote(int64_t n) {
  ::rotq::hadamard::Factorization f = ::rotq::hadamard::factorize(n);
  std::string s = f.str();
  if (!f.isHadamard())
    s += " (no Hadamard matrix of this order: the library's orthogonal "
         "DCT-II fallback factor is used)";
  return s;
}

Value mlir::rotq::model::hadamardOf(OpBuilder &b, Location loc, Value x,
                                    ArrayRef<int8_t> signs, int64_t block,
                                    bool transpose) {
  return HadamardOp::create(
      b, loc, x, signs.empty() ? DenseI8ArrayAttr() : b.getDenseI8ArrayAttr(signs),
      block > 0 ? b.getI64IntegerAttr(block) : IntegerAttr(),
      transpose ? b.getUnitAttr() : UnitAttr());
}

namespace {
/// linalg.transpose of a static-shaped tensor.
Value transposeOf(OpBuilder &b, Location loc, Value x,
                  ArrayRef<int64_t> perm) {
  auto t = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(t.getDimSize(p));
  Value init = tensor::EmptyOp::create(b, loc, shape, t.getElementType());
  return linalg::TransposeOp::create(b, loc, x, init, perm)->getResult(0);
}
} // namespace

Value mlir::rotq::model::alongFirstDim(
    OpBuilder &b, Location loc, Value w,
    function_ref<Value(OpBuilder &, Location, Value)> f) {
  Value t = transposeOf(b, loc, w, {1, 0});
  return transposeOf(b, loc, f(b, loc, t), {1, 0});
}

Value mlir::rotq::model::alongOuterFactor(
    OpBuilder &b, Location loc, Value x, int64_t outer, int64_t inner,
    function_ref<Value(OpBuilder &, Location, Value)> f) {
  auto t = cast<RankedTensorType>(x.getType());
  int64_t rank = t.getRank();
  SmallVector<int64_t> split(t.getShape().drop_back());
  split.append({outer, inner});
  SmallVector<ReassociationIndices> reassoc;
  for (int64_t i = 0; i + 1 < rank; ++i)
    reassoc.push_back({i});
  reassoc.push_back({rank - 1, rank});
  Value v = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(split, t.getElementType()), x, reassoc);
  SmallVector<int64_t> perm = llvm::to_vector(llvm::seq<int64_t>(0, rank + 1));
  std::swap(perm[rank - 1], perm[rank]);
  v = transposeOf(b, loc, f(b, loc, transposeOf(b, loc, v, perm)), perm);
  return tensor::CollapseShapeOp::create(b, loc, t, v, reassoc);
}

Value mlir::rotq::model::f64Matrix(OpBuilder &b, Location loc,
                                   ArrayRef<double> m, int64_t n,
                                   StringRef name) {
  auto mt = RankedTensorType::get({n, n}, b.getF64Type());
  return arith::ConstantOp::create(
      b, loc, mt,
      DenseResourceElementsAttr::get(
          mt, name, HeapAsmResourceBlob::allocateAndCopyInferAlign(m)));
}

Value mlir::rotq::model::inFloat64(
    OpBuilder &b, Location loc, Value x,
    function_ref<Value(OpBuilder &, Location, Value)> f) {
  auto t = cast<RankedTensorType>(x.getType());
  if (t.getElementType().isF64())
    return f(b, loc, x);
  Value wide = arith::ExtFOp::create(b, loc, t.clone(b.getF64Type()), x);
  return arith::TruncFOp::create(b, loc, t, f(b, loc, wide));
}

Value mlir::rotq::model::rotateDense(OpBuilder &b, Location loc, Value x,
                                     Value matrix) {
  return inFloat64(b, loc, x, [&](OpBuilder &nb, Location l, Value wide) {
    return RotateOp::create(nb, l, wide.getType(), wide, matrix, UnitAttr())
        .getResult();
  });
}
