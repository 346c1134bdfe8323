//===- rotq-outliers.cpp - activation outliers at every linear's input ----===//
//
//   rotq-outliers MODEL.mlir [ROTATED.mlir] --input tokens.npy [--json]
//
// Runs @forward (default) on the CPU with the input of every linear made an
// extra result (after rotq-raise-model), and prints per input: max|x|, the
// median |x|, their ratio and the kurtosis E[(x - mean)^4] / var^2 (3 for a
// Gaussian), and the between-block variance of the per-block mean |x|
// (channels in blocks of --block-size, adjusted as DuQuant adjusts it;
// relative to the squared mean, so that a smoothed model compares), the
// spread that DuQuant's zigzag permutation evens out, for one model or
// side by side for a model and its rotated version (inputs matched by
// module name, or by position when the IR carries no names). Linears
// sharing an input are one row.
//
//===----------------------------------------------------------------------===//
#include "rotq/Dialect/Rotq/IR/RotqOps.h"
#include "rotq/Materialize/Materialize.h"
#include "rotq/Runner/Runner.h"
#include "rotq/Support/DuQuant.h"
#include "rotq/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/WithColor.h"

#include <algorithm>
#include <cmath>

using namespace llvm;
using namespace rotq;
using namespace rotq::run;

static cl::OptionCategory cat("rotq-outliers options");
static cl::list<std::string> files(cl::Positional,
                                   cl::desc("<model.mlir> [<rotated.mlir>]"),
                                   cl::OneOrMore, cl::cat(cat));
static cl::opt<std::string> entry("e", cl::desc("Function to run"),
                                  cl::init("forward"), cl::cat(cat));
static cl::opt<std::string> input("input", cl::desc("Token ids (.npy)"),
                                  cl::value_desc("tokens.npy"), cl::Required,
                                  cl::cat(cat));
static cl::opt<int64_t>
    blockSize("block-size",
              cl::desc("Channels per block for the between-block variance "
                       "(adjusted when it does not divide, as rotq-duquant "
                       "does)"),
              cl::init(128), cl::cat(cat));
static cl::opt<bool> asJson("json", cl::desc("Print JSON instead of a table"),
                          cl::cat(cat));

