//===- WeightEval.cpp - float64 evaluation of weight chains ---------------===//
#include "WeightEval.h"

#include "rotq/Dialect/Rotq/IR/RotqOps.h"
#include "rotq/Support/FileError.h"
#include "rotq/Support/FloatBits.h"
#include "rotq/Support/Hadamard.h"
#include "rotq/Support/Quantizer.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/Support/Parallel.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"


#include <cmath>
#include <cstring>

using namespace mlir;
using namespace ::rotq::materialize;
namespace quant = ::rotq::quant;
namespace safetensors = ::rotq::safetensors;

namespace {
llvm::Error opError(Operation *op, const llvm::Twine &msg) {
  std::string where;
  llvm::raw_string_ostream os(where);
  op->getLoc().print(os);
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "%s: %s: %s", where.c_str(),
                                 op->getName().getStringRef().str().c_str(),
                                 msg.str().c_str());
}

std::vector<int64_t> shapeOf(Value v) {
  auto t = cast<RankedTensorType>(v.getType());
  return std::vector<int64_t>(t.getShape().begin(), t.getShape().end());
}

int64_t product(llvm::ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

/// Runs body(begin, end) over [0, n) in chunks on the available threads.
void parallelRows(int64_t n, llvm::function_ref<void(int64_t, int64_t)> body) {
  int64_t chunks = std::min<int64_t>(n, 64);
  if (chunks <= 1) {
    if (n > 0)
      body(0, n);
    return;
  }
  llvm::parallelFor(0, size_t(chunks), [&](size_t c) {
    int64_t b = n * int64_t(c) / chunks, e = n * int64_t(c + 1) / chunks;
    if (b < e)
      body(b, e);
  });
}

/// The elements of a constant attribute, widened to double.
llvm::Expected<std::vector<double>> constantData(arith::ConstantOp op) {
  Attribute attr = op.getValue();
  auto type = cast<RankedTensorType>(op.getType());
  Type et = type.getElementType();
  int64_t n = type.getNumElements();
  std::vector<double> out;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    out.reserve(n);
    if (isa<FloatType>(et)) {
      for (APFloat f : dense.getValues<APFloat>()) {
        bool lost;
        f.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
        out.push_back(f.convertToDouble());
      }
    } else if (et.isSignlessInteger() || et.isSignedInteger()) {
      for (const APInt &i : dense.getValues<APInt>())
        out.push_back(double(i.getSExtValue()));
    } else {
      return opError(op, "unsupported element type");
    }
    return out;
  }
  if (auto res = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = res.getRawHandle().getBlob();
    if (!blob)
      return opError(op, "the resource blob '" + res.getRawHandle().getKey() +
                             "' has no data");
    ArrayRef<char> bytes = blob->getData();
    unsigned bits = et.getIntOrFloatBitWidth();
    if (bytes.size() != size_t(n) * (bits / 8))
      return opError(op, "the resource blob '" + res.getRawHandle().getKey() +
                             "' does not hold the type's " +
                             llvm::Twine(n) + " elements");
    out.resize(n);
    const char *p = bytes.data();
    for (int64_t i = 0; i < n; ++i) {
      if (et.isF32()) {
        float f;
        std::memcpy(&f, p + 4 * i, 4);
        out[i] = f;
      } else if (et.isF64()) {
        std::memcpy(&out[i], p + 8 * i, 8);
      } else if (et.isF16() || et.isBF16()) {
        uint16_t h;
        std::memcpy(&h, p + 2 * i, 2);
        out[i] = et.isF16() ? ::rotq::halfToFloat(h) : ::rotq::bf16ToFloat(h);
      } else if (et.isInteger(8)) {
        out[i] = double(int8_t(p[i]));
      } else if (et.isInteger(32)) {
        int32_t v;
        std::memcpy(&v, p + 4 * i, 4);
        out[i] = v;
      } else if (et.isInteger(64)) {
        int64_t v;
        std::memcpy(&v, p + 8 * i, 8);
        out[i] = double(v);
      } else {
        return opError(op, "unsupported element type");
      }
    }
    return out;
  }
  return opError(op, "unsupported constant attribute");
}

