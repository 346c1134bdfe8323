//===- QuantizerTest.cpp - offline weight quantizer, hand-worked cases ----===//
#include "rotq/Support/Quantizer.h"
#include "rotq/Support/Random.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace rotq::quant;

namespace {
TEST(Quantizer, SymmetricRowTiesToEvenAndClamps) {
  // max|x| = 7, qmax = 7: scale 1; 3.5 rounds to 4 (even), 2.5 to 2.
  Quantized q = quantize({1, -2, 3.5, 7, -7, 2.5}, 1, 6, {4, true, 0, 1.0});
  EXPECT_EQ(q.scales[0], 1.0f);
  EXPECT_EQ(q.codes, (std::vector<int8_t>{1, -2, 4, 7, -7, 2}));
  // clip 0.5: scale 0.5; 7 / 0.5 = 14 clamps to 7 and -14 to -8.
  Quantized c = quantize({1, -2, 3.5, 7, -7, 2.5}, 1, 6, {4, true, 0, 0.5});
  EXPECT_EQ(c.scales[0], 0.5f);
  EXPECT_EQ(c.codes, (std::vector<int8_t>{2, -4, 7, 7, -8, 5}));
}

TEST(Quantizer, AsymmetricZeroPointAndGroups) {
  // lo = 0, hi = 3, 2 bits: scale 1, zero point 0 - 2 = -2.
  Quantized q = quantize({0, 1, 2, 3}, 1, 4, {2, false, 0, 1.0});
  EXPECT_EQ(q.scales[0], 1.0f);
  EXPECT_EQ(q.zeroPoints[0], -2);
  EXPECT_EQ(q.codes, (std::vector<int8_t>{-2, -1, 0, 1}));
  EXPECT_EQ(dequantize(q), (std::vector<float>{0, 1, 2, 3}));
  // Two groups of 2 in each of two rows, 8-bit symmetric.
  Quantized g = quantize({1, 2, 10, 20, 0, 0, -4, 2}, 2, 4, {8, true, 2, 1.0});
  ASSERT_EQ(g.groups, 2);
  EXPECT_EQ(g.scales, (std::vector<float>{2.0f / 127, 20.0f / 127, 1.0f,
                                          4.0f / 127}));
  EXPECT_EQ(g.codes, (std::vector<int8_t>{64, 127, 64, 127, 0, 0, -127, 64}));
}

TEST(Quantizer, NonFiniteValues) {
  Quantized q = quantize({NAN, INFINITY, -INFINITY, 1.0}, 1, 4,
                         {4, true, 0, 1.0});
  EXPECT_EQ(q.scales[0], float(1.0 / 7));
  EXPECT_EQ(q.codes, (std::vector<int8_t>{0, 7, -8, 7}));
}

TEST(Quantizer, PackLowBitsFirst) {
  EXPECT_EQ(pack({1, -1, -8, 7}, 1, 4, 4),
            (std::vector<int8_t>{int8_t(0xF1), int8_t(0x78)}));
  EXPECT_EQ(pack({1, -1, -2, 0}, 1, 4, 2),
            (std::vector<int8_t>{int8_t(0x01 | 0x0C | 0x20)}));
}

TEST(Quantizer, ClipSearchNeverWorseAndShrinksGaussianRows) {
  rotq::Random rng(3);
  const int64_t rows = 16, cols = 128;
  std::vector<double> w(rows * cols);
  for (double &v : w)
    v = rng.normal();
  Params p{3, true, 0, 1.0};
  std::vector<double> clip = searchClip(w, rows, cols, p);
  auto err = [&](const Quantized &q) {
    std::vector<float> d = dequantize(q);
    double e = 0;
    for (size_t i = 0; i < w.size(); ++i)
      e += (d[i] - w[i]) * (d[i] - w[i]);
    return e;
  };
  double plain = err(quantize(w, rows, cols, p));
  double searched = err(quantize(w, rows, cols, p, clip));
  EXPECT_LT(searched, plain);
  int shrunk = 0;
  for (double c : clip) {
    EXPECT_GE(c, 0.8 - 1e-12);
    EXPECT_LE(c, 1.0);
    shrunk += c < 1.0;
  }
  EXPECT_GT(shrunk, rows / 2); // 3-bit Gaussian rows prefer clipping
}
} // namespace
