//===- RotqOps.cpp - rotq operations: verifiers and folders ---------------===//
#include "rotq/Dialect/Rotq/IR/RotqOps.h"
#include "VerifierUtils.h"
#include "rotq/Support/Hadamard.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cmath>

using namespace mlir;
using namespace mlir::rotq;
using mlir::rotq::detail::dimStr;

#define GET_OP_CLASSES
#include "rotq/Dialect/Rotq/IR/RotqOps.cpp.inc"

namespace {

/// Checks that the last dimension of `type` is static and at least 1.
LogicalResult verifyStaticLastDim(Operation *op, RankedTensorType type,
                                  StringRef what) {
  if (type.getRank() == 0)
    return op->emitOpError() << what << " must have rank >= 1";
  int64_t n = type.getShape().back();
  if (ShapedType::isDynamic(n))
    return op->emitOpError() << what << " must have a static last dimension";
  if (n < 1)
    return op->emitOpError() << what << " must have a non-empty last dimension";
  return success();
}

/// The dialect's scale-shape rule: same rank as the data; along a leading
/// dimension 1 or the data's size; along the last dimension a group count
/// that divides the data's size.
LogicalResult verifyScaleShape(Operation *op, StringRef what,
                               ArrayRef<int64_t> data,
                               ArrayRef<int64_t> scale) {
  if (data.size() != scale.size())
    return op->emitOpError() << what << " must have rank " << data.size()
                             << " like the data, found rank " << scale.size();
  for (size_t i = 0; i + 1 < data.size(); ++i) {
    if (scale[i] == 1 || ShapedType::isDynamic(scale[i]) ||
        ShapedType::isDynamic(data[i]) || scale[i] == data[i])
      continue;
    return op->emitOpError() << what << " dimension " << i << " must be 1 or "
                             << dimStr(data[i]) << ", found " << scale[i];
  }
  int64_t k = data.back(), g = scale.back();
  if (k == 0)
    return op->emitOpError() << "the quantized dimension must not be empty";
  if (!ShapedType::isDynamic(g) && g < 1)
    return op->emitOpError() << what << " must have at least one group";
  if (!ShapedType::isDynamic(k) && !ShapedType::isDynamic(g) && k % g != 0)
    return op->emitOpError() << what << " has " << g
                             << " groups along the last dimension, which do "
                                "not divide its size "
                             << k;
  return success();
}

/// The scale shape a granularity implies for data of shape `data`.
SmallVector<int64_t> expectedScaleShape(ArrayRef<int64_t> data,
                                        Granularity g, int64_t groupSize) {
  SmallVector<int64_t> s(data.size(), 1);
  int64_t r = data.size();
  switch (g) {
  case Granularity::Tensor:
    break;
  case Granularity::Row:
    for (int64_t i = 0; i + 1 < r; ++i)
      s[i] = data[i];
    break;
  case Granularity::Column:
    s[r - 1] = data[r - 1];
    break;
  case Granularity::Group:
    for (int64_t i = 0; i + 1 < r; ++i)
      s[i] = data[i];
    s[r - 1] = data[r - 1] / groupSize;
    break;
  }
  return s;
}

std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "x" : "") + dimStr(shape[i]);
  return s;
}

/// Like shapesCompatible, but every size that `expected` fixes must be
/// given statically: lowerings rely on the sizes a granularity implies.
bool scaleShapeMatches(ArrayRef<int64_t> shape, ArrayRef<int64_t> expected) {
  if (shape.size() != expected.size())
    return false;
  for (size_t i = 0; i < shape.size(); ++i)
    if (!ShapedType::isDynamic(expected[i]) && shape[i] != expected[i])
      return false;
  return true;
}

bool shapesCompatible(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!ShapedType::isDynamic(a[i]) && !ShapedType::isDynamic(b[i]) &&
        a[i] != b[i])
      return false;
  return true;
}

/// Signs that are all +1 mean the same as no signs.
std::optional<ArrayRef<int8_t>> effectiveSigns(HadamardOp op) {
  auto s = op.getSigns();
  if (!s || llvm::all_of(*s, [](int8_t v) { return v == 1; }))
    return std::nullopt;
  return s;
}

} // namespace

//===----------------------------------------------------------------------===//
// HadamardOp
//===----------------------------------------------------------------------===//

