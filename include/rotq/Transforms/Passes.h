//===- Passes.h - rotq model-level passes -----------------------*- C++ -*-===//
#ifndef ROTQ_TRANSFORMS_PASSES_H
#define ROTQ_TRANSFORMS_PASSES_H

#include "rotq/Dialect/Rotq/IR/RotqDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::rotq {

#define GEN_PASS_DECL
#include "rotq/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "rotq/Transforms/Passes.h.inc"

} // namespace mlir::rotq

#endif
