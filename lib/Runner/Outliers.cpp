//===- Outliers.cpp - activation statistics at the inputs of linears ------===//
#include "rotq/Runner/Outliers.h"

#include "rotq/Dialect/Rotq/IR/RotqOps.h"
#include "rotq/Runner/Runner.h"
#include "rotq/Support/DuQuant.h"
#include "rotq/Transforms/ModelUtils.h"
#include "rotq/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Pass/PassManager.h"

#include <algorithm>

using namespace llvm;

namespace rotq::outliers {

Stats measure(const npy::Array &a, int64_t blockSize) {
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

namespace {
Error err(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

/// "model.layers.0.self_attn.q_proj" + "...k_proj" -> "...q_proj,k_proj".
std::string joinNames(const std::vector<std::string> &names) {
  std::string out = names.front();
  for (size_t i = 1; i < names.size(); ++i)
    out += "," + names[i].substr(names[i].rfind('.') + 1);
  return out;
}

} // namespace

Expected<std::vector<LinearInput>>
captureLinearInputs(mlir::ModuleOp original, const std::string &entry,
                    const npy::Array &tokens, const std::string &paramDir,
                    const std::string &name, const std::string &tokensName) {
  mlir::OwningOpRef<mlir::ModuleOp> module(original.clone());
  mlir::MLIRContext &ctx = *module->getContext();
  auto func = module->lookupSymbol<mlir::func::FuncOp>(entry);
  if (!func || func.isExternal())
    return err(name + ": no function @" + entry);
  mlir::PassManager pm(&ctx);
  pm.addNestedPass<mlir::func::FuncOp>(mlir::rotq::createRaiseModel());
  if (failed(pm.run(*module)))
    return err(name + ": raising the model failed");
  // Distinct inputs of linears, with the names of the linears reading them.
  std::vector<mlir::Value> values;
  std::vector<std::vector<std::string>> names;
  int index = 0;
  func.walk([&](mlir::rotq::LinearOp lin) {
    std::string n = mlir::rotq::model::nameOf(lin);
    if (n.empty())
      n = "linear#" + std::to_string(index);
    ++index;
    auto it = std::find(values.begin(), values.end(), lin.getInput());
    if (it != values.end()) {
      names[it - values.begin()].push_back(n);
      return;
    }
    values.push_back(lin.getInput());
    names.push_back({n});
  });
  if (values.empty())
    return err(name + ": no linear layers found in @" + entry);
  auto ret = cast<mlir::func::ReturnOp>(func.getBody().front().getTerminator());
  SmallVector<mlir::Value> results(ret.getOperands());
  results.append(values.begin(), values.end());
  ret->setOperands(results);
  func.setFunctionType(mlir::FunctionType::get(
      &ctx, func.getArgumentTypes(), mlir::ValueRange(results).getTypes()));
  run::Signature sig;
  if (Error e = run::signatureOf(func, sig))
    return std::move(e);
  if (sig.args.size() != 1)
    return err(name + ": @" + entry + " must take the token ids only");

  // All ids are checked before the model runs (an imported model would
  // clamp an out-of-range id silently).
  std::vector<std::vector<int64_t>> seqs(1);
  for (int64_t i = 0; i < tokens.numElements(); ++i)
    seqs[0].push_back(tokens.getInt(i));
  int64_t vocab = 0;
  if (!sig.results.empty() && sig.results[0].getRank() > 0 &&
      !sig.results[0].isDynamicDim(sig.results[0].getRank() - 1))
    vocab = sig.results[0].getShape().back();
  if (Error e = npy::checkTokenRange(seqs, vocab, tokensName))
    return std::move(e);
  auto host = run::prepareInput(sig, 0, tokens, tokensName);
  if (!host)
    return host.takeError();
  run::RunOptions opts;
  opts.paramDir = paramDir;
  auto out = run::runFunction(*module, entry, sig, {*host}, opts);
  if (!out)
    return out.takeError();
  std::vector<LinearInput> inputs;
  for (size_t i = 0; i < values.size(); ++i)
    inputs.push_back({joinNames(names[i]), std::move((*out)[i + 1].array)});
  return inputs;
}

} // namespace rotq::outliers
