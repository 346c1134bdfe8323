//===- ProgramTest.cpp - the segmented calibration program ----------------===//
//
// A three-linear model whose activations are worked out here in float64:
// the statistics a segmented program collects, in any order and after a
// weight changes, equal the reference, and only the stale segments run.
//
//===----------------------------------------------------------------------===//
#include "rotq/Calibration/Calibration.h"
#include "rotq/Runner/Runner.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace mlir;
using namespace mlir::rotq;

namespace {
// x = table[tokens]; y = x W1^T; z = y W2^T; a = z + z; o = a W3^T. The row
// count of x, read before the first linear, is used after the second: it
// crosses two cuts as a scalar.
constexpr const char *kModel = R"mlir(
func.func @f(%tok: tensor<?xi64>) -> tensor<?x2xf32> {
  %table = arith.constant dense<[[1.0, -2.0, 0.5], [0.25, 3.0, -1.0],
                                 [2.0, 0.0, 1.5], [-0.5, 1.0, 4.0]]> : tensor<4x3xf32>
  %x = rotq.embedding %table[%tok] : tensor<4x3xf32>, tensor<?xi64> -> tensor<?x3xf32>
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x3xf32>
  %w1 = arith.constant dense<[[1.0, 0.5, -1.0], [0.0, 2.0, 1.0], [-0.5, 1.0, 0.25]]> : tensor<3x3xf32>
  %y = rotq.linear %x, %w1 : tensor<?x3xf32>, tensor<3x3xf32> -> tensor<?x3xf32>
  %w2 = arith.constant dense<[[0.5, -1.0, 2.0], [1.0, 1.0, 0.0], [0.0, -0.5, 1.0]]> : tensor<3x3xf32>
  %z = rotq.linear %y, %w2 : tensor<?x3xf32>, tensor<3x3xf32> -> tensor<?x3xf32>
  %e = tensor.empty(%n) : tensor<?x3xf32>
  %a = linalg.add ins(%z, %z : tensor<?x3xf32>, tensor<?x3xf32>) outs(%e : tensor<?x3xf32>) -> tensor<?x3xf32>
  %w3 = arith.constant dense<[[1.0, 2.0, 3.0], [-1.0, 0.0, 1.0]]> : tensor<2x3xf32>
  %o = rotq.linear %a, %w3 : tensor<?x3xf32>, tensor<2x3xf32> -> tensor<?x2xf32>
  return %o : tensor<?x2xf32>
})mlir";

using Matrix = std::vector<std::vector<double>>;

Matrix times(const Matrix &x, const Matrix &w) { // x w^T
  Matrix y(x.size(), std::vector<double>(w.size(), 0.0));
  for (size_t t = 0; t < x.size(); ++t)
    for (size_t o = 0; o < w.size(); ++o)
      for (size_t i = 0; i < w[o].size(); ++i)
        y[t][o] += x[t][i] * w[o][i];
  return y;
}

/// The reference inputs of the three linears over `tokens`.
std::vector<Matrix> reference(const std::vector<std::vector<int64_t>> &tokens,
                              const Matrix &w1) {
  Matrix table = {{1, -2, 0.5}, {0.25, 3, -1}, {2, 0, 1.5}, {-0.5, 1, 4}};
  Matrix w2 = {{0.5, -1, 2}, {1, 1, 0}, {0, -0.5, 1}};
  Matrix x;
  for (const auto &seq : tokens)
    for (int64_t t : seq)
      x.push_back(table[t]);
  Matrix y = times(x, w1), a = times(y, w2);
  for (auto &row : a)
    for (double &v : row)
      v *= 2;
  return {x, y, a};
}

/// Checks `s` against the activation rows `x`: X^T X and max |x|.
void expectStats(const calib::Stats &s, const Matrix &x) {
  ASSERT_EQ(s.channels, 3);
  EXPECT_EQ(s.tokens, int64_t(x.size()));
  for (int64_t j = 0; j < 3; ++j) {
    double amax = 0;
    for (const auto &row : x)
      amax = std::max(amax, std::fabs(row[j]));
    EXPECT_NEAR(s.absMax[j], amax, 1e-5 * amax);
    for (int64_t k = 0; k < 3; ++k) {
      double h = 0;
      for (const auto &row : x)
        h += row[j] * row[k];
      EXPECT_NEAR(s.hessian[j * 3 + k], h, 1e-5 * std::max(1.0, std::fabs(h)));
    }
  }
}