/// Transposes `in` (shape `shape`) by `perm`: out dim i is in dim perm[i].
std::vector<double> transposeData(const std::vector<double> &in,
                                  llvm::ArrayRef<int64_t> shape,
                                  llvm::ArrayRef<int64_t> perm) {
  int64_t rank = shape.size();
  std::vector<int64_t> inStrides(rank, 1), outShape(rank);
  for (int64_t i = rank - 2; i >= 0; --i)
    inStrides[i] = inStrides[i + 1] * shape[i + 1];
  for (int64_t i = 0; i < rank; ++i)
    outShape[i] = shape[perm[i]];
  std::vector<double> out(in.size());
  if (rank == 2 && perm[0] == 1 && perm[1] == 0) {
    // A weight's output side: 64 x 64 tiles, so that both the reads and the
    // writes stay in cache (a column walk misses on every element).
    constexpr int64_t tile = 64;
    int64_t rowsIn = shape[0], colsIn = shape[1];
    parallelRows((colsIn + tile - 1) / tile, [&](int64_t b, int64_t e) {
      for (int64_t c0 = b * tile; c0 < std::min(colsIn, e * tile); c0 += tile)
        for (int64_t r0 = 0; r0 < rowsIn; r0 += tile)
          for (int64_t c = c0; c < std::min(colsIn, c0 + tile); ++c)
            for (int64_t r = r0; r < std::min(rowsIn, r0 + tile); ++r)
              out[c * rowsIn + r] = in[r * colsIn + c];
    });
    return out;
  }
  int64_t inner = rank ? outShape[rank - 1] : 1;
  int64_t outer = inner ? int64_t(in.size()) / inner : 0;
  int64_t innerStride = rank ? inStrides[perm[rank - 1]] : 1;
  parallelRows(outer, [&](int64_t b, int64_t e) {
    std::vector<int64_t> idx(rank, 0);
    for (int64_t r = b; r < e; ++r) {
      // Decompose the outer index over outShape[0 .. rank-2].
      int64_t rem = r, base = 0;
      for (int64_t d = rank - 2; d >= 0; --d) {
        int64_t i = rem % outShape[d];
        rem /= outShape[d];
        base += i * inStrides[perm[d]];
      }
      double *o = &out[r * inner];
      for (int64_t j = 0; j < inner; ++j)
        o[j] = in[base + j * innerStride];
    }
  });
  return out;
}
} // namespace

auto ::rotq::materialize::roundTo(Type type, double v) -> double {
  if (type.isF64() || std::isnan(v))
    return v;
  if (type.isF32())
    return double(float(v));
  if (type.isBF16())
    return ::rotq::bf16ToFloat(::rotq::floatToBF16(float(v)));
  if (type.isF16())
    return ::rotq::halfToFloat(::rotq::floatToHalf(float(v)));
  return v; // integers are computed exactly
}

std::string ParamFiles::resolve(llvm::StringRef file) const {
  if (llvm::sys::path::is_absolute(file) || baseDir.empty())
    return file.str();
  llvm::SmallString<256> p(baseDir);
  llvm::sys::path::append(p, file);
  return std::string(p);
}

std::vector<std::string> ParamFiles::openedFiles() const {
  std::vector<std::string> out;
  for (const auto &kv : files)
    out.push_back(kv.first().str());
  return out;
}