LogicalResult HadamardOp::verify() {
  if (failed(verifyStaticLastDim(*this, getInput().getType(), "input")))
    return failure();
  int64_t n = getSize();
  if (n > ::rotq::hadamard::kMaxOrder)
    return emitOpError() << "last dimension " << n
                         << " exceeds the largest supported order "
                         << ::rotq::hadamard::kMaxOrder;
  if (auto b = getBlockSize()) {
    int64_t bs = static_cast<int64_t>(*b);
    if (bs < 1)
      return emitOpError() << "block_size must be positive, found " << bs;
    if (n % bs != 0)
      return emitOpError() << "block_size " << bs
                           << " does not divide the last dimension " << n;
  }
  std::string why =
      ::rotq::hadamard::unsupportedReason(getEffectiveBlockSize());
  if (!why.empty())
    return emitOpError() << why;
  if (auto signs = getSigns()) {
    if (static_cast<int64_t>(signs->size()) != n)
      return emitOpError() << "signs has " << signs->size()
                           << " entries but the last dimension is " << n;
    for (auto [i, s] : llvm::enumerate(*signs))
      if (s != 1 && s != -1)
        return emitOpError() << "signs must be +1 or -1, found " << int(s)
                             << " at index " << i;
  }
  return success();
}

OpFoldResult HadamardOp::fold(FoldAdaptor) {
  int64_t b = getEffectiveBlockSize();
  auto signs = effectiveSigns(*this);
  // An order-1 transform without signs is the identity.
  if (b == 1 && !signs)
    return getInput();
  auto prev = getInput().getDefiningOp<HadamardOp>();
  if (!prev || prev.getEffectiveBlockSize() != b ||
      effectiveSigns(prev) != signs)
    return {};
  // M followed by M^T (either order) is the identity; M followed by M only
  // when M is symmetric, i.e. no signs and a symmetric H_b.
  if (prev.getTranspose() != getTranspose() ||
      (!signs && ::rotq::hadamard::isSymmetric(b)))
    return prev.getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// RotateOp
//===----------------------------------------------------------------------===//

LogicalResult RotateOp::verify() {
  auto in = getInput().getType();
  auto mat = getMatrix().getType();
  if (failed(verifyStaticLastDim(*this, in, "input")))
    return failure();
  if (in.getElementType() != mat.getElementType())
    return emitOpError() << "matrix element type " << mat.getElementType()
                         << " must match the input element type "
                         << in.getElementType();
  if (!mat.hasStaticShape())
    return emitOpError() << "matrix must have a static shape";
  int64_t n = in.getShape().back();
  ArrayRef<int64_t> m = mat.getShape();
  if (mat.getRank() == 2) {
    if (m[0] != m[1])
      return emitOpError() << "matrix must be square, found " << shapeStr(m);
    if (m[0] < 1 || n % m[0] != 0)
      return emitOpError() << "matrix size " << m[0]
                           << " does not divide the last dimension " << n;
    return success();
  }
  if (mat.getRank() == 3) {
    if (m[1] != m[2])
      return emitOpError() << "per-block matrices must be square, found "
                           << shapeStr(m);
    if (m[1] < 1 || m[0] * m[1] != n)
      return emitOpError() << "per-block matrix " << shapeStr(m)
                           << " must have shape [n/b, b, b] for last "
                              "dimension n = "
                           << n;
    return success();
  }
  return emitOpError() << "matrix must have rank 2 ([n,n] or [b,b]) or 3 "
                          "([n/b,b,b]), found rank "
                       << mat.getRank();
}

/// The float64 values of a constant matrix: an arith.constant (dense or
/// an f32/f64 dense_resource blob), or the arith.truncf of one.
static std::optional<std::vector<double>> constantMatrix(Value m) {
  if (auto t = m.getDefiningOp<arith::TruncFOp>())
    m = t.getIn();
  Attribute a;
  if (!matchPattern(m, m_Constant(&a)))
    return std::nullopt;
  if (auto dense = dyn_cast<DenseFPElementsAttr>(a)) {
    std::vector<double> out;
    out.reserve(dense.getNumElements());
    for (APFloat v : dense.getValues<APFloat>()) {
      bool losesInfo;
      v.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &losesInfo);
      out.push_back(v.convertToDouble());
    }
    return out;
  }
  if (auto r = dyn_cast<DenseF64ResourceElementsAttr>(a))
    if (auto d = r.tryGetAsArrayRef())
      return std::vector<double>(d->begin(), d->end());
  if (auto r = dyn_cast<DenseF32ResourceElementsAttr>(a))
    if (auto d = r.tryGetAsArrayRef())
      return std::vector<double>(d->begin(), d->end());
  return std::nullopt;
}

