//===- RotqToLinalgPatterns.h - per-op lowering patterns --------*- C++ -*-===//
#ifndef ROTQ_LIB_CONVERSION_ROTQTOLINALG_PATTERNS_H
#define ROTQ_LIB_CONVERSION_ROTQTOLINALG_PATTERNS_H

#include "mlir/IR/PatternMatch.h"

namespace mlir::rotq::lowering {
void populateLowerHadamardPattern(RewritePatternSet &patterns);
void populateLowerRotatePermutePatterns(RewritePatternSet &patterns);
void populateLowerQuantizePatterns(RewritePatternSet &patterns);
void populateLowerQMatmulPattern(RewritePatternSet &patterns);
void populateLowerModelOpPatterns(RewritePatternSet &patterns);
void populateLowerAttentionPattern(RewritePatternSet &patterns);
} // namespace mlir::rotq::lowering

#endif
