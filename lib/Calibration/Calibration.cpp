//===- Calibration.cpp - activation statistics from CPU runs --------------===//
#include "rotq/Calibration/Calibration.h"

#include "rotq/Materialize/Materialize.h"
#include "rotq/Runner/Runner.h"
#include "rotq/Transforms/ModelUtils.h"
#include "rotq/Support/Npy.h"
#include "rotq/Support/Random.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/Support/Parallel.h"

#include <cmath>
#include <cstring>

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
    auto bos = func->getAttrOfType<IntegerAttr>("rotq.bos_token_id");
    for (int64_t s = 0; s < o.samples; ++s) {
      std::vector<int64_t> seq(o.length);
      for (int64_t &v : seq)
        v = int64_t(rng.below(uint64_t(vocab)));
      if (o.bos && bos && bos.getInt() >= 0 && bos.getInt() < vocab)
        seq[0] = bos.getInt();
      seqs.push_back(std::move(seq));
    }
  }
  return seqs;
}

calib::Program::~Program() = default;

FailureOr<std::unique_ptr<calib::Program>>
calib::Program::build(func::FuncOp func) {
  std::unique_ptr<Program> p(new Program());
  p->func = func;
  auto module = func->getParentOfType<ModuleOp>();
  IRMapping map;
  p->clone = OwningOpRef<ModuleOp>(cast<ModuleOp>(module->clone(map)));
  auto cf = cast<func::FuncOp>(map.lookup(func.getOperation()));
  auto ret = cast<func::ReturnOp>(cf.getBody().back().getTerminator());

  // Every linear's input becomes an extra result, as f32.
  OpBuilder b(ret);
  SmallVector<Value> outs(ret.getOperands());
  p->first = outs.size();
  func.walk([&](LinearOp lin) {
    if (llvm::is_contained(p->returned, lin.getInput()))
      return;
    p->returned.push_back(lin.getInput());
    Value c = map.lookup(lin.getInput());
    auto t = cast<RankedTensorType>(c.getType());
    if (!t.getElementType().isF32())
      c = arith::ExtFOp::create(b, c.getLoc(), t.clone(b.getF32Type()), c);
    outs.push_back(c);
  });
  func::ReturnOp::create(b, ret.getLoc(), outs);
  ret.erase();

  // Every static f32 weight becomes an argument: the weights change
  // between collections (GPTQ), the compiled program does not.
  cf.setType(FunctionType::get(func.getContext(), cf.getArgumentTypes(),
                               ValueRange(outs).getTypes()));
  Block &entry = cf.getBody().front();
  bool added = true;
  func.walk([&](LinearOp lin) {
    auto wt = lin.getWeight().getType();
    // Weights the evaluator can compute (not ones made from activations).
    if (!added || !wt.getElementType().isF32() ||
        !::rotq::materialize::isEvaluableWeight(lin.getWeight()))
      return;
    auto clin = cast<LinearOp>(map.lookup(lin.getOperation()));
    unsigned index = cf.getNumArguments();
    if (failed(cf.insertArgument(index, wt, {}, clin.getLoc()))) {
      added = false;
      return;
    }
    clin.getWeightMutable().assign(cf.getArgument(index));
    p->weightArgs.push_back(lin);
  });
  if (!added) {
    func.emitError("calibration: cannot pass the weights as arguments");
    return failure();
  }
  // The weight chains the arguments replace: not compiled.
  SmallVector<Operation *> body;
  for (Operation &op : entry)
    body.push_back(&op);
  for (Operation *op : llvm::reverse(body))
    if (isOpTriviallyDead(op))
      op->erase();

  p->sig = std::make_unique<run::Signature>();
  if (llvm::Error e = run::signatureOf(cf, *p->sig)) {
    func.emitError("calibration: ") << toString(std::move(e));
    return failure();
  }
  std::string name = cf.getSymName().str();
  auto compiled = run::compile(*p->clone, name, *p->sig, run::RunOptions());
  if (!compiled) {
    func.emitError("calibration: ") << toString(compiled.takeError());
    return failure();
  }
  p->compiled = std::move(*compiled);
  return p;
}

namespace {
/// Tokens whose second moments are added together.
constexpr int64_t kHessianBlock = 64;

/// h[j][k] += sum_t x[t][j] x[t][k] for k <= j over the `rows` x `c` block
/// `x`: each h row stays in cache while the block's tokens pass, and rows
/// are shared among threads; every element still sums its tokens in order,
/// so the result is the token-by-token sum's, bit for bit.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
void accumulateRows(double *h, const double *x, int64_t rows, int64_t c,
                    int64_t j0, int64_t j1) {
  for (int64_t j = j0; j < j1; ++j) {
    double *hj = &h[j * c];
    for (int64_t t = 0; t < rows; ++t) {
      const double *xt = &x[t * c];
      double rj = xt[j];
      for (int64_t k = 0; k <= j; ++k)
        hj[k] += rj * xt[k];
    }
  }
}

void accumulateLower(double *h, const double *x, int64_t rows, int64_t c) {
  // Chunks of rows of equal work (row j costs j + 1).
  constexpr int64_t kChunks = 16;
  std::vector<int64_t> bounds{0};
  for (int64_t i = 1; i < kChunks; ++i)
    bounds.push_back(
        std::max(bounds.back(), int64_t(double(c) * std::sqrt(double(i) /
                                                              kChunks))));
  bounds.push_back(c);
  llvm::parallelFor(0, kChunks, [&](size_t i) {
    accumulateRows(h, x, rows, c, bounds[i], bounds[i + 1]);
  });
}
} // namespace