/// The constant blocks of a rotation (transposed if the op says so), as
/// float64 [numBlocks][b*b]; empty if the matrix is not a constant.
static SmallVector<SmallVector<double>> constantBlocks(RotateOp op) {
  std::optional<std::vector<double>> values = constantMatrix(op.getMatrix());
  if (!values)
    return {};
  int64_t b = op.getBlockSize();
  int64_t total = int64_t(values->size());
  SmallVector<SmallVector<double>> blocks(total / (b * b),
                                          SmallVector<double>(b * b));
  for (int64_t idx = 0; idx < total; ++idx) {
    int64_t blk = idx / (b * b), rc = idx % (b * b);
    int64_t r = rc / b, c = rc % b;
    blocks[blk][op.getTranspose() ? c * b + r : r * b + c] = (*values)[idx];
  }
  return blocks;
}

namespace {
/// rotate(rotate(x, A), B) -> rotate(x, A B) for constant matrices of one
/// shape: the same per-block product, one pass over the data instead of
/// two. The product is computed in float64 and rounded once to the matrix
/// type.
struct ComposeRotations : OpRewritePattern<RotateOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(RotateOp op,
                                PatternRewriter &rw) const override {
    auto prev = op.getInput().getDefiningOp<RotateOp>();
    if (!prev || !prev->hasOneUse() ||
        prev.getMatrix().getType() != op.getMatrix().getType())
      return failure();
    // Bounded work: blocks of up to 1024 (b^3 per block, once).
    int64_t b = op.getBlockSize();
    if (b > 1024)
      return failure();
    auto a = constantBlocks(prev), c = constantBlocks(op);
    if (a.empty() || c.empty())
      return failure();
    std::vector<double> prod;
    prod.reserve(a.size() * b * b);
    for (size_t blk = 0; blk < a.size(); ++blk)
      for (int64_t i = 0; i < b; ++i)
        for (int64_t j = 0; j < b; ++j) {
          double s = 0;
          for (int64_t k = 0; k < b; ++k)
            s += a[blk][i * b + k] * c[blk][k * b + j];
          prod.push_back(s);
        }
    auto mt = op.getMatrix().getType();
    auto f64 = RankedTensorType::get(mt.getShape(), rw.getF64Type());
    Location loc = op.getLoc();
    Value m = arith::ConstantOp::create(
        rw, loc, f64,
        DenseResourceElementsAttr::get(
            f64, "composed_rotation",
            HeapAsmResourceBlob::allocateAndCopyInferAlign(
                ArrayRef<double>(prod))));
    if (!mt.getElementType().isF64())
      m = arith::TruncFOp::create(rw, loc, mt, m);
    rw.replaceOpWithNewOp<RotateOp>(op, op.getType(), prev.getInput(), m,
                                    UnitAttr());
    return success();
  }
};
} // namespace

void RotateOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                           MLIRContext *ctx) {
  results.add<ComposeRotations>(ctx);
}

OpFoldResult RotateOp::fold(FoldAdaptor) {
  auto prev = getInput().getDefiningOp<RotateOp>();
  if (!prev || prev.getMatrix().getType() != getMatrix().getType())
    return {};
  // Same rotation, applied and then undone: R R^T = I by the op's contract.
  if (prev.getMatrix() == getMatrix() &&
      prev.getTranspose() != getTranspose())
    return prev.getInput();
  // Constants: the second is exactly the transpose of the first, and the
  // first is orthogonal to float rounding.
  auto a = constantBlocks(prev), c = constantBlocks(*this);
  if (a.empty() || c.empty())
    return {};
  int64_t b = getBlockSize();
  double tol = 1e-5 * std::sqrt(double(b));
  for (size_t blk = 0; blk < a.size(); ++blk) {
    for (int64_t r = 0; r < b; ++r)
      for (int64_t k = 0; k < b; ++k)
        if (c[blk][r * b + k] != a[blk][k * b + r])
          return {};
    for (int64_t i = 0; i < b; ++i)
      for (int64_t j = 0; j < b; ++j) {
        double dot = 0;
        for (int64_t k = 0; k < b; ++k)
          dot += a[blk][i * b + k] * a[blk][j * b + k];
        if (std::abs(dot - (i == j ? 1.0 : 0.0)) > tol)
          return {};
      }
  }
  return prev.getInput();
}

