//===- GaloisFieldTest.cpp - GF(p^k) tests --------------------------------===//
#include "rotq/Support/GaloisField.h"

#include <gtest/gtest.h>

#include <set>

using namespace rotq;

TEST(PrimePower, Decomposition) {
  EXPECT_EQ(primePowerDecomposition(343), std::make_pair(int64_t(7), int64_t(3)));
  EXPECT_EQ(primePowerDecomposition(2), std::make_pair(int64_t(2), int64_t(1)));
  EXPECT_EQ(primePowerDecomposition(73), std::make_pair(int64_t(73), int64_t(1)));
  EXPECT_FALSE(primePowerDecomposition(77));
  EXPECT_FALSE(primePowerDecomposition(1));
  EXPECT_FALSE(primePowerDecomposition(12));
}

class Fields : public ::testing::TestWithParam<std::pair<int, int>> {};

// Field axioms checked exhaustively: a finite commutative ring with no zero
// divisors is a field, so these checks catch a reducible modulus.
TEST_P(Fields, AxiomsAndSquares) {
  auto [p, k] = GetParam();
  GaloisField f(p, k);
  int64_t q = f.order();
  for (int64_t a = 0; a < q; ++a) {
    EXPECT_EQ(f.add(a, 0), a);
    EXPECT_EQ(f.mul(a, 1), a);
    EXPECT_EQ(f.add(f.sub(0, a), a), 0);
    std::set<int64_t> products;
    for (int64_t b = 0; b < q; ++b) {
      ASSERT_EQ(f.mul(a, b), f.mul(b, a));
      ASSERT_EQ(f.add(a, b), f.add(b, a));
      products.insert(f.mul(a, b));
    }
    // Multiplication by a non-zero element is a bijection (no zero divisors).
    EXPECT_EQ(static_cast<int64_t>(products.size()), a == 0 ? 1 : q);
  }
  for (int64_t a = 1; a < std::min<int64_t>(q, 40); ++a)
    for (int64_t b = 1; b < std::min<int64_t>(q, 40); ++b)
      for (int64_t c = 0; c < std::min<int64_t>(q, 40); ++c)
        ASSERT_EQ(f.mul(a, f.add(b, c)), f.add(f.mul(a, b), f.mul(a, c)));
  int squares = 0;
  for (int64_t a = 1; a < q; ++a)
    squares += f.quadraticCharacter(a) == 1;
  // Squaring is a bijection in characteristic 2, two-to-one otherwise.
  EXPECT_EQ(squares, p == 2 ? q - 1 : (q - 1) / 2);
  EXPECT_EQ(f.quadraticCharacter(0), 0);
}

INSTANTIATE_TEST_SUITE_P(GF, Fields,
                         ::testing::Values(std::make_pair(2, 1),
                                           std::make_pair(11, 1),
                                           std::make_pair(3, 2),
                                           std::make_pair(3, 3),
                                           std::make_pair(5, 2),
                                           std::make_pair(2, 4),
                                           std::make_pair(7, 3)));