llvm::Expected<const safetensors::TensorInfo *>
ParamFiles::find(Operation *op) {
  auto param = cast<mlir::rotq::ParamOp>(op);
  std::string path = resolve(param.getFile());
  auto it = files.find(path);
  if (it == files.end()) {
    // A parameter names one file, not a directory of shards.
    if (llvm::sys::fs::is_directory(path))
      return opError(op, "'" + path + "' is a directory, not a .safetensors "
                                      "file");
    llvm::Expected<safetensors::Checkpoint> ckpt =
        safetensors::Checkpoint::open(path);
    if (!ckpt)
      return opError(op, llvm::toString(ckpt.takeError()));
    it = files
             .try_emplace(path, std::make_unique<safetensors::Checkpoint>(
                                    std::move(*ckpt)))
             .first;
  }
  const safetensors::TensorInfo *t = it->second->find(param.getName());
  if (!t)
    return opError(op, path + " has no tensor '" + param.getName() + "'");
  auto type = param.getResult().getType();
  Type et = type.getElementType();
  safetensors::DType want =
      et.isF32()    ? safetensors::DType::F32
      : et.isF16()  ? safetensors::DType::F16
      : et.isBF16() ? safetensors::DType::BF16
      : et.isF64()  ? safetensors::DType::F64
                    : safetensors::DType::I8;
  if (t->dtype != want || llvm::ArrayRef<int64_t>(t->shape) != type.getShape()) {
    std::string have;
    llvm::raw_string_ostream os(have);
    llvm::interleave(t->shape, os, "x");
    return opError(op, path + ": tensor '" + param.getName() + "' is " +
                           safetensors::dtypeName(t->dtype) + " [" + have +
                           "], the IR declares " +
                           safetensors::dtypeName(want) + " of type " +
                           llvm::Twine(llvm::formatv("{0}", type).str()));
  }
  return t;
}

auto ::rotq::materialize::isEvaluable(Operation *op) -> bool {
  // Static tensors of the element types a parameter can hold.
  for (Type t : op->getResultTypes()) {
    auto rt = dyn_cast<RankedTensorType>(t);
    if (!rt || !rt.hasStaticShape())
      return false;
    Type et = rt.getElementType();
    if (!et.isF32() && !et.isF16() && !et.isBF16() && !et.isF64() &&
        !et.isInteger(8))
      return false;
  }
  if (op->getNumResults() == 0)
    return false;
  if (auto q = dyn_cast<mlir::rotq::QuantizeOp>(op))
    return q.isDynamic() && (q.getGranularity() == mlir::rotq::Granularity::Row ||
                             q.getGranularity() == mlir::rotq::Granularity::Group);
  return isa<mlir::rotq::ParamOp, arith::ConstantOp, tensor::EmptyOp,
             arith::ExtFOp, arith::TruncFOp, linalg::TransposeOp,
             tensor::ExpandShapeOp, tensor::CollapseShapeOp,
             mlir::rotq::HadamardOp, mlir::rotq::RotateOp,
             mlir::rotq::PermuteOp, mlir::rotq::ScaleOp, mlir::rotq::PackOp,
             mlir::rotq::UnpackOp, mlir::rotq::DequantizeOp,
             mlir::rotq::ErrorProjectionOp>(op);
}

llvm::Expected<TensorRef> Evaluator::evaluate(Value v) {
  auto it = cache.find(v);
  if (it != cache.end())
    return it->second;
  Operation *op = v.getDefiningOp();
  if (!op || !isEvaluable(op))
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "internal error: not an offline value");
  if (llvm::Error err = evaluateOp(op))
    return std::move(err);
  return cache.lookup(v);
}