namespace {
struct Stats {
  std::string name;
  double maxAbs = 0, median = 0, kurtosis = 0;
  int64_t block = 0;      // 0: no block size divides the channels
  double blockVar = 0;    // variance of the per-block mean |x|
  double blockVarRel = 0; // ... over the squared mean of those means
  double ratio() const { return median > 0 ? maxAbs / median : INFINITY; }
};

Stats measure(const npy::Array &a) {
  Stats s;
  int64_t n = a.numElements();
  std::vector<double> v(n), mag(n);
  double mean = 0;
  for (int64_t i = 0; i < n; ++i) {
    v[i] = a.getDouble(i);
    mag[i] = std::fabs(v[i]);
    s.maxAbs = std::max(s.maxAbs, mag[i]);
    mean += v[i];
  }
  mean /= double(std::max<int64_t>(n, 1));
  // The usual median: the mean of the two middle values when n is even.
  if (n) {
    std::nth_element(mag.begin(), mag.begin() + n / 2, mag.end());
    s.median = mag[n / 2];
    if (n % 2 == 0)
      s.median = 0.5 * (s.median +
                        *std::max_element(mag.begin(), mag.begin() + n / 2));
  }
  double m2 = 0, m4 = 0;
  for (double x : v) {
    double d = (x - mean) * (x - mean);
    m2 += d;
    m4 += d * d;
  }
  m2 /= double(std::max<int64_t>(n, 1));
  m4 /= double(std::max<int64_t>(n, 1));
  s.kurtosis = m2 > 0 ? m4 / (m2 * m2) : 0;
  int64_t c = a.shape.empty() ? 0 : a.shape.back();
  s.block = c > 0 ? duquant::chooseBlockSize(c, blockSize, nullptr) : 0;
  if (s.block) {
    // From v: the median's nth_element has reordered mag.
    std::vector<double> colMean = duquant::columnAbsMean(v, c);
    s.blockVar = duquant::blockMeanVariance(colMean, s.block);
    double mean = 0;
    for (double m : colMean)
      mean += m / double(c);
    s.blockVarRel = mean > 0 ? s.blockVar / (mean * mean) : 0;
  }
  return s;
}

/// "model.layers.0.self_attn.q_proj" + "...k_proj" -> "...q_proj,k_proj".
std::string joinNames(const std::vector<std::string> &names) {
  std::string out = names.front();
  for (size_t i = 1; i < names.size(); ++i)
    out += "," + names[i].substr(names[i].rfind('.') + 1);
  return out;
}

std::string nameOf(mlir::Operation *op) {
  if (auto n = dyn_cast<mlir::NameLoc>(op->getLoc()))
    return n.getName().str();
  return "";
}

int fail(const Twine &msg) {
  WithColor::error(errs(), "rotq-outliers") << msg << "\n";
  return 1;
}

/// Returns each distinct linear input's statistics, in program order.
Expected<std::vector<Stats>> profile(mlir::MLIRContext &ctx,
                                     const std::string &file) {
  Signature sig;
  auto module = loadModule(ctx, file, entry, sig);
  if (!module)
    return module.takeError();
  mlir::PassManager pm(&ctx);
  pm.addNestedPass<mlir::func::FuncOp>(mlir::rotq::createRaiseModel());
  if (failed(pm.run(**module)))
    return createStringError(inconvertibleErrorCode(),
                             file + ": raising the model failed");
  auto func = (*module)->lookupSymbol<mlir::func::FuncOp>(entry);
  // Distinct inputs of linears, with the names of the linears reading them.
  std::vector<mlir::Value> values;
  std::vector<std::vector<std::string>> names;
  int index = 0;
  func.walk([&](mlir::rotq::LinearOp lin) {
    std::string name = nameOf(lin);
    if (name.empty())
      name = "linear#" + std::to_string(index);
    ++index;
    auto it = std::find(values.begin(), values.end(), lin.getInput());
    if (it != values.end()) {
      names[it - values.begin()].push_back(name);
      return;
    }
    values.push_back(lin.getInput());
    names.push_back({name});
  });
  if (values.empty())
    return createStringError(inconvertibleErrorCode(),
                             file + ": no linear layers found in @" + entry);
  auto ret = cast<mlir::func::ReturnOp>(func.getBody().front().getTerminator());
  SmallVector<mlir::Value> results(ret.getOperands());
  results.append(values.begin(), values.end());
  ret->setOperands(results);
  func.setFunctionType(mlir::FunctionType::get(
      &ctx, func.getArgumentTypes(), mlir::ValueRange(results).getTypes()));
  sig.results.clear();
  for (mlir::Value v : results)
    sig.results.push_back(cast<mlir::RankedTensorType>(v.getType()));

  auto tokens = npy::read(input);
  if (!tokens)
    return tokens.takeError();
  if (auto seqs = npy::readTokenSequences(input)) {
    int64_t vocab = 0;
    if (!sig.results.empty() && sig.results[0].getRank() > 0 &&
        !sig.results[0].isDynamicDim(sig.results[0].getRank() - 1))
      vocab = sig.results[0].getShape().back();
    if (llvm::Error e = npy::checkTokenRange(*seqs, vocab, input))
      return std::move(e);
  } else {
    return seqs.takeError();
  }
  auto host = prepareInput(sig, 0, *tokens, input);
  if (!host)
    return host.takeError();
  RunOptions opts;
  opts.paramDir = ::rotq::materialize::directoryOf(file);
  auto out = runFunction(**module, entry, sig, {*host}, opts);
  if (!out)
    return out.takeError();
  std::vector<Stats> stats;
  for (size_t i = 0; i < values.size(); ++i) {
    Stats s = measure((*out)[i + 1].array);
    s.name = joinNames(names[i]);
    stats.push_back(s);
  }
  return stats;
}
} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  InitializeNativeTarget();
  InitializeNativeTargetAsmPrinter();
  cl::HideUnrelatedOptions(cat);
  cl::ParseCommandLineOptions(argc, argv,
                              "rotq-outliers: activation outliers at the "
                              "inputs of a model's linear layers\n");
  if (files.size() > 2)
    return fail("expected a model and optionally its rotated version");

  mlir::DialectRegistry registry;
  registerDialects(registry);

  std::vector<std::vector<Stats>> all;
  for (const std::string &f : files) {
    mlir::MLIRContext ctx(registry);
    auto s = profile(ctx, f);
    if (!s)
      return fail(toString(s.takeError()));
    all.push_back(std::move(*s));
  }
  if (all.size() == 2 && all[0].size() != all[1].size())
    return fail("the models have " + Twine(all[0].size()) + " and " +
                Twine(all[1].size()) + " distinct linear inputs");

  if (asJson) {
    json::Array rows;
    for (size_t i = 0; i < all[0].size(); ++i) {
      json::Object row{{"input_of", all[0][i].name}};
      for (size_t m = 0; m < all.size(); ++m) {
        const Stats &s = all[m][i];
        row[m == 0 ? "model" : "rotated"] =
            json::Object{{"max_abs", s.maxAbs},
                         {"median_abs", s.median},
                         {"ratio", s.ratio()},
                         {"kurtosis", s.kurtosis},
                         {"block", s.block},
                         {"block_mean_var", s.blockVar},
                         {"block_mean_var_rel", s.blockVarRel}};
      }
      rows.push_back(std::move(row));
    }
    outs() << formatv("{0:2}", json::Value(std::move(rows))) << "\n";
    return 0;
  }

  size_t width = 8;
  for (const Stats &s : all[0])
    width = std::max(width, s.name.size());
  // Two header lines: the model each column group belongs to, then the
  // statistics.
  const char *groups[2] = {"model", "rotated"};
  outs() << format("%-*s", int(width), "");
  for (size_t m = 0; m < all.size(); ++m)
    outs() << format(" | %-51s", all.size() == 2 ? groups[m] : "");
  outs() << "\n" << format("%-*s", int(width), "input of");
  for (size_t m = 0; m < all.size(); ++m)
    outs() << format(" | %10s %10s %9s %9s %9s", "max|x|", "median|x|",
                     "ratio", "kurtosis", "block var");
  if (all.size() == 2)
    outs() << " | ratio fell";
  outs() << "\n";
  for (size_t i = 0; i < all[0].size(); ++i) {
    outs() << format("%-*s", int(width), all[0][i].name.c_str());
    for (size_t m = 0; m < all.size(); ++m) {
      const Stats &s = all[m][i];
      outs() << format(" | %10.4g %10.4g %9.1f %9.1f %9.2e", s.maxAbs,
                       s.median, s.ratio(), s.kurtosis, s.blockVarRel);
    }
    if (all.size() == 2)
      outs() << format(" | %9.1fx", all[0][i].ratio() / all[1][i].ratio());
    outs() << "\n";
  }
  return 0;
}
