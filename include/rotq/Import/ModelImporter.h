//===- ModelImporter.h - Hugging Face checkpoint to model IR ----*- C++ -*-===//
//
// Builds `func.func @forward(%tokens: tensor<?xi64>) -> tensor<?xVxf32>` for
// a Llama-family decoder from a config and its checkpoint: rotq's model ops
// (rotq.embedding, rms_norm, linear, attention) and upstream linalg for the
// rest. Weights are `rotq.param` ops naming the checkpoint tensors in their
// files (absolute paths) and stored dtypes, so the IR stays small whatever
// the model's size; every op carries the name of the module it comes from
// (e.g. loc("model.layers.0.self_attn.q_proj")).
//
//===----------------------------------------------------------------------===//
#ifndef ROTQ_IMPORT_MODELIMPORTER_H
#define ROTQ_IMPORT_MODELIMPORTER_H

#include "rotq/Import/GgufImport.h"
#include "rotq/Support/ModelConfig.h"
#include "rotq/Support/Safetensors.h"

#include <optional>

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace rotq {

/// What a model is imported from.
struct ModelSource {
  ModelConfig config;
  /// The config.json text (Hugging Face keys; from the metadata for GGUF).
  std::string configJson;
  /// The file the config came from (config.json, or the GGUF file).
  std::string configFile;
  /// Where the tensors are: the checkpoint directory, or the dequantized
  /// GGUF tensors.
  std::string checkpointPath;
  /// GGUF only: what was dequantized.
  std::optional<GgufImportSummary> gguf;
};

/// A Hugging Face checkpoint directory (its config.json), or a GGUF file
/// whose tensors are dequantized into `weightsPath` (never one of
/// `inputs`; required for GGUF).
llvm::Expected<ModelSource> openModelSource(const std::string &path,
                                            const std::string &weightsPath,
                                            llvm::ArrayRef<std::string> inputs);

llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
importModel(mlir::MLIRContext &ctx, const ModelConfig &config,
            const safetensors::Checkpoint &checkpoint);

} // namespace rotq

#endif
