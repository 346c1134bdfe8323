//===- FoldTest.cpp - rotq folders through the C++ API --------------------===//
#include "rotq/Dialect/Rotq/IR/RotqDialect.h"
#include "rotq/Dialect/Rotq/IR/RotqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

#include <gtest/gtest.h>

using namespace mlir;

namespace {
/// Parses `src`, canonicalizes it, and counts ops named `name`.
int countAfterCanonicalize(const char *src, StringRef name) {
  MLIRContext ctx;
  ctx.loadDialect<rotq::RotqDialect, func::FuncDialect, arith::ArithDialect>();
  OwningOpRef<ModuleOp> m = parseSourceString<ModuleOp>(src, &ctx);
  EXPECT_TRUE(m);
  if (!m)
    return -1;
  PassManager pm(&ctx);
  pm.addPass(createCanonicalizerPass());
  EXPECT_TRUE(succeeded(pm.run(*m)));
  int n = 0;
  m->walk([&](Operation *op) { n += op->getName().getStringRef() == name; });
  return n;
}
} // namespace

TEST(Fold, SignedHadamardIsNotSelfInverse) {
  // diag(s) H applied twice is not the identity; with transpose toggled it is.
  EXPECT_EQ(countAfterCanonicalize(R"mlir(
    func.func @f(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
      %a = rotq.hadamard %x {signs = array<i8: 1, -1, 1, 1>} : tensor<2x4xf32>
      %b = rotq.hadamard %a {signs = array<i8: 1, -1, 1, 1>} : tensor<2x4xf32>
      return %b : tensor<2x4xf32>
    })mlir", "rotq.hadamard"), 2);
  EXPECT_EQ(countAfterCanonicalize(R"mlir(
    func.func @f(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
      %a = rotq.hadamard %x {signs = array<i8: 1, -1, 1, 1>} : tensor<2x4xf32>
      %b = rotq.hadamard %a {signs = array<i8: 1, -1, 1, 1>, transpose} : tensor<2x4xf32>
      return %b : tensor<2x4xf32>
    })mlir", "rotq.hadamard"), 0);
}

TEST(Fold, PaleyHadamardNeedsTranspose) {
  // H_12 (Paley I) is not symmetric: H H != I, H H^T == I.
  EXPECT_EQ(countAfterCanonicalize(R"mlir(
    func.func @f(%x: tensor<12xf32>) -> tensor<12xf32> {
      %a = rotq.hadamard %x : tensor<12xf32>
      %b = rotq.hadamard %a : tensor<12xf32>
      return %b : tensor<12xf32>
    })mlir", "rotq.hadamard"), 2);
}

TEST(Fold, PermutationsCompose) {
  EXPECT_EQ(countAfterCanonicalize(R"mlir(
    func.func @f(%x: tensor<3xf32>) -> tensor<3xf32> {
      %a = rotq.permute %x [1, 2, 0] : tensor<3xf32>
      %b = rotq.permute %a [2, 0, 1] : tensor<3xf32>
      return %b : tensor<3xf32>
    })mlir", "rotq.permute"), 0);
}
