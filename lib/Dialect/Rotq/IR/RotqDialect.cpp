//===- RotqDialect.cpp - rotq dialect -------------------------------------===//
#include "rotq/Dialect/Rotq/IR/RotqDialect.h"
#include "rotq/Dialect/Rotq/IR/RotqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::rotq;

#include "rotq/Dialect/Rotq/IR/RotqDialect.cpp.inc"
#include "rotq/Dialect/Rotq/IR/RotqEnums.cpp.inc"
#define GET_ATTRDEF_CLASSES
#include "rotq/Dialect/Rotq/IR/RotqAttrs.cpp.inc"

void RotqDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "rotq/Dialect/Rotq/IR/RotqAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "rotq/Dialect/Rotq/IR/RotqOps.cpp.inc"
      >();
}
