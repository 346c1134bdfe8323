//===- Calibration.cpp - activation statistics from CPU runs --------------===//
#include "Calibration.h"

#include "rotq/Runner/Runner.h"
#include "rotq/Support/Npy.h"
#include "rotq/Support/Random.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/IRMapping.h"

#include <cmath>

using namespace mlir;
using namespace mlir::rotq;
namespace run = ::rotq::run;
namespace npy = ::rotq::npy;

FailureOr<std::vector<std::vector<int64_t>>>
calib::loadTokens(func::FuncOp func, const Options &o) {
  auto args = func.getArgumentTypes();
  auto t = args.size() == 1 ? dyn_cast<RankedTensorType>(args[0]) : nullptr;
  if (!t || t.getRank() != 1 || !t.getElementType().isInteger()) {
    func.emitError("calibration runs @")
        << func.getSymName()
        << " on token ids: it must take one 1-D integer tensor";
    return failure();
  }
  std::vector<std::vector<int64_t>> seqs;
  if (!o.file.empty()) {
    auto read = npy::readTokenSequences(o.file);
    if (!read) {
      func.emitError("calibration tokens: ") << toString(read.takeError());
      return failure();
    }
    seqs = std::move(*read);
    int64_t vocab = 0;
    func.walk([&](EmbeddingOp e) {
      if (!vocab)
        vocab = e.getTable().getType().getDimSize(0);
    });
    if (llvm::Error e = npy::checkTokenRange(
            seqs, ShapedType::isDynamic(vocab) ? 0 : vocab, o.file)) {
      func.emitError("calibration tokens: ") << toString(std::move(e));
      return failure();
    }
  } else {
    int64_t vocab = 0;
    func.walk([&](EmbeddingOp e) {
      if (!vocab)
        vocab = e.getTable().getType().getDimSize(0);
    });
    if (vocab <= 0) {
      func.emitError("calibration needs token ids: no rotq.embedding gives the "
                     "vocabulary size; pass a calibration file");
      return failure();
    }
    if (o.samples <= 0 || o.length <= 0) {
      func.emitError("calibration needs at least one sequence of at least one "
                     "token");
      return failure();
    }
    // Statistics are gathered over every token: bound the request before
    // allocating it.
    constexpr int64_t kMaxTokens = int64_t(1) << 24;
    int64_t total;
    if (__builtin_mul_overflow(o.samples, o.length, &total) ||
        total > kMaxTokens) {
      func.emitError("calibration-samples x calibration-length must be at "
                     "most ")
          << kMaxTokens << " tokens";
      return failure();
    }
    ::rotq::Random rng(o.seed);
    for (int64_t s = 0; s < o.samples; ++s) {
      std::vector<int64_t> seq(o.length);
      for (int64_t &v : seq)
        v = int64_t(rng.below(uint64_t(vocab)));
      seqs.push_back(std::move(seq));
    }
  }
  return seqs;
}

