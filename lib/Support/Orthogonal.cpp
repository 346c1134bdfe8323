//===- Orthogonal.cpp - random orthogonal matrices ------------------------===//
#include "rotq/Support/Orthogonal.h"

#include "rotq/Support/Random.h"

#include <algorithm>
#include <cassert>
#include <cmath>

std::vector<double> rotq::randomOrthogonal(int64_t n, uint64_t seed) {
  Random rng(seed * 0xD1B54A32D192ED03ULL + 7);
  std::vector<double> a(n * n);
  for (double &v : a)
    v = rng.normal();
  // Modified Gram-Schmidt on the columns, twice for float64 accuracy; the
  // column signs follow R's positive diagonal (Haar measure).
  std::vector<double> q = a;
  for (int pass = 0; pass < 2; ++pass)
    for (int64_t j = 0; j < n; ++j) {
      for (int64_t i = 0; i < j; ++i) {
        double dot = 0;
        for (int64_t r = 0; r < n; ++r)
          dot += q[r * n + i] * q[r * n + j];
        for (int64_t r = 0; r < n; ++r)
          q[r * n + j] -= dot * q[r * n + i];
      }
      double norm = 0;
      for (int64_t r = 0; r < n; ++r)
        norm += q[r * n + j] * q[r * n + j];
      norm = std::sqrt(norm);
      for (int64_t r = 0; r < n; ++r)
        q[r * n + j] /= norm;
    }
  return q;
}

double rotq::orthogonalityError(const std::vector<double> &q,
                                      int64_t n) {
  double worst = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i; j < n; ++j) {
      double dot = 0;
      for (int64_t r = 0; r < n; ++r)
        dot += q[r * n + i] * q[r * n + j];
      worst = std::max(worst, std::abs(dot - (i == j ? 1.0 : 0.0)));
    }
  return worst;
}
