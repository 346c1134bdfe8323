//===- HadamardTest.cpp - Hadamard library tests --------------------------===//
#include "rotq/Support/Hadamard.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace rotq::hadamard;

namespace {

/// Exact H H^T == n I in integer arithmetic (O(n^3); small n only).
void expectExactHadamard(const std::vector<int8_t> &h, int64_t n) {
  ASSERT_EQ(static_cast<int64_t>(h.size()), n * n);
  for (int8_t v : h)
    ASSERT_TRUE(v == 1 || v == -1);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      int64_t dot = 0;
      for (int64_t k = 0; k < n; ++k)
        dot += int64_t(h[i * n + k]) * h[j * n + k];
      ASSERT_EQ(dot, i == j ? n : 0) << "order " << n << " rows " << i << ","
                                     << j;
    }
}

/// H H^T v == n v for random integer vectors v, in exact int64 arithmetic
/// (Freivalds). If H H^T != n I, one random v with entries uniform in
/// [0, 2^20) passes with probability at most 2^-20; three are used.
void expectFreivaldsHadamard(const std::vector<int8_t> &h, int64_t n,
                             unsigned seed) {
  ASSERT_EQ(static_cast<int64_t>(h.size()), n * n);
  std::mt19937_64 rng(seed);
  std::vector<int64_t> v(n), t(n, 0), u(n, 0);
  for (int trial = 0; trial < 3; ++trial) {
    for (auto &x : v)
      x = static_cast<int64_t>(rng() & ((1 << 20) - 1));
    std::fill(t.begin(), t.end(), 0);
    for (int64_t i = 0; i < n; ++i) { // t = H^T v
      const int8_t *row = &h[i * n];
      int64_t vi = v[i];
      for (int64_t j = 0; j < n; ++j)
        t[j] += row[j] * vi;
    }
    for (int64_t i = 0; i < n; ++i) { // u = H t
      const int8_t *row = &h[i * n];
      int64_t s = 0;
      for (int64_t j = 0; j < n; ++j)
        s += row[j] * t[j];
      u[i] = s;
    }
    for (int64_t i = 0; i < n; ++i)
      ASSERT_EQ(u[i], n * v[i]) << "order " << n << " index " << i;
  }
}

class SmallOrders : public ::testing::TestWithParam<int64_t> {};
TEST_P(SmallOrders, ExactlyHadamard) {
  int64_t n = GetParam();
  ASSERT_TRUE(hasHadamard(n)) << factorize(n).str();
  expectExactHadamard(hadamardSignMatrix(n), n);
}
INSTANTIATE_TEST_SUITE_P(Hadamard, SmallOrders,
                         ::testing::Values(1, 2, 4, 8, 12, 20, 24, 28, 36, 40,
                                           44, 52, 60, 76, 108, 140, 148, 156,
                                           344, 896));

class LlmDims : public ::testing::TestWithParam<int64_t> {};
TEST_P(LlmDims, HadamardByFreivaldsAndFactors) {
  int64_t n = GetParam();
  Factorization f = factorize(n);
  ASSERT_TRUE(f.isHadamard()) << f.str();
  int64_t product = int64_t(1) << f.log2Sylvester;
  for (const Factor &fac : f.factors) {
    expectExactHadamard(factorSignMatrix(fac), fac.order);
    product *= fac.order;
  }
  EXPECT_EQ(product, n);
  expectFreivaldsHadamard(hadamardSignMatrix(n), n, static_cast<unsigned>(n));
}
INSTANTIATE_TEST_SUITE_P(Hadamard, LlmDims,
                         ::testing::Values(4096, 5120, 11008, 13824, 14336,
                                           28672, 18944, 29568, 4864, 10944,
                                           3584, 1536, 8960, 12288, 896));

// Factorizations worked out by hand: n = K * 2^m with the cheapest K.
TEST(Factorize, KnownOrders) {
  EXPECT_EQ(factorize(4096).str(), "4096 = 2^12");
  EXPECT_EQ(factorize(5120).str(), "5120 = 20 (Paley I, q=19) x 2^8");
  EXPECT_EQ(factorize(11008).str(), "11008 = 344 (Paley I, q=343=7^3) x 2^5");
  EXPECT_EQ(factorize(18944).str(), "18944 = 148 (Paley II, q=73) x 2^7");
  EXPECT_EQ(factorize(4864).str(), "4864 = 76 (Paley II, q=37) x 2^6");
  EXPECT_EQ(factorize(14336).str(), "14336 = 28 (Paley I, q=27=3^3) x 2^9");
  // Three 12s (cost 36 + 3) beat 108 x 2^7 (cost 115).
  EXPECT_EQ(factorize(13824).str(),
            "13824 = 12 (Paley I, q=11) x 12 (Paley I, q=11) x 12 (Paley I, "
            "q=11) x 2^3");
  EXPECT_EQ(factorize(29568).str(),
            "29568 = 12 (Paley I, q=11) x 28 (Paley I, q=27=3^3) x 44 (Paley "
            "I, q=43) x 2^1");
  EXPECT_EQ(factorize(10944).str(),
            "10944 = 12 (Paley I, q=11) x 12 (Paley I, q=11) x 76 (Paley II, "
            "q=37)");
  EXPECT_EQ(factorize(52).str(), "52 = 52 (Paley II, q=25=5^2)");
  EXPECT_EQ(factorize(156).str(), "156 = 156 (Goethals-Seidel, 4*39)");
  EXPECT_EQ(factorize(1).str(), "1 = 2^0");
}

