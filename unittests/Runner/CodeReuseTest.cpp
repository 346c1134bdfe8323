//===- CodeReuseTest.cpp - compiled code shared by identical programs ----===//
//
// Programs that differ only in their weights share one compilation; any
// other difference (a constant, the code) compiles anew. Each result is
// checked against the arithmetic done here, so reused code with the wrong
// weights, or a stale program, fails.
//
//===----------------------------------------------------------------------===//
#include "rotq/Runner/Runner.h"
#include "rotq/Support/Safetensors.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace ::rotq;

namespace {
/// y = x W^T + b for x [2, 3]; W and b are parameters read from FILE, or
/// constants when the text says so.
std::string model(const std::string &weight, const std::string &bias) {
  return R"mlir(
func.func @f(%x: tensor<2x3xf32>) -> tensor<2x2xf32> {
  %w = )mlir" + weight + R"mlir(
  %b = )mlir" + bias + R"mlir(
  %y = rotq.linear %x, %w : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<2x2xf32>
  %e = tensor.empty() : tensor<2x2xf32>
  %z = linalg.add ins(%y, %b : tensor<2x2xf32>, tensor<2x2xf32>) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %z : tensor<2x2xf32>
})mlir";
}

std::string param(const std::string &file, const std::string &name,
                  const std::string &type) {
  return "rotq.param \"" + name + "\" in \"" + file + "\" : " + type;
}

struct Result {
  std::vector<float> values;
  bool reused = false;
};

class CodeReuse : public ::testing::Test {
protected:
  void SetUp() override {
    run::registerDialects(registry);
    ctx = std::make_unique<MLIRContext>(registry);
    ctx->loadAllAvailableDialects();
    llvm::SmallString<128> d;
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("rotq-code-reuse", d));
    dir = std::string(d);
  }
  void TearDown() override { llvm::sys::fs::remove_directories(dir); }

  /// Writes W [2, 3] and b [2, 2] to dir/NAME.
  void writeWeights(const std::string &name, std::vector<float> w,
                    std::vector<float> b) {
    std::vector<safetensors::OutTensor> ts = {{"w", {2, 3}, std::move(w)},
                                              {"b", {2, 2}, std::move(b)}};
    ASSERT_FALSE(bool(safetensors::write(dir + "/" + name, ts,
                                         safetensors::DType::F32)));
  }

  Result run(const std::string &text, run::RunOptions opts = {}) {
    Result r;
    auto module = parseSourceString<ModuleOp>(text, ctx.get());
    EXPECT_TRUE(bool(module)) << text;
    if (!module)
      return r;
    opts.paramDir = dir;
    run::Signature sig;
    EXPECT_FALSE(bool(run::signatureOf(module->lookupSymbol<func::FuncOp>("f"),
                                       sig)));
    auto compiled = run::compile(*module, "f", sig, opts);
    if (!compiled) {
      ADD_FAILURE() << toString(compiled.takeError());
      return r;
    }
    r.reused = (*compiled)->reusedCode();
    run::HostTensor x;
    x.elementType = "f32";
    x.array.dtype = npy::DType::F32;
    x.array.shape = {2, 3};
    std::vector<float> xs = {1, 2, 3, -1, 0.5, 2};
    x.array.data.resize(sizeof(float) * xs.size());
    memcpy(x.array.data.data(), xs.data(), x.array.data.size());
    auto out = (*compiled)->run({x});
    if (!out) {
      ADD_FAILURE() << toString(out.takeError());
      return r;
    }
    const npy::Array &a = (*out)[0].array;
    r.values.resize(a.numElements());
    memcpy(r.values.data(), a.data.data(), sizeof(float) * r.values.size());
    return r;
  }

  /// x W^T + b in double precision, for x as in run().
  static std::vector<float> expected(const std::vector<float> &w,
                                     const std::vector<float> &b) {
    std::vector<double> x = {1, 2, 3, -1, 0.5, 2};
    std::vector<float> y;
    for (int t = 0; t < 2; ++t)
      for (int o = 0; o < 2; ++o) {
        double s = b[t * 2 + o];
        for (int i = 0; i < 3; ++i)
          s += x[t * 3 + i] * w[o * 3 + i];
        y.push_back(float(s));
      }
    return y;
  }

  DialectRegistry registry;
  std::unique_ptr<MLIRContext> ctx;
  std::string dir;
};