llvm::Error Evaluator::evaluateOp(Operation *op) {
  SmallVector<TensorRef> in;
  for (Value operand : op->getOperands()) {
    llvm::Expected<TensorRef> t = evaluate(operand);
    if (!t)
      return t.takeError();
    in.push_back(*t);
  }
  auto result = [&](unsigned i) {
    auto t = std::make_shared<Tensor>();
    t->shape = shapeOf(op->getResult(i));
    return t;
  };
  auto finish = [&](unsigned i, std::shared_ptr<Tensor> t) {
    Type et = cast<RankedTensorType>(op->getResult(i).getType()).getElementType();
    double *d = t->data.data();
    auto each = [&](auto round) {
      parallelRows(int64_t(t->data.size()), [&](int64_t b, int64_t e) {
        for (int64_t k = b; k < e; ++k)
          d[k] = round(d[k]);
      });
    };
    if (et.isF32())
      each([](double x) { return double(float(x)); });
    else if (et.isBF16() || et.isF16())
      each([&](double x) { return roundTo(et, x); });
    cache[op->getResult(i)] = std::move(t);
  };
  // The data of operand 0 to transform in place: taken from the cache when
  // this op is its only user (so nothing else can read it), else copied.
  auto copyOf = [&](const TensorRef &src) {
    auto t = result(0);
    Value v = op->getOperand(0);
    auto it = cache.find(v);
    if (v.hasOneUse() && it != cache.end() && it->second.get() == src.get() &&
        src.use_count() == 2) {
      t->data = std::move(const_cast<Tensor &>(*src).data);
      cache.erase(it);
    } else {
      t->data = src->data;
    }
    return t;
  };

  if (auto param = dyn_cast<mlir::rotq::ParamOp>(op)) {
    llvm::Expected<const safetensors::TensorInfo *> info = files.find(op);
    if (!info)
      return info.takeError();
    auto t = result(0);
    t->data.resize(product(t->shape));
    parallelRows(int64_t(t->data.size()), [&](int64_t b, int64_t e) {
      safetensors::readDoubles(**info, b, e - b, t->data.data() + b);
    });
    safetensors::releasePages(**info);
    cache[op->getResult(0)] = std::move(t);
    return llvm::Error::success();
  }
  if (auto cst = dyn_cast<arith::ConstantOp>(op)) {
    llvm::Expected<std::vector<double>> d = constantData(cst);
    if (!d)
      return d.takeError();
    auto t = result(0);
    t->data = std::move(*d);
    cache[op->getResult(0)] = std::move(t);
    return llvm::Error::success();
  }
  if (isa<tensor::EmptyOp>(op)) {
    auto t = result(0);
    t->data.assign(product(t->shape), 0.0);
    cache[op->getResult(0)] = std::move(t);
    return llvm::Error::success();
  }
  if (isa<arith::ExtFOp, arith::TruncFOp, tensor::ExpandShapeOp,
          tensor::CollapseShapeOp>(op)) {
    finish(0, copyOf(in[0]));
    return llvm::Error::success();
  }
  if (auto tr = dyn_cast<linalg::TransposeOp>(op)) {
    auto t = result(0);
    t->data = transposeData(in[0]->data, in[0]->shape, tr.getPermutation());
    finish(0, std::move(t));
    return llvm::Error::success();
  }

  // The ops below transform the last dimension of [rows, n].
  int64_t n = in[0]->shape.empty() ? 1 : in[0]->shape.back();
  int64_t rows = n ? int64_t(in[0]->data.size()) / n : 0;

  if (auto h = dyn_cast<mlir::rotq::HadamardOp>(op)) {
    int64_t b = h.getEffectiveBlockSize();
    bool transpose = h.getTranspose();
    std::optional<ArrayRef<int8_t>> signs = h.getSigns();
    auto t = copyOf(in[0]);
    parallelRows(rows, [&](int64_t rb, int64_t re) {
      double *p = t->data.data() + rb * n;
      int64_t count = re - rb;
      auto applySigns = [&] {
        if (signs)
          for (int64_t r = 0; r < count; ++r)
            for (int64_t i = 0; i < n; ++i)
              p[r * n + i] *= double((*signs)[i]);
      };
      if (!transpose)
        applySigns();
      ::rotq::hadamard::applyToRows(b, p, count * (n / b), transpose);
      if (transpose)
        applySigns();
    });
    finish(0, std::move(t));
    return llvm::Error::success();
  }
  if (auto rot = dyn_cast<mlir::rotq::RotateOp>(op)) {
    const Tensor &m = *in[1];
    int64_t b = m.shape.back();
    bool perBlock = m.shape.size() == 3;
    bool transpose = rot.getTranspose();
    auto t = result(0);
    t->data.resize(in[0]->data.size());
    parallelRows(rows, [&](int64_t rb, int64_t re) {
      for (int64_t r = rb; r < re; ++r)
        for (int64_t blk = 0; blk < n / b; ++blk) {
          const double *x = &in[0]->data[r * n + blk * b];
          const double *mat = m.data.data() + (perBlock ? blk * b * b : 0);
          double *y = &t->data[r * n + blk * b];
          for (int64_t j = 0; j < b; ++j) {
            double acc = 0;
            for (int64_t i = 0; i < b; ++i)
              acc += x[i] * (transpose ? mat[j * b + i] : mat[i * b + j]);
            y[j] = acc;
          }
        }
    });
    finish(0, std::move(t));
    return llvm::Error::success();
  }
  if (auto perm = dyn_cast<mlir::rotq::PermuteOp>(op)) {
    ArrayRef<int64_t> p = perm.getPermutation();
    auto t = result(0);
    t->data.resize(in[0]->data.size());
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t i = 0; i < n; ++i)
        t->data[r * n + i] = in[0]->data[r * n + p[i]];
    finish(0, std::move(t));
    return llvm::Error::success();
  }
  if (auto sc = dyn_cast<mlir::rotq::ScaleOp>(op)) {
    const std::vector<int64_t> &shape = in[0]->shape;
    int64_t axis = sc.getAxis(), inner = 1;
    for (size_t d = axis + 1; d < shape.size(); ++d)
      inner *= shape[d];
    int64_t size = shape[axis];
    auto t = copyOf(in[0]);
    for (size_t i = 0; i < t->data.size(); ++i)
      t->data[i] *= in[1]->data[(int64_t(i) / inner) % size];
    finish(0, std::move(t));
    return llvm::Error::success();
  }
  if (auto q = dyn_cast<mlir::rotq::QuantizeOp>(op)) {
    quant::Params params;
    params.bits = int(q.getBits());
    params.symmetric = !q.getAsymmetric();
    params.groupSize = q.getGranularity() == mlir::rotq::Granularity::Group
                           ? int64_t(*q.getGroupSize())
                           : 0;
    params.clipRatio = q.getClipRatio().convertToDouble();
    FloatAttr search = q.getClipSearchAttr();
    std::optional<quant::OutputMetric> metric;
    if (q.getClipMetricAttr()) {
      std::optional<std::vector<double>> rows = q.readClipMetric();
      if (!rows)
        return opError(op, "the data of clip_metric are not available");
      int64_t rank = int64_t(rows->size()) / n - 1;
      metric = quant::OutputMetric::fromRows(rows->data(), rank, n);
    }
    int64_t groups = params.groupSize ? n / params.groupSize : 1;
    auto codes = result(0), scales = result(1);
    std::shared_ptr<Tensor> zeros = params.symmetric ? nullptr : result(2);
    codes->data.resize(rows * n);
    scales->data.resize(rows * groups);
    if (zeros)
      zeros->data.resize(rows * groups);
    parallelRows(rows, [&](int64_t rb, int64_t re) {
      std::vector<double> w(in[0]->data.begin() + rb * n,
                            in[0]->data.begin() + re * n);
      int64_t count = re - rb;
      std::vector<double> clip;
      if (search && metric)
        clip = quant::searchClip(w, count, n, params, *metric, 100,
                                 search.getValueAsDouble());
      else if (search)
        clip = quant::searchClip(w, count, n, params, 100,
                                 search.getValueAsDouble());
      quant::Quantized qz = quant::quantize(w, count, n, params, clip);
      if (metric && q.getMetricRounding()) {
        std::vector<quant::Scale> s(groups);
        for (int64_t r = 0; r < count; ++r) {
          for (int64_t k = 0; k < groups; ++k)
            s[k] = {qz.scales[r * groups + k],
                    params.symmetric ? int8_t(0)
                                     : qz.zeroPoints[r * groups + k]};
          quant::refineRounding(&w[r * n], n, params, s.data(),
                                &qz.codes[r * n], *metric);
        }
      }
      for (int64_t i = 0; i < count * n; ++i)
        codes->data[rb * n + i] = qz.codes[i];
      for (int64_t i = 0; i < count * groups; ++i) {
        scales->data[rb * groups + i] = qz.scales[i];
        if (zeros)
          zeros->data[rb * groups + i] = qz.zeroPoints[i];
      }
    });
    finish(0, std::move(codes));
    finish(1, std::move(scales));
    if (zeros)
      finish(2, std::move(zeros));
    return llvm::Error::success();
  }
  if (auto pk = dyn_cast<mlir::rotq::PackOp>(op)) {
    int bits = int(pk.getBits()), per = 8 / bits;
    auto t = result(0);
    t->data.resize(in[0]->data.size() / per);
    uint8_t mask = uint8_t((1u << bits) - 1);
    for (size_t i = 0; i < t->data.size(); ++i) {
      uint8_t byte = 0;
      for (int j = 0; j < per; ++j)
        byte |= uint8_t((uint8_t(int8_t(in[0]->data[i * per + j])) & mask)
                        << (bits * j));
      t->data[i] = double(int8_t(byte));
    }
    cache[op->getResult(0)] = std::move(t);
    return llvm::Error::success();
  }
  if (auto up = dyn_cast<mlir::rotq::UnpackOp>(op)) {
    int bits = int(up.getBits()), per = 8 / bits;
    auto t = result(0);
    t->data.resize(in[0]->data.size() * per);
    for (size_t i = 0; i < in[0]->data.size(); ++i) {
      uint8_t byte = uint8_t(int8_t(in[0]->data[i]));
      for (int j = 0; j < per; ++j) {
        int v = (byte >> (bits * j)) & ((1 << bits) - 1);
        if (v >= (1 << (bits - 1)))
          v -= 1 << bits;
        t->data[i * per + j] = v;
      }
    }
    cache[op->getResult(0)] = std::move(t);
    return llvm::Error::success();
  }
  if (auto dq = dyn_cast<mlir::rotq::DequantizeOp>(op)) {
    // float32 scale * (q - zp), as rotq.dequantize computes it; the scale
    // broadcasts by the dialect's rule (each dim 1 or full; groups last).
    const Tensor &codes = *in[0], &scale = *in[1];
    const Tensor *zp = in.size() > 2 ? in[2].get() : nullptr;
    const std::vector<int64_t> &cs = codes.shape, &ss = scale.shape;
    int64_t rank = cs.size();
    auto t = result(0);
    t->data.resize(codes.data.size());
    std::vector<int64_t> idx(rank);
    int64_t groupSize = cs.back() / ss.back();
    for (size_t i = 0; i < codes.data.size(); ++i) {
      int64_t rem = int64_t(i), s = 0, stride = 1;
      for (int64_t d = rank - 1; d >= 0; --d) {
        idx[d] = rem % cs[d];
        rem /= cs[d];
      }
      for (int64_t d = rank - 1; d >= 0; --d) {
        int64_t j = d == rank - 1 ? idx[d] / groupSize
                                  : (ss[d] == 1 ? 0 : idx[d]);
        s += j * stride;
        stride *= ss[d];
      }
      float sc = float(scale.data[s]);
      int z = zp ? int(zp->data[s]) : 0;
      t->data[i] = double(sc * float(int(codes.data[i]) - z));
    }
    finish(0, std::move(t));
    return llvm::Error::success();
  }
  if (isa<mlir::rotq::ErrorProjectionOp>(op)) {
    // (w - wq) * p^T, one output row per task.
    const Tensor &w = *in[0], &wq = *in[1], &p = *in[2];
    int64_t cols = w.shape[1], k = p.shape[0];
    auto t = result(0);
    t->data.assign(w.shape[0] * k, 0.0);
    parallelRows(w.shape[0], [&](int64_t rb, int64_t re) {
      std::vector<double> e(cols);
      for (int64_t r = rb; r < re; ++r) {
        for (int64_t j = 0; j < cols; ++j)
          e[j] = w.data[r * cols + j] - wq.data[r * cols + j];
        for (int64_t d = 0; d < k; ++d) {
          double acc = 0;
          for (int64_t j = 0; j < cols; ++j)
            acc += e[j] * p.data[d * cols + j];
          t->data[r * k + d] = acc;
        }
      }
    });
    finish(0, std::move(t));
    return llvm::Error::success();
  }
  return opError(op, "cannot be evaluated offline");
}
