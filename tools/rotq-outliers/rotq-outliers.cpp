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
#include "rotq/Materialize/Materialize.h"
#include "rotq/Runner/Outliers.h"
#include "rotq/Runner/Runner.h"

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
/// A named row of the table.
struct Stats : outliers::Stats {
  std::string name;
};

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
  auto tokens = npy::read(input);
  if (!tokens)
    return tokens.takeError();
  auto inputs = outliers::captureLinearInputs(
      **module, entry, *tokens, ::rotq::materialize::directoryOf(file), file, input);
  if (!inputs)
    return inputs.takeError();
  std::vector<Stats> stats;
  for (const outliers::LinearInput &in : *inputs) {
    Stats s;
    static_cast<outliers::Stats &>(s) = outliers::measure(in.values, blockSize);
    s.name = in.name;
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
