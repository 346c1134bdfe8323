//===- Passes.h - rotq calibrating passes -----------------------*- C++ -*-===//
#ifndef ROTQ_CALIBRATION_PASSES_H
#define ROTQ_CALIBRATION_PASSES_H

#include "rotq/Dialect/Rotq/IR/RotqDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Pass/Pass.h"

namespace mlir::rotq {

#define GEN_PASS_DECL
#include "rotq/Calibration/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "rotq/Calibration/Passes.h.inc"

} // namespace mlir::rotq

#endif