void expectNear(const std::vector<float> &got, const std::vector<float> &want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want[i], 1e-5) << "element " << i;
}

TEST_F(CodeReuse, WeightsFromOtherFilesShareTheCode) {
  std::vector<float> w1 = {1, 0, -1, 0.5, 2, 0}, b1 = {0, 1, 2, 3};
  std::vector<float> w2 = {-2, 1, 0.25, 3, -1, 1}, b2 = {5, -5, 0.5, 0};
  writeWeights("one.safetensors", w1, b1);
  writeWeights("two.safetensors", w2, b2);
  // A program compiled once: its code must not be mistaken for another's
  // below (the hash includes the whole module text).
  auto text = [](const std::string &f) {
    return model(param(f, "w", "tensor<2x3xf32>"),
                 param(f, "b", "tensor<2x2xf32>"));
  };
  Result first = run(text("one.safetensors"));
  expectNear(first.values, expected(w1, b1));
  Result second = run(text("two.safetensors"));
  EXPECT_TRUE(second.reused);
  expectNear(second.values, expected(w2, b2));
  Result again = run(text("one.safetensors"));
  EXPECT_TRUE(again.reused);
  expectNear(again.values, expected(w1, b1));
  // Turned off, the program compiles anew (same results).
  run::RunOptions fresh;
  fresh.reuseCode = false;
  Result off = run(text("two.safetensors"), fresh);
  EXPECT_FALSE(off.reused);
  expectNear(off.values, expected(w2, b2));
}

TEST_F(CodeReuse, ConstantsAreNotWeightsAndKeepTheirOwnCode) {
  // The bias as a constant in the program: another constant is another
  // program, compiled for itself.
  std::vector<float> w = {1, 2, 3, 4, 5, 6};
  writeWeights("w.safetensors", w, {0, 0, 0, 0});
  auto text = [](const std::string &bias) {
    return model(param("w.safetensors", "w", "tensor<2x3xf32>"),
                 "arith.constant dense<" + bias + "> : tensor<2x2xf32>");
  };
  Result a = run(text("[[1.0, 2.0], [3.0, 4.0]]"));
  expectNear(a.values, expected(w, {1, 2, 3, 4}));
  Result b = run(text("[[-1.0, 0.0], [0.0, 7.0]]"));
  EXPECT_FALSE(b.reused);
  expectNear(b.values, expected(w, {-1, 0, 0, 7}));
}

TEST_F(CodeReuse, CalibrationStatisticsDoNotChangeTheCode) {
  // Statistics the quantization passes read, left on a float linear, are
  // no part of the program.
  std::vector<float> w = {0.5, -1, 2, 1, 1, 1}, b = {1, 1, 1, 1};
  writeWeights("s.safetensors", w, b);
  auto text = [](const std::string &stat) {
    std::string t = model(param("s.safetensors", "w", "tensor<2x3xf32>"),
                          param("s.safetensors", "b", "tensor<2x2xf32>"));
    size_t at = t.find("rotq.linear %x, %w");
    t.insert(t.find(" :", at),
             " {rotq.calibration.abs_max = dense<" + stat +
                 "> : tensor<3xf32>, rotq.calibration.tokens = 8 : i64}");
    return t;
  };
  Result a = run(text("[1.0, 2.0, 3.0]"));
  expectNear(a.values, expected(w, b));
  Result c = run(text("[4.0, 5.0, 6.0]"));
  EXPECT_TRUE(c.reused);
  expectNear(c.values, expected(w, b));
}
} // namespace