//===----------------------------------------------------------------------===//
// PermuteOp
//===----------------------------------------------------------------------===//

LogicalResult PermuteOp::verify() {
  if (failed(verifyStaticLastDim(*this, getInput().getType(), "input")))
    return failure();
  int64_t n = getInput().getType().getShape().back();
  ArrayRef<int64_t> p = getPermutation();
  if (static_cast<int64_t>(p.size()) != n)
    return emitOpError() << "permutation has " << p.size()
                         << " entries but the last dimension is " << n;
  SmallVector<bool> seen(n, false);
  for (auto [i, v] : llvm::enumerate(p)) {
    if (v < 0 || v >= n)
      return emitOpError() << "permutation entry " << v << " at index " << i
                           << " is out of range [0, " << n << ")";
    if (seen[v])
      return emitOpError() << "permutation repeats index " << v;
    seen[v] = true;
  }
  return success();
}

OpFoldResult PermuteOp::fold(FoldAdaptor) {
  ArrayRef<int64_t> p = getPermutation();
  bool identity = true;
  for (auto [i, v] : llvm::enumerate(p))
    identity &= static_cast<int64_t>(i) == v;
  if (identity)
    return getInput();
  // y[i] = z[p2[i]], z[j] = x[p1[j]]  =>  y[i] = x[p1[p2[i]]].
  if (auto prev = getInput().getDefiningOp<PermuteOp>()) {
    ArrayRef<int64_t> p1 = prev.getPermutation();
    SmallVector<int64_t> composed;
    for (int64_t v : p)
      composed.push_back(p1[v]);
    getInputMutable().assign(prev.getInput());
    setPermutation(composed);
    return getResult();
  }
  return {};
}

//===----------------------------------------------------------------------===//
// QuantizeOp
//===----------------------------------------------------------------------===//

static LogicalResult verifyBits(Operation *op, int64_t bits) {
  if (bits < 2 || bits > 8)
    return op->emitOpError() << "bits must be in [2, 8], found " << bits;
  return success();
}

