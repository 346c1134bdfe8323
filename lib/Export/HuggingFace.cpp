//===- HuggingFace.cpp - model IR back to a Hugging Face checkpoint -------===//
#include "rotq/Export/Export.h"

#include "rotq/Dialect/Rotq/IR/RotqDialect.h"
#include "rotq/Dialect/Rotq/IR/RotqOps.h"
#include "rotq/Support/ModelConfig.h"
#include "rotq/Support/OutputFile.h"
#include "rotq/Support/Safetensors.h"
#include "rotq/Transforms/ModelUtils.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"

using namespace mlir;
using llvm::Error;
using llvm::Twine;

namespace rotq::exporting {

static Error err(const Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

/// The module name the importer put on `op` (empty if none).
static std::string moduleName(Operation *op) {
  return mlir::rotq::model::nameOf(op);
}

/// The model ops a Hugging Face Llama-family model has.
static bool isModelOp(Operation *op) {
  return isa<mlir::rotq::EmbeddingOp, mlir::rotq::RMSNormOp,
             mlir::rotq::LinearOp, mlir::rotq::AttentionOp>(op);
}

static llvm::Expected<func::FuncOp> lookup(ModuleOp module,
                                           llvm::StringRef func) {
  auto f = module.lookupSymbol<func::FuncOp>(func);
  if (!f || f.isExternal())
    return err("no function @" + func + " with a body");
  return f;
}

/// The ops of `f` whose operands derive from its arguments (activations),
/// in program order; weights and constants are not among them.
static std::vector<Operation *> activationOps(func::FuncOp f) {
  llvm::DenseSet<Value> act(f.getArguments().begin(), f.getArguments().end());
  std::vector<Operation *> ops;
  for (Operation &op : f.getBody().front()) {
    bool reads = llvm::any_of(op.getOperands(),
                              [&](Value v) { return act.contains(v); });
    if (!reads)
      continue;
    ops.push_back(&op);
    for (Value r : op.getResults())
      act.insert(r);
  }
  return ops;
}

llvm::Expected<std::vector<OnlineOp>> onlineOperations(ModuleOp module,
                                                       llvm::StringRef func) {
  auto f = lookup(module, func);
  if (!f)
    return f.takeError();
  std::vector<OnlineOp> out;
  for (Operation *op : activationOps(*f)) {
    if (!isa<mlir::rotq::RotqDialect>(op->getDialect()) || isModelOp(op))
      continue;
    OnlineOp o;
    o.name = op->getName().getStringRef().str();
    o.location = moduleName(op);
    for (Operation *user : op->getUsers())
      if (isModelOp(user) || isa<mlir::rotq::RotqDialect>(user->getDialect())) {
        o.consumer = moduleName(user);
        if (!o.consumer.empty())
          break;
      }
    llvm::raw_string_ostream os(o.text);
    op->print(os, OpPrintingFlags().elideLargeElementsAttrs(16));
    out.push_back(std::move(o));
  }
  return out;
}

llvm::json::Value onlineReport(const std::vector<OnlineOp> &ops) {
  llvm::json::Array list;
  for (const OnlineOp &o : ops)
    list.push_back(llvm::json::Object{{"op", o.name},
                                      {"location", o.location},
                                      {"input_of", o.consumer},
                                      {"ir", o.text}});
  return llvm::json::Object{{"count", int64_t(ops.size())},
                            {"online_operations", std::move(list)}};
}

Error exportHuggingFace(ModuleOp module, llvm::StringRef func,
                        const llvm::json::Object &config,
                        const std::string &outDir,
                        const materialize::Options &options,
                        ExportSummary *summary) {
  auto f = lookup(module, func);
  if (!f)
    return f.takeError();
  auto online = onlineOperations(module, func);
  if (!online)
    return online.takeError();
  if (!online->empty()) {
    std::string list;
    llvm::StringSet<> kinds;
    for (const OnlineOp &o : *online)
      if (kinds.insert(o.name).second)
        list += (list.empty() ? "" : ", ") + o.name;
    return err("@" + func + " applies " + Twine(online->size()) +
               " online operation(s) (" + list +
               ", first in " +
               (online->front().location.empty() ? std::string("<unnamed>")
                                                 : online->front().location) +
               ") that a Hugging Face checkpoint cannot express; fuse every "
               "transform into the weights (e.g. rotq-quarot with "
               "online-ffn=false online-attn-output=false online-qk=false) "
               "or ship rotq's own model with its list of online operations");
  }

  // Every weight a model op reads, under its Hugging Face name.
  struct Weight {
    std::string name;
    Value value;
    RankedTensorType type;
    bool ones = false; // a scale-free norm: weight 1
  };
  std::vector<Weight> weights;
  llvm::StringSet<> names;
  auto add = [&](Operation *op, Value v, llvm::StringRef suffix,
                 RankedTensorType type) -> Error {
    std::string base = moduleName(op);
    if (base.empty())
      return err("a " + op->getName().getStringRef() +
                 " has no module name (loc(\"model.layers.0...\")): the "
                 "export names weights after the importer's locations (print "
                 "modules with -mlir-print-debuginfo to keep them)");
    std::string name = base + "." + suffix.str();
    if (!names.insert(name).second)
      return err("two weights would be named " + name);
    if (v && !materialize::isEvaluableWeight(v))
      return err(name + " is not a weight the export can evaluate (computed "
                        "from activations?)");
    weights.push_back({name, v, type, !v});
    return Error::success();
  };
  for (Operation *op : activationOps(*f)) {
    Error e = Error::success();
    if (auto emb = dyn_cast<mlir::rotq::EmbeddingOp>(op)) {
      e = add(op, emb.getTable(), "weight", emb.getTable().getType());
    } else if (auto norm = dyn_cast<mlir::rotq::RMSNormOp>(op)) {
      auto t = cast<RankedTensorType>(norm.getInput().getType());
      auto w = RankedTensorType::get({t.getShape().back()},
                                     t.getElementType());
      e = add(op, norm.getWeight(), "weight",
              norm.getWeight()
                  ? cast<RankedTensorType>(norm.getWeight().getType())
                  : w);
    } else if (auto lin = dyn_cast<mlir::rotq::LinearOp>(op)) {
      e = add(op, lin.getWeight(), "weight", lin.getWeight().getType());
      if (!e && lin.getBias())
        e = add(op, lin.getBias(),
                "bias", cast<RankedTensorType>(lin.getBias().getType()));
    }
    if (e)
      return e;
  }
  if (weights.empty())
    return err("@" + func + " has no embedding, norm or linear weights");
  for (const Weight &w : weights)
    if (!w.type.hasStaticShape())
      return err(w.name + " has a dynamic shape");

  // Every tensor a model of this config reads is written, with its shape
  // (transformers would initialize a missing one at random, with a
  // warning only).
  auto cfgModel = ModelConfig::fromJSON(llvm::json::Value(llvm::json::Object(
                                            config)),
                                        "the config");
  if (!cfgModel)
    return cfgModel.takeError();
  for (const ModelConfig::Tensor &t : cfgModel->tensors()) {
    auto it = llvm::find_if(weights,
                            [&](const Weight &w) { return w.name == t.name; });
    if (it == weights.end())
      return err("the model has no weight " + t.name +
                 " that its config describes");
    if (it->type.getShape() != llvm::ArrayRef<int64_t>(t.shape))
      return err(t.name + " has another shape than its config describes");
  }

  if (llvm::sys::fs::exists(outDir) && !llvm::sys::fs::is_directory(outDir))
    return err(outDir + " exists and is not a directory");
  if (std::error_code ec = llvm::sys::fs::create_directories(outDir))
    return err(outDir + ": cannot create directory: " + ec.message());
  std::vector<std::string> inputs =
      materialize::parameterFiles(module, options);
  // Not into a directory the model reads from: its config.json and other
  // shards would be mixed with (or replaced by) the export's.
  for (const std::string &in : inputs) {
    llvm::SmallString<256> dir(llvm::sys::path::parent_path(in));
    if (dir.empty())
      dir = ".";
    if (llvm::sys::fs::equivalent(dir, outDir))
      return err("refusing to export into " + outDir +
                 ", which holds the model's input " + in);
  }
  llvm::SmallString<256> stPath(outDir), cfgPath(outDir);
  llvm::sys::path::append(stPath, "model.safetensors");
  llvm::sys::path::append(cfgPath, "config.json");

  std::vector<safetensors::TensorSpec> specs;
  for (const Weight &w : weights)
    specs.push_back({w.name, safetensors::DType::F32,
                     std::vector<int64_t>(w.type.getShape().begin(),
                                          w.type.getShape().end())});
  auto writer = safetensors::StreamWriter::create(std::string(stPath), specs,
                                                  inputs);
  if (!writer)
    return writer.takeError();
  for (const Weight &w : weights) {
    std::vector<double> v;
    if (w.ones) {
      v.assign(w.type.getNumElements(), 1.0);
    } else {
      auto e = materialize::evaluate(w.value, options);
      if (!e)
        return err(w.name + ": " + llvm::toString(e.takeError()));
      v = std::move(*e);
    }
    if (Error e = (*writer)->append(v.data(), int64_t(v.size())))
      return e;
  }
  if (Error e = (*writer)->finish())
    return e;

  llvm::json::Object cfg = config;
  cfg["tie_word_embeddings"] = false;
  cfg["torch_dtype"] = "float32";
  cfg["dtype"] = "float32";
  auto out = OutputFile::prepare(std::string(cfgPath), inputs);
  if (!out)
    return out.takeError();
  if (Error e = out->write([&](llvm::raw_ostream &os) {
        os << llvm::formatv("{0:2}", llvm::json::Value(std::move(cfg)))
           << "\n";
      }))
    return e;
  if (summary) {
    summary->tensors = int64_t(weights.size());
    summary->bytes = (*writer)->bytesWritten();
  }
  return Error::success();
}

} // namespace rotq::exporting
