//===- VerifierUtils.h - helpers shared by the rotq verifiers ---*- C++ -*-===//
#ifndef ROTQ_LIB_DIALECT_ROTQ_IR_VERIFIERUTILS_H
#define ROTQ_LIB_DIALECT_ROTQ_IR_VERIFIERUTILS_H

#include "mlir/IR/BuiltinTypes.h"

#include <string>

namespace mlir::rotq::detail {

/// A dimension for diagnostics: "?" when dynamic.
inline std::string dimStr(int64_t d) {
  return ShapedType::isDynamic(d) ? "?" : std::to_string(d);
}

} // namespace mlir::rotq::detail

#endif