struct Fixture {
  MLIRContext ctx;
  OwningOpRef<ModuleOp> module;
  func::FuncOp f;
  SmallVector<LinearOp> lin;
  Fixture() {
    DialectRegistry registry;
    ::rotq::run::registerDialects(registry);
    ctx.appendDialectRegistry(registry);
    ctx.loadAllAvailableDialects();
    module = parseSourceString<ModuleOp>(kModel, &ctx);
    f = *module->getOps<func::FuncOp>().begin();
    f.walk([&](LinearOp l) { lin.push_back(l); });
  }
};

const std::vector<std::vector<int64_t>> kTokens = {{0, 3, 1, 1, 2},
                                                   {2, 0, 3}};
} // namespace

TEST(CalibrationProgram, SegmentsRunOnlyWhenStale) {
  Fixture fx;
  ASSERT_TRUE(fx.module);
  ASSERT_EQ(fx.lin.size(), 3u);
  std::vector<std::vector<LinearOp>> groups = {
      {fx.lin[0]}, {fx.lin[1]}, {fx.lin[2]}};
  auto program = calib::Program::build(fx.f, groups);
  ASSERT_TRUE(succeeded(program));
  // Before linear 1, 2, 3 (the last reads no statistic's input): 3 segments.
  EXPECT_EQ((*program)->numSegments(), 3u);
  Matrix w1 = {{1, 0.5, -1}, {0, 2, 1}, {-0.5, 1, 0.25}};
  auto ref = reference(kTokens, w1);

  // y (linear 2's input) needs segments 0 and 1, for each of 2 sequences.
  auto s = (*program)->collect({fx.lin[1]}, kTokens, true);
  ASSERT_TRUE(succeeded(s));
  expectStats(*(*s)[0], ref[1]);
  EXPECT_EQ((*program)->segmentRuns(), 4);
  // a: segment 2 alone, from the cached y and row count.
  s = (*program)->collect({fx.lin[2]}, kTokens, true);
  ASSERT_TRUE(succeeded(s));
  expectStats(*(*s)[0], ref[2]);
  EXPECT_EQ((*program)->segmentRuns(), 6);

  // Linear 3 is in no segment (its output feeds no statistic), so that
  // collection kept nothing: x and y come from segments 0 and 1 again. This
  // one keeps what segments from 1 on read (x, y, the row count).
  s = (*program)->collect({fx.lin[0], fx.lin[1]}, kTokens, true);
  ASSERT_TRUE(succeeded(s));
  expectStats(*(*s)[0], ref[0]);
  expectStats(*(*s)[1], ref[1]);
  EXPECT_EQ((*program)->segmentRuns(), 10);

  // A new W1 makes segments 1 and 2 stale: both run, from the cached x.
  w1 = {{2, 0, 1}, {1, -1, 0.5}, {0.5, 0.5, -2}};
  std::vector<float> values;
  for (const auto &row : w1)
    values.insert(values.end(), row.begin(), row.end());
  OpBuilder b(fx.lin[0]);
  auto type = RankedTensorType::get({3, 3}, b.getF32Type());
  Value c = arith::ConstantOp::create(
      b, fx.lin[0].getLoc(),
      DenseElementsAttr::get(type, ArrayRef<float>(values)));
  Operation *old = fx.lin[0].getWeight().getDefiningOp();
  fx.lin[0].getWeightMutable().assign(c);
  old->erase();
  ref = reference(kTokens, w1);
  s = (*program)->collect({fx.lin[2]}, kTokens, true);
  ASSERT_TRUE(succeeded(s));
  expectStats(*(*s)[0], ref[2]);
  EXPECT_EQ((*program)->segmentRuns(), 14);
}

TEST(CalibrationProgram, WholeModelRunsEveryTime) {
  Fixture fx;
  ASSERT_TRUE(fx.module);
  auto program = calib::Program::build(fx.f);
  ASSERT_TRUE(succeeded(program));
  EXPECT_EQ((*program)->numSegments(), 1u);
  auto ref = reference(kTokens, {{1, 0.5, -1}, {0, 2, 1}, {-0.5, 1, 0.25}});
  for (int i = 0; i < 2; ++i) {
    auto s = (*program)->collect(fx.lin, kTokens, true);
    ASSERT_TRUE(succeeded(s));
    ASSERT_EQ(s->size(), 3u);
    for (int k = 0; k < 3; ++k)
      expectStats(*(*s)[k], ref[k]);
  }
  EXPECT_EQ((*program)->segmentRuns(), 4);
}
