//===- RotqDialect.h - rotq dialect -----------------------------*- C++ -*-===//
#ifndef ROTQ_DIALECT_ROTQ_IR_ROTQDIALECT_H
#define ROTQ_DIALECT_ROTQ_IR_ROTQDIALECT_H

#include "mlir/IR/Dialect.h"

#include "rotq/Dialect/Rotq/IR/RotqDialect.h.inc"

#endif
