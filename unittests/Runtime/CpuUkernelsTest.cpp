//===- CpuUkernelsTest.cpp - CPU microkernels against a plain loop --------===//
//
// Odd shapes (edges of every tile), strided and transposed operands, offsets
// and accumulation into a non-zero C, against a float64 (float) or exact
// integer (i8) triple loop written here.
//
//===----------------------------------------------------------------------===//
#include "rotq/Runtime/CpuUkernels.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace {

struct Shape {
  int64_t m, n, k;
};
const Shape shapes[] = {{1, 1, 1},    {5, 7, 3},     {6, 16, 256},
                        {7, 17, 257}, {97, 300, 70}, {128, 513, 600},
                        {2, 1000, 9}, {300, 3, 40}};

TEST(CpuUkernels, F32MatchesFloat64Loop) {
  std::mt19937_64 rng(1);
  std::normal_distribution<float> g;
  for (const Shape &s : shapes)
    for (bool transposedB : {false, true}) {
      // A: M x K with a row pitch > K and an offset; B: N x K, or K x N
      // read through swapped strides (a plain matmul); C: pitch > N.
      int64_t aOff = 3, aPitch = s.k + 5, cOff = 2, cPitch = s.n + 4;
      std::vector<float> a(aOff + s.m * aPitch), b(s.n * s.k + 1),
          c(cOff + s.m * cPitch);
      for (float &v : a) v = g(rng);
      for (float &v : b) v = g(rng);
      for (float &v : c) v = g(rng);
      int64_t bS0 = transposedB ? 1 : s.k, bS1 = transposedB ? s.n : 1;
      std::vector<double> want(s.m * s.n);
      for (int64_t i = 0; i < s.m; ++i)
        for (int64_t j = 0; j < s.n; ++j) {
          double acc = c[cOff + i * cPitch + j];
          for (int64_t p = 0; p < s.k; ++p)
            acc += double(a[aOff + i * aPitch + p]) *
                   double(b[1 + j * bS0 + p * bS1]);
          want[i * s.n + j] = acc;
        }
      std::vector<float> before = c;
      rotq_ukernel_matmul_tb_f32(a.data(), a.data(), aOff, s.m, s.k, aPitch, 1,
                                 b.data(), b.data(), 1, s.n, s.k, bS0, bS1,
                                 c.data(), c.data(), cOff, s.m, s.n, cPitch, 1);
      double worst = 0;
      for (int64_t i = 0; i < s.m; ++i)
        for (int64_t j = 0; j < s.n; ++j) {
          // float accumulation over K terms of size ~1: error ~ K * 2^-24.
          double tol = 1e-6 * (std::sqrt(double(s.k)) + 1) * 4;
          double err = std::fabs(c[cOff + i * cPitch + j] - want[i * s.n + j]);
          worst = std::max(worst, err / tol);
        }
      EXPECT_LE(worst, 1.0) << s.m << "x" << s.n << "x" << s.k
                            << " transposedB=" << transposedB;
      // Nothing outside C's view was written.
      for (int64_t e = 0; e < int64_t(c.size()); ++e) {
        int64_t r = (e - cOff) / cPitch, col = (e - cOff) % cPitch;
        bool inside = e >= cOff && r < s.m && col < s.n;
        if (!inside) {
          ASSERT_EQ(c[e], before[e]) << "wrote outside C at " << e;
        }
      }
    }
}

TEST(CpuUkernels, I8IsExactWithWrapping) {
  std::mt19937_64 rng(2);
  std::uniform_int_distribution<int> d(-128, 127);
  for (const Shape &s : shapes) {
    std::vector<int8_t> a(s.m * s.k), b(s.n * s.k);
    std::vector<int32_t> c(s.m * s.n);
    for (int8_t &v : a) v = int8_t(d(rng));
    for (int8_t &v : b) v = int8_t(d(rng));
    // Start near the i32 limit so that sums wrap as i32 arithmetic does.
    for (int32_t &v : c) v = INT32_MAX - int32_t(d(rng) & 127);
    std::vector<int32_t> want(c.size());
    for (int64_t i = 0; i < s.m; ++i)
      for (int64_t j = 0; j < s.n; ++j) {
        uint32_t acc = uint32_t(c[i * s.n + j]);
        for (int64_t p = 0; p < s.k; ++p)
          acc += uint32_t(int32_t(a[i * s.k + p]) * int32_t(b[j * s.k + p]));
        want[i * s.n + j] = int32_t(acc);
      }
    rotq_ukernel_matmul_tb_i8i8i32(a.data(), a.data(), 0, s.m, s.k, s.k, 1,
                                   b.data(), b.data(), 0, s.n, s.k, s.k, 1,
                                   c.data(), c.data(), 0, s.m, s.n, s.n, 1);
    EXPECT_EQ(c, want) << s.m << "x" << s.n << "x" << s.k;
  }
}

TEST(CpuUkernels, EmptyShapesDoNothing) {
  float a[4] = {1, 2, 3, 4}, c[4] = {5, 6, 7, 8};
  rotq_ukernel_matmul_tb_f32(a, a, 0, 2, 0, 0, 1, a, a, 0, 2, 0, 0, 1, c, c, 0,
                             2, 2, 2, 1);
  EXPECT_EQ(c[0], 5);
  EXPECT_EQ(c[3], 8);
  EXPECT_GE(rotq_ukernel_num_threads(), 1);
}

} // namespace
