//===- ModelImporter.h - Hugging Face checkpoint to model IR ----*- C++ -*-===//
//
// Builds `func.func @forward(%tokens: tensor<?xi64>) -> tensor<?xVxf32>` for
// a Llama-family decoder from a config and its weights. The function is
// written in upstream dialects on tensors (linalg, arith, math, tensor);
// weights are f32 `dense_resource` constants named after the checkpoint
// tensors, and every op carries the name of the module it comes from
// (e.g. loc("model.layers.0.self_attn.q_proj")).
//
//===----------------------------------------------------------------------===//
#ifndef ROTQ_IMPORT_MODELIMPORTER_H
#define ROTQ_IMPORT_MODELIMPORTER_H

#include "rotq/Support/ModelConfig.h"
#include "rotq/Support/Safetensors.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace rotq {

llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
importModel(mlir::MLIRContext &ctx, const ModelConfig &config,
            const safetensors::Checkpoint &checkpoint);

} // namespace rotq

#endif