FailureOr<std::vector<std::shared_ptr<const calib::Stats>>>
calib::collect(func::FuncOp func, ArrayRef<LinearOp> linears,
               const std::vector<std::vector<int64_t>> &tokens, bool hessian) {
  SmallVector<Value> values;
  for (LinearOp lin : linears)
    if (!llvm::is_contained(values, lin.getInput()))
      values.push_back(lin.getInput());
  auto module = func->getParentOfType<ModuleOp>();
  IRMapping map;
  OwningOpRef<ModuleOp> clone(cast<ModuleOp>(module->clone(map)));
  auto cf = cast<func::FuncOp>(map.lookup(func.getOperation()));
  auto ret = cast<func::ReturnOp>(cf.getBody().back().getTerminator());

  // The activations become extra results, as f32.
  OpBuilder b(ret);
  SmallVector<Value> outs(ret.getOperands());
  size_t first = outs.size();
  for (Value v : values) {
    Value c = map.lookup(v);
    auto t = cast<RankedTensorType>(c.getType());
    if (!t.getElementType().isF32())
      c = arith::ExtFOp::create(b, c.getLoc(), t.clone(b.getF32Type()), c);
    outs.push_back(c);
  }
  func::ReturnOp::create(b, ret.getLoc(), outs);
  ret.erase();
  cf.setType(FunctionType::get(func.getContext(), cf.getArgumentTypes(),
                               ValueRange(outs).getTypes()));

  run::Signature sig;
  if (llvm::Error e = run::signatureOf(cf, sig)) {
    func.emitError("calibration: ") << toString(std::move(e));
    return failure();
  }
  std::string name = cf.getSymName().str();
  auto compiled = run::compile(*clone, name, sig, run::RunOptions());
  if (!compiled) {
    func.emitError("calibration: ") << toString(compiled.takeError());
    return failure();
  }

  std::vector<Stats> stats(values.size());
  for (auto [i, v] : llvm::enumerate(values)) {
    int64_t c = cast<RankedTensorType>(v.getType()).getShape().back();
    if (ShapedType::isDynamic(c)) {
      func.emitError("calibration: an activation has a dynamic channel count");
      return failure();
    }
    stats[i].channels = c;
    stats[i].absMax.assign(c, 0.0);
    if (hessian)
      stats[i].hessian.assign(c * c, 0.0);
  }
  std::vector<double> row;
  for (const std::vector<int64_t> &seq : tokens) {
    auto inputs =
        run::prepareInput(sig, 0, npy::fromInt64(seq), "calibration tokens");
    if (!inputs) {
      func.emitError() << toString(inputs.takeError());
      return failure();
    }
    auto results = (*compiled)->run({*inputs});
    if (!results) {
      func.emitError("calibration: ") << toString(results.takeError());
      return failure();
    }
    for (auto [i, s] : llvm::enumerate(stats)) {
      const npy::Array &a = (*results)[first + i].array;
      const float *x = reinterpret_cast<const float *>(a.data.data());
      int64_t c = s.channels, n = a.numElements() / c;
      row.resize(c);
      for (int64_t t = 0; t < n; ++t) {
        for (int64_t j = 0; j < c; ++j) {
          row[j] = double(x[t * c + j]);
          s.absMax[j] = std::max(s.absMax[j], std::fabs(row[j]));
        }
        if (hessian)
          for (int64_t j = 0; j < c; ++j) {
            double rj = row[j];
            double *hj = &s.hessian[j * c];
            for (int64_t k = 0; k <= j; ++k)
              hj[k] += rj * row[k];
          }
      }
      s.tokens += n;
    }
  }
  std::vector<std::shared_ptr<const Stats>> shared;
  for (Stats &s : stats) {
    if (hessian)
      for (int64_t j = 0; j < s.channels; ++j)
        for (int64_t k = 0; k < j; ++k)
          s.hessian[k * s.channels + j] = s.hessian[j * s.channels + k];
    shared.push_back(std::make_shared<const Stats>(std::move(s)));
  }
  std::vector<std::shared_ptr<const Stats>> out;
  for (LinearOp lin : linears)
    out.push_back(shared[llvm::find(values, lin.getInput()) - values.begin()]);
  return out;
}

std::vector<std::vector<LinearOp>> calib::sequentialGroups(func::FuncOp func) {
  // depth(v) = number of linears on the longest def chain ending at v.
  DenseMap<Operation *, int64_t> depth;
  std::vector<std::vector<LinearOp>> groups;
  func.walk([&](Operation *op) {
    int64_t d = 0;
    for (Value v : op->getOperands())
      if (Operation *def = v.getDefiningOp())
        d = std::max(d, depth.lookup(def));
    if (auto lin = dyn_cast<LinearOp>(op)) {
      int64_t in = 0;
      if (Operation *def = lin.getInput().getDefiningOp())
        in = depth.lookup(def);
      if (groups.size() <= size_t(in))
        groups.resize(in + 1);
      groups[in].push_back(lin);
      d = std::max(d, in + 1);
    }
    depth[op] = d;
  });
  llvm::erase_if(groups, [](auto &g) { return g.empty(); });
  return groups;
}
