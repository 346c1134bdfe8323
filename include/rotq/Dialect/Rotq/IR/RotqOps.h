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

#endif
