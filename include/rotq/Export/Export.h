//===- Export.h - model IR back to a Hugging Face checkpoint ----*- C++ -*-===//
//
// A transformed model leaves rotq in one of two forms:
//
//  - when every transform is fused into the weights (the residual rotation,
//    the head-wise V/O rotation, the norm scales), the model computes what
//    a plain Hugging Face model of its config computes with other weights:
//    exportHuggingFace writes config.json and model.safetensors (float32)
//    that transformers loads as it is;
//  - otherwise a runtime must apply operations the architecture does not
//    have (online Hadamards, activation and KV quantization, protected
//    directions, ...): onlineOperations lists each, with the module it sits
//    in and its attributes, for a JSON sidecar, and exportHuggingFace
//    refuses, naming them. It never writes a checkpoint that would silently
//    compute something else.
//
// Weights are named by the module names the importer puts on the ops
// (loc("model.layers.0.self_attn.q_proj") -> ...q_proj.weight).
//
//===----------------------------------------------------------------------===//
#ifndef ROTQ_EXPORT_EXPORT_H
#define ROTQ_EXPORT_EXPORT_H

#include "rotq/Materialize/Materialize.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <string>
#include <vector>

namespace rotq::exporting {

/// An operation on the activation path that a Hugging Face model does not
/// have.
struct OnlineOp {
  std::string name;     // "rotq.hadamard"
  std::string location; // the module it sits in, e.g. "model.layers.0.mlp"
  std::string consumer; // the model op reading its result, if any
  std::string text;     // the op as printed (attributes and types)
};

/// The online operations of @func, in program order: every op of the rotq
/// dialect that reads activations other than rotq.embedding, rms_norm,
/// linear and attention.
llvm::Expected<std::vector<OnlineOp>>
onlineOperations(mlir::ModuleOp module, llvm::StringRef func);

/// The sidecar: {"online_operations": [{"op", "location", "input_of",
/// "ir"}...], "count": N}.
llvm::json::Value onlineReport(const std::vector<OnlineOp> &ops);

struct ExportSummary {
  int64_t tensors = 0;
  uint64_t bytes = 0;
};

/// Writes OUTDIR/model.safetensors (every embedding, norm and linear
/// weight of @func evaluated in float64, stored as float32, under its
/// Hugging Face name) and OUTDIR/config.json (`config`, the source model's,
/// with tie_word_embeddings false and float32 weights). An error, writing
/// nothing, when @func has online operations or a weight without a module
/// name.
llvm::Error exportHuggingFace(mlir::ModuleOp module, llvm::StringRef func,
                              const llvm::json::Object &config,
                              const std::string &outDir,
                              const materialize::Options &options,
                              ExportSummary *summary = nullptr);

} // namespace rotq::exporting

#endif