LogicalResult QuantizeOp::verify() {
  auto in = getInput().getType();
  if (failed(verifyBits(*this, getBits())))
    return failure();
  if (in.getRank() == 0)
    return emitOpError() << "input must have rank >= 1";
  if (getCodes().getType().getShape() != in.getShape())
    return emitOpError() << "codes shape " << shapeStr(getCodes().getType().getShape())
                         << " must match the input shape " << shapeStr(in.getShape());
  double clip = getClipRatio().convertToDouble();
  if (!(clip > 0.0 && clip <= 1.0))
    return emitOpError() << "clip_ratio must be in (0, 1], found " << clip;
  if (FloatAttr search = getClipSearchAttr()) {
    double r = search.getValueAsDouble();
    if (!(r > 0.0 && r <= 1.0))
      return emitOpError() << "clip_search must be in (0, 1], found " << r;
    if (!isDynamic())
      return emitOpError() << "clip_search needs the dynamic form (no scale "
                              "operand)";
  }
  if (getMetricRounding() && !getClipMetricAttr())
    return emitOpError() << "metric_rounding needs clip_metric";
  if (ElementsAttr metric = getClipMetricAttr()) {
    auto t = cast<ShapedType>(metric.getType());
    if (!getClipSearchAttr())
      return emitOpError() << "clip_metric needs clip_search";
    if (in.getRank() != 2)
      return emitOpError() << "clip_metric needs a 2-D input (a weight)";
    if (!t.getElementType().isF64() || t.getRank() != 2 ||
        t.getDimSize(0) < 1 || t.getDimSize(1) != in.getDimSize(1))
      return emitOpError() << "clip_metric must be f64 [1 + r, "
                           << in.getDimSize(1) << "], found " << t;
  }

  Granularity g = getGranularity();
  int64_t k = in.getShape().back();
  if (k == 0)
    return emitOpError() << "the quantized dimension must not be empty";
  int64_t groupSize = 1;
  if (g == Granularity::Group) {
    if (!getGroupSize())
      return emitOpError() << "granularity 'group' requires group_size";
    groupSize = static_cast<int64_t>(*getGroupSize());
    if (groupSize < 1)
      return emitOpError() << "group_size must be positive, found "
                           << groupSize;
    if (ShapedType::isDynamic(k))
      return emitOpError() << "granularity 'group' requires a static last "
                              "dimension";
    if (k % groupSize != 0)
      return emitOpError() << "group_size " << groupSize
                           << " does not divide the last dimension " << k;
  } else if (getGroupSize()) {
    return emitOpError() << "group_size is only valid with granularity "
                            "'group'";
  }
  if (g == Granularity::Column && ShapedType::isDynamic(k))
    return emitOpError() << "granularity 'column' requires a static last "
                            "dimension";
  SmallVector<int64_t> expected =
      expectedScaleShape(in.getShape(), g, groupSize);

  auto checkShape = [&](Value v, StringRef what) -> LogicalResult {
    auto shape = cast<RankedTensorType>(v.getType()).getShape();
    if (!scaleShapeMatches(shape, expected))
      return emitOpError() << what << " shape " << shapeStr(shape)
                           << " does not match the shape "
                           << shapeStr(expected) << " implied by granularity '"
                           << stringifyGranularity(g) << "'";
    return success();
  };

  if (isDynamic()) {
    if (getZeroPoint())
      return emitOpError() << "a zero_point operand requires a scale operand";
    if (!getOutScale())
      return emitOpError() << "dynamic quantization must return the scale";
    if (getAsymmetric() != bool(getOutZeroPoint()))
      return emitOpError() << (getAsymmetric()
                                   ? "asymmetric dynamic quantization must "
                                     "return the zero point"
                                   : "symmetric quantization has no zero "
                                     "point result");
    if (failed(checkShape(getOutScale(), "scale result")))
      return failure();
    if (getOutZeroPoint() && failed(checkShape(getOutZeroPoint(),
                                               "zero point result")))
      return failure();
    return success();
  }
  if (getOutScale() || getOutZeroPoint())
    return emitOpError() << "static quantization (scale operand) returns only "
                            "the codes";
  if (getAsymmetric() != bool(getZeroPoint()))
    return emitOpError() << (getAsymmetric()
                                 ? "asymmetric static quantization requires "
                                   "a zero_point operand"
                                 : "a zero_point operand requires "
                                   "'asymmetric'");
  if (failed(checkShape(getScale(), "scale")))
    return failure();
  if (getZeroPoint() && failed(checkShape(getZeroPoint(), "zero_point")))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// DequantizeOp
//===----------------------------------------------------------------------===//

LogicalResult DequantizeOp::verify() {
  auto codes = getCodes().getType();
  if (codes.getRank() == 0)
    return emitOpError() << "codes must have rank >= 1";
  if (getResult().getType().getShape() != codes.getShape())
    return emitOpError() << "result shape "
                         << shapeStr(getResult().getType().getShape())
                         << " must match the codes shape "
                         << shapeStr(codes.getShape());
  if (failed(verifyScaleShape(*this, "scale", codes.getShape(),
                              getScale().getType().getShape())))
    return failure();
  if (getZeroPoint() &&
      getZeroPoint().getType().getShape() != getScale().getType().getShape())
    return emitOpError() << "zero_point shape "
                         << shapeStr(getZeroPoint().getType().getShape())
                         << " must match the scale shape "
                         << shapeStr(getScale().getType().getShape());
  return success();
}

//===----------------------------------------------------------------------===//
// QMatmulOp
//===----------------------------------------------------------------------===//

LogicalResult QMatmulOp::verify() {
  auto lhs = getLhs().getType(), rhs = getRhs().getType();
  if (lhs.getRank() != 2 || rhs.getRank() != 2)
    return emitOpError() << "lhs [M,K] and rhs [N,K] must have rank 2";
  int64_t m = lhs.getDimSize(0), k = lhs.getDimSize(1);
  int64_t n = rhs.getDimSize(0), kr = rhs.getDimSize(1);
  if (!ShapedType::isDynamic(k) && !ShapedType::isDynamic(kr) && k != kr)
    return emitOpError() << "contraction sizes differ: lhs has K = " << k
                         << ", rhs has K = " << kr;
  if (k == 0 || kr == 0)
    return emitOpError() << "the contraction size K must not be 0";
  SmallVector<int64_t> expectedResult = {m, n};
  if (!shapesCompatible(getResult().getType().getShape(), expectedResult))
    return emitOpError() << "result shape "
                         << shapeStr(getResult().getType().getShape())
                         << " must be [M, N] = " << shapeStr(expectedResult);
  if (failed(verifyScaleShape(*this, "lhs_scale", lhs.getShape(),
                              getLhsScale().getType().getShape())) ||
      failed(verifyScaleShape(*this, "rhs_scale", rhs.getShape(),
                              getRhsScale().getType().getShape())))
    return failure();
  int64_t gl = getLhsScale().getType().getShape().back();
  int64_t gr = getRhsScale().getType().getShape().back();
  if (ShapedType::isDynamic(gl) || ShapedType::isDynamic(gr))
    return emitOpError() << "scale group counts must be static";
  if (gl != gr && gl != 1 && gr != 1)
    return emitOpError() << "lhs has " << gl << " scale groups along K and rhs "
                         << gr << "; they must be equal or one of them 1";
  if (getLhsZeroPoint() && getLhsZeroPoint().getType().getShape() !=
                               getLhsScale().getType().getShape())
    return emitOpError() << "lhs_zero_point shape must match lhs_scale";
  if (getRhsZeroPoint() && getRhsZeroPoint().getType().getShape() !=
                               getRhsScale().getType().getShape())
    return emitOpError() << "rhs_zero_point shape must match rhs_scale";
  if (getBias()) {
    auto bias = getBias().getType();
    if (bias.getRank() != 1 || !shapesCompatible(bias.getShape(), {n}))
      return emitOpError() << "bias must have shape [N] = [" << dimStr(n)
                           << "], found " << shapeStr(bias.getShape());
  }
  return success();
}

//===----------------------------------------------------------------------===//
// PackOp / UnpackOp
//===----------------------------------------------------------------------===//

static LogicalResult verifyPacking(Operation *op, int64_t bits,
                                   RankedTensorType unpacked,
                                   RankedTensorType packed) {
  if (bits != 2 && bits != 4)
    return op->emitOpError() << "bits must be 2 or 4, found " << bits;
  if (unpacked.getRank() == 0 || unpacked.getRank() != packed.getRank())
    return op->emitOpError() << "packed and unpacked tensors must have the "
                                "same rank >= 1";
  int64_t per = 8 / bits;
  ArrayRef<int64_t> u = unpacked.getShape(), p = packed.getShape();
  if (!shapesCompatible(u.drop_back(), p.drop_back()))
    return op->emitOpError() << "leading dimensions differ: " << shapeStr(u)
                             << " vs " << shapeStr(p);
  if (ShapedType::isDynamic(u.back()) || ShapedType::isDynamic(p.back()))
    return op->emitOpError() << "the packed dimension must be static";
  if (u.back() % per != 0)
    return op->emitOpError() << "last dimension " << u.back()
                             << " is not a multiple of " << per
                             << " codes per byte";
  if (p.back() * per != u.back())
    return op->emitOpError() << "packing " << u.back() << " " << bits
                             << "-bit codes gives " << u.back() / per
                             << " bytes, found " << p.back();
  return success();
}

LogicalResult PackOp::verify() {
  return verifyPacking(*this, getBits(), getCodes().getType(),
                       getPacked().getType());
}

LogicalResult UnpackOp::verify() {
  return verifyPacking(*this, getBits(), getCodes().getType(),
                       getPacked().getType());
}

OpFoldResult UnpackOp::fold(FoldAdaptor) {
  // Codes are in range by the contract of rotq.pack, so the round trip is
  // exact.
  if (auto pack = getPacked().getDefiningOp<PackOp>())
    if (pack.getBits() == getBits() &&
        pack.getCodes().getType() == getCodes().getType())
      return pack.getCodes();
  return {};
}

std::optional<std::vector<double>> QuantizeOp::readClipMetric() {
  return readF64Elements(getClipMetricAttr());
}

std::optional<std::vector<double>> mlir::rotq::readF64Elements(Attribute attr) {
  if (auto dense = dyn_cast_or_null<DenseFPElementsAttr>(attr);
      dense && dense.getElementType().isF64()) {
    auto v = dense.getValues<double>();
    return std::vector<double>(v.begin(), v.end());
  }
  if (auto r = dyn_cast_or_null<DenseF64ResourceElementsAttr>(attr))
    if (std::optional<ArrayRef<double>> data = r.tryGetAsArrayRef())
      return std::vector<double>(data->begin(), data->end());
  return std::nullopt;
}
