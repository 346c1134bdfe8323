//===- RotqOps.h - rotq operations ------------------------------*- C++ -*-===//
#ifndef ROTQ_DIALECT_ROTQ_IR_ROTQOPS_H
#define ROTQ_DIALECT_ROTQ_IR_ROTQOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "rotq/Dialect/Rotq/IR/RotqDialect.h"

#include "rotq/Dialect/Rotq/IR/RotqEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "rotq/Dialect/Rotq/IR/RotqAttrs.h.inc"

#define GET_OP_CLASSES
#include "rotq/Dialect/Rotq/IR/RotqOps.h.inc"

namespace mlir::rotq {
/// The values of an f64 elements attribute (dense, or a loaded resource
/// blob), row-major; nullopt otherwise.
std::optional<std::vector<double>> readF64Elements(Attribute attr);
} // namespace mlir::rotq

#endif