TEST(Factorize, CostIsMinimalOverAlternatives) {
  // 29568 = 924 (Paley II, q=461) x 2^5 also exists; it costs 929 > 85.
  EXPECT_EQ(factorize(29568).onlineCost(), 12 + 28 + 44 + 1);
  EXPECT_EQ(factorize(13824).onlineCost(), 3 * 12 + 3);
}

TEST(Fallback, DocumentedOrders) {
  EXPECT_EQ(factorize(13696).str(), "13696 = DCT-II(107) x 2^7");
  EXPECT_EQ(factorize(5).str(), "5 = DCT-II(5)");
  EXPECT_EQ(factorize(10).str(), "10 = DCT-II(5) x 2^1");
  EXPECT_EQ(factorize(14).str(), "14 = DCT-II(7) x 2^1");
  EXPECT_FALSE(factorize(13696).isHadamard());
  EXPECT_FALSE(hasHadamard(10));
}

// The fallback is orthogonal: M M^T = I to float64 rounding.
class FallbackOrders : public ::testing::TestWithParam<int64_t> {};
TEST_P(FallbackOrders, Orthogonal) {
  int64_t n = GetParam();
  std::vector<double> m = normalizedMatrix(n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double dot = 0;
      for (int64_t k = 0; k < n; ++k)
        dot += m[i * n + k] * m[j * n + k];
      ASSERT_NEAR(dot, i == j ? 1.0 : 0.0, 1e-12) << n;
    }
}
INSTANTIATE_TEST_SUITE_P(Hadamard, FallbackOrders,
                         ::testing::Values(3, 5, 6, 10, 14, 22, 428));

TEST(NormalizedMatrix, MatchesSignMatrixOverSqrtN) {
  for (int64_t n : {12, 40, 52, 156, 344}) {
    std::vector<int8_t> h = hadamardSignMatrix(n);
    std::vector<double> m = normalizedMatrix(n);
    for (int64_t i = 0; i < n * n; ++i)
      ASSERT_NEAR(m[i], h[i] / std::sqrt(double(n)), 1e-15) << n;
  }
}

TEST(NormalizedRows, MatchesDenseMatrix) {
  for (int64_t n : {1, 10, 48, 156, 344, 896}) {
    std::vector<double> m = normalizedMatrix(n);
    std::vector<double> rows = normalizedRows(n, n / 3, n);
    for (int64_t i = 0; i < (n - n / 3) * n; ++i)
      ASSERT_DOUBLE_EQ(rows[i], m[(n / 3) * n + i]) << n;
  }
}

TEST(Symmetry, PowersOfTwoAndPaleyII) {
  EXPECT_TRUE(isSymmetric(1024));
  EXPECT_TRUE(isSymmetric(148 * 4)); // Paley II is symmetric
  EXPECT_FALSE(isSymmetric(12));     // Paley I is not
  EXPECT_FALSE(isSymmetric(10));     // DCT is not
}

} // namespace

// The fast row transform agrees with the dense product by M_n and M_n^T,
// for pure Sylvester, Paley, several-factor and fallback orders.
TEST(Hadamard, ApplyToRowsMatchesDenseMatrix) {
  for (int64_t n : {1, 2, 8, 12, 20, 40, 96, 10, 14, 336, 640}) {
    std::vector<double> m = rotq::hadamard::normalizedMatrix(n);
    const int64_t rows = 3;
    std::vector<double> x(rows * n);
    for (size_t i = 0; i < x.size(); ++i)
      x[i] = std::sin(0.37 * double(i) + 1.0) + (i % 7 == 0 ? 20.0 : 0.0);
    for (bool tr : {false, true}) {
      std::vector<double> y = x;
      rotq::hadamard::applyToRows(n, y.data(), rows, tr);
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t j = 0; j < n; ++j) {
          double ref = 0;
          for (int64_t i = 0; i < n; ++i)
            ref += x[r * n + i] * (tr ? m[j * n + i] : m[i * n + j]);
          ASSERT_NEAR(y[r * n + j], ref, 1e-11) << "n=" << n << " tr=" << tr;
        }
    }
  }
}
