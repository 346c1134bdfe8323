//===- UkernelUtils.h - shared by the passes that call CPU kernels -*- C++ -*-===//
#ifndef ROTQ_LIB_CONVERSION_LINALGTOUKERNELS_UKERNELUTILS_H
#define ROTQ_LIB_CONVERSION_LINALGTOUKERNELS_UKERNELUTILS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

#include "llvm/ADT/SmallVector.h"

namespace mlir::rotq::ukernels {

/// memref<?x...x?xT, strided<[?, ...], offset: ?>> of `rank`: the one layout
/// the kernels' declarations take (any view casts to it), so that every
/// call passes the full descriptor the C function expects.
inline MemRefType anyStrided(Type element, int64_t rank) {
  int64_t d = ShapedType::kDynamic;
  SmallVector<int64_t> dims(rank, d);
  return MemRefType::get(dims, element,
                         StridedLayoutAttr::get(element.getContext(), d, dims));
}

/// The buffer `v` views: `v` followed back through view-like ops.
inline Value viewRoot(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    auto view = dyn_cast<ViewLikeOpInterface>(def);
    if (!view)
      break;
    v = view.getViewSource();
  }
  return v;
}

} // namespace mlir::rotq::ukernels

#endif
