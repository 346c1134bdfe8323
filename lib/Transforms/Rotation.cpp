//===- Rotation.cpp - orthogonal matrices applied to weights --------------===//
#include "Rotation.h"

#include "rotq/Support/Hadamard.h"
#include "rotq/Support/Random.h"

#include <cassert>
#include <cmath>

using namespace mlir::rotq;

Rotation Rotation::hadamard(int64_t n, std::vector<double> signs) {
  Rotation r;
  r.n = n;
  r.signs = std::move(signs);
  r.factors.push_back({Kind::Hadamard, n, {}});
  return r;
}

Rotation Rotation::dense(int64_t n, std::vector<double> matrix) {
  Rotation r;
  r.n = n;
  r.factors.push_back({Kind::Dense, n, std::move(matrix)});
  return r;
}

Rotation Rotation::identity(int64_t n) {
  Rotation r;
  r.n = n;
  r.factors.push_back({Kind::Identity, n, {}});
  return r;
}

Rotation Rotation::kron(const Rotation &a, const Rotation &b) {
  Rotation r;
  r.n = a.n * b.n;
  if (!a.signs.empty() || !b.signs.empty()) {
    r.signs.resize(r.n);
    for (int64_t i = 0; i < a.n; ++i)
      for (int64_t j = 0; j < b.n; ++j)
        r.signs[i * b.n + j] = (a.signs.empty() ? 1.0 : a.signs[i]) *
                               (b.signs.empty() ? 1.0 : b.signs[j]);
  }
  r.factors = a.factors;
  r.factors.insert(r.factors.end(), b.factors.begin(), b.factors.end());
  return r;
}

void Rotation::applyRows(double *rows, int64_t count, bool transpose) const {
  auto applySigns = [&] {
    if (!signs.empty())
      for (int64_t r = 0; r < count; ++r)
        for (int64_t i = 0; i < n; ++i)
          rows[r * n + i] *= signs[i];
  };
  // x diag(s) F  or  x F^T diag(s); the Kronecker factors act on separate
  // axes of each row viewed as [k_1, ..., k_r], so they commute and can be
  // applied one factor at a time to all rows.
  if (!transpose)
    applySigns();
  std::vector<double> fibers;
  int64_t outer = 1;
  for (const Factor &f : factors) {
    int64_t k = f.k, stride = n / (outer * k);
    if (f.kind == Kind::Dense) {
      for (int64_t r = 0; r < count; ++r)
        ::rotq::hadamard::applyAlongAxis(rows + r * n, n, outer, k,
                                         f.m.data(), transpose);
    } else if (f.kind == Kind::Hadamard && outer == 1 && stride == 1) {
      ::rotq::hadamard::applyToRows(k, rows, count, transpose);
    } else if (f.kind == Kind::Hadamard) {
      // The fast transform works on contiguous rows: gather every fiber of
      // every row, transform them in one call, scatter back.
      int64_t perRow = outer * stride;
      fibers.resize(count * perRow * k);
      auto each = [&](auto &&visit) {
        double *fiber = fibers.data();
        for (int64_t r = 0; r < count; ++r)
          for (int64_t o = 0; o < outer; ++o)
            for (int64_t s = 0; s < stride; ++s, fiber += k)
              visit(rows + r * n + o * k * stride + s, fiber);
      };
      each([&](double *base, double *fiber) {
        for (int64_t a = 0; a < k; ++a)
          fiber[a] = base[a * stride];
      });
      ::rotq::hadamard::applyToRows(k, fibers.data(), count * perRow,
                                    transpose);
      each([&](double *base, double *fiber) {
        for (int64_t a = 0; a < k; ++a)
          base[a * stride] = fiber[a];
      });
    }
    outer *= k;
  }
  if (transpose)
    applySigns();
}

void Rotation::rotateInputSide(std::vector<double> &w, int64_t rows) const {
  assert(int64_t(w.size()) == rows * n && "weight is not [rows, n]");
  applyRows(w.data(), rows);
}

void Rotation::rotateOutputSide(std::vector<double> &w, int64_t cols) const {
  assert(int64_t(w.size()) == n * cols && "weight is not [n, cols]");
  // Q^T W = (W^T Q)^T: rotate the rows of W^T.
  std::vector<double> t(w.size());
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < cols; ++j)
      t[j * n + i] = w[i * cols + j];
  applyRows(t.data(), cols);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < cols; ++j)
      w[i * cols + j] = t[j * n + i];
}

std::vector<double> mlir::rotq::randomOrthogonal(int64_t n, uint64_t seed) {
  ::rotq::Random rng(seed * 0xD1B54A32D192ED03ULL + 7);
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

double mlir::rotq::orthogonalityError(const std::vector<double> &q,
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