FailureOr<std::vector<std::shared_ptr<const calib::Stats>>>
calib::Program::collect(ArrayRef<LinearOp> linears,
                        const std::vector<std::vector<int64_t>> &tokens,
                        bool hessian, bool sampleMean) {
  // The weights as the linears read them now (evaluated every time: a
  // replaced weight's value may reuse the address of the one it replaced),
  // after a slot for the tokens.
  std::vector<run::HostTensor> weights(1);
  for (auto [i, lin] : llvm::enumerate(weightArgs)) {
    ::rotq::materialize::Options mo;
    mo.progress = false;
    auto data = ::rotq::materialize::evaluate(lin.getWeight(), mo);
    if (!data) {
      lin.emitError("calibration: the weight of ")
          << model::describe(lin) << ": " << toString(data.takeError());
      return failure();
    }
    std::vector<float> w(data->begin(), data->end());
    npy::Array a;
    a.dtype = npy::DType::F32;
    for (int64_t d : lin.getWeight().getType().getShape())
      a.shape.push_back(d);
    a.data.resize(w.size() * sizeof(float));
    std::memcpy(a.data.data(), w.data(), a.data.size());
    auto h = run::prepareInput(*sig, 1 + i, a, "a calibration weight");
    if (!h) {
      lin.emitError("calibration: ") << toString(h.takeError());
      return failure();
    }
    weights.push_back(std::move(*h));
  }

  SmallVector<Value> values;
  for (LinearOp lin : linears)
    if (!llvm::is_contained(values, lin.getInput()))
      values.push_back(lin.getInput());
  std::vector<Stats> stats(values.size());
  std::vector<size_t> resultOf(values.size());
  for (auto [i, v] : llvm::enumerate(values)) {
    auto it = llvm::find(returned, v);
    if (it == returned.end()) {
      func.emitError("calibration: a linear outside the calibrated function");
      return failure();
    }
    resultOf[i] = first + (it - returned.begin());
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
  std::vector<double> block;
  for (const std::vector<int64_t> &seq : tokens) {
    auto input =
        run::prepareInput(*sig, 0, npy::fromInt64(seq), "calibration tokens");
    if (!input) {
      func.emitError() << toString(input.takeError());
      return failure();
    }
    weights[0] = std::move(*input);
    auto results = compiled->run(weights);
    if (!results) {
      func.emitError("calibration: ") << toString(results.takeError());
      return failure();
    }
    for (auto [i, s] : llvm::enumerate(stats)) {
      const npy::Array &a = (*results)[resultOf[i]].array;
      const float *x = reinterpret_cast<const float *>(a.data.data());
      int64_t c = s.channels, n = a.numElements() / c;
      for (int64_t t = 0; t < n; ++t)
        for (int64_t j = 0; j < c; ++j) {
          double v = double(x[t * c + j]);
          s.absMax[j] = std::max(s.absMax[j], std::fabs(v));
          s.nonFinite += std::isfinite(v) ? 0 : 1;
        }
      for (int64_t t0 = 0; hessian && t0 < n; t0 += kHessianBlock) {
        int64_t rows = std::min(kHessianBlock, n - t0);
        block.resize(rows * c);
        for (int64_t e = 0; e < rows * c; ++e)
          block[e] = double(x[t0 * c + e]);
        accumulateLower(s.hessian.data(), block.data(), rows, c);
      }
      if (sampleMean) {
        if (s.sampleMean.empty() || n < s.meanRows) {
          s.meanRows = n;
          s.sampleMean.resize(n * c, 0.0);
        }
        for (int64_t t = 0; t < s.meanRows * c; ++t)
          s.sampleMean[t] += double(x[t]);
      }
      s.tokens += n;
    }
  }
  if (sampleMean)
    for (Stats &s : stats)
      for (double &v : s.sampleMean)
        v /= double(tokens.size());
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

FailureOr<::rotq::quant::OutputMetric>
calib::outputMetric(LinearOp lin, const Stats &s, int64_t rank) {
  if (s.nonFinite)
    return lin.emitError("calibration: the input of ")
           << model::describe(lin) << " has " << s.nonFinite
           << " NaN or infinite values; no output-error metric";
  std::vector<double> h = s.hessian;
  for (double &v : h)
    v /= double(std::max<int64_t>(s.tokens, 1));
  return ::rotq::quant::OutputMetric::fromSecondMoments(h, s.channels, rank);
}

FailureOr<std::vector<std::shared_ptr<const calib::Stats>>>
calib::collect(func::FuncOp func, ArrayRef<LinearOp> linears,
               const std::vector<std::vector<int64_t>> &tokens, bool hessian,
               bool sampleMean) {
  auto program = Program::build(func);
  if (failed(program))
    return failure();
  return (*program)->collect(linears, tokens, hessian, sampleMean);
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
