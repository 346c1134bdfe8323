//===- SymmetricEigen.cpp - eigenpairs of symmetric matrices --------------===//
#include "rotq/Support/SymmetricEigen.h"

#include "rotq/Support/Axpy.h"

#include "rotq/Support/Random.h"

#include <algorithm>
#include <cmath>
#include <numeric>

using namespace rotq;

eigen::Pairs eigen::jacobi(const std::vector<double> &in, int64_t n) {
  std::vector<double> a = in, v(n * n, 0.0);
  for (int64_t i = 0; i < n; ++i)
    v[i * n + i] = 1.0;
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0, total = 0;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j)
        (i == j ? total : off) += a[i * n + j] * a[i * n + j];
    if (off <= 1e-30 * (total + off) || off == 0)
      break;
    for (int64_t p = 0; p < n; ++p)
      for (int64_t q = p + 1; q < n; ++q) {
        double apq = a[p * n + q];
        if (apq == 0)
          continue;
        // The rotation that zeroes a[p][q] (Golub & Van Loan, 8.5.2).
        double theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        double t = (theta >= 0 ? 1.0 : -1.0) /
                   (std::fabs(theta) + std::sqrt(theta * theta + 1));
        double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (int64_t k = 0; k < n; ++k) { // columns p, q
          double akp = a[k * n + p], akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (int64_t k = 0; k < n; ++k) { // rows p, q
          double apk = a[p * n + k], aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (int64_t k = 0; k < n; ++k) { // eigenvectors are v's columns
          double vkp = v[k * n + p], vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) {
    return a[x * n + x] > a[y * n + y];
  });
  Pairs out;
  for (int64_t i : order) {
    out.values.push_back(a[i * n + i]);
    for (int64_t k = 0; k < n; ++k)
      out.vectors.push_back(v[k * n + i]);
  }
  return out;
}

namespace {
/// Orthonormalizes the m rows of length n of `q` (modified Gram-Schmidt,
/// twice); a row that vanishes is replaced by a fresh random one.
void orthonormalize(std::vector<double> &q, int64_t m, int64_t n,
                    Random &rng) {
  for (int64_t i = 0; i < m; ++i) {
    double *qi = &q[i * n];
    for (int attempt = 0;; ++attempt) {
      double before = 0;
      for (int64_t r = 0; r < n; ++r)
        before += qi[r] * qi[r];
      for (int pass = 0; pass < 2; ++pass)
        for (int64_t j = 0; j < i; ++j) {
          const double *qj = &q[j * n];
          double dot = 0;
          for (int64_t r = 0; r < n; ++r)
            dot += qi[r] * qj[r];
          for (int64_t r = 0; r < n; ++r)
            qi[r] -= dot * qj[r];
        }
      double norm = 0;
      for (int64_t r = 0; r < n; ++r)
        norm += qi[r] * qi[r];
      if (norm > 1e-20 * before && norm > 0) {
        norm = 1 / std::sqrt(norm);
        for (int64_t r = 0; r < n; ++r)
          qi[r] *= norm;
        break;
      }
      for (int64_t r = 0; r < n; ++r)
        qi[r] = rng.normal();
    }
  }
}

/// y = q a (a symmetric): m rows of length n. Row r of `a` is read once
/// for all m rows of y (it stays in cache; `a` itself may not), and each
/// y[i][c] still sums over r in order.
void multiply(const std::vector<double> &a, const std::vector<double> &q,
              std::vector<double> &y, int64_t m, int64_t n) {
  y.assign(m * n, 0.0);
  for (int64_t r = 0; r < n; ++r)
    for (int64_t i = 0; i < m; ++i) {
      double s = q[i * n + r];
      if (s == 0)
        continue;
      axpy(&y[i * n], &a[r * n], s, n);
    }
}
} // namespace

eigen::Pairs eigen::leading(const std::vector<double> &a, int64_t n,
                            int64_t k, double tol, int maxIterations) {
  k = std::min(k, n);
  int64_t m = std::min(n, k + std::max<int64_t>(4, k / 2));
  Pairs out;
  if (k <= 0)
    return out;
  if (n <= 2 * m) {
    Pairs all = jacobi(a, n);
    out.values.assign(all.values.begin(), all.values.begin() + k);
    out.vectors.assign(all.vectors.begin(), all.vectors.begin() + k * n);
    return out;
  }
  Random rng(0x5eed0f51ULL + uint64_t(n));
  std::vector<double> q(m * n), y, t(m * m), ritz(m * n), ay(m * n);
  for (double &v : q)
    v = rng.normal();
  orthonormalize(q, m, n, rng);
  Pairs small;
  for (int it = 0; it < maxIterations; ++it) {
    multiply(a, q, y, m, n); // rows of y = A q_i
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < m; ++j) {
        double s = 0;
        for (int64_t r = 0; r < n; ++r)
          s += q[i * n + r] * y[j * n + r];
        t[i * m + j] = s;
      }
    for (int64_t i = 0; i < m; ++i) // symmetrize rounding
      for (int64_t j = 0; j < i; ++j)
        t[i * m + j] = t[j * m + i] = 0.5 * (t[i * m + j] + t[j * m + i]);
    small = jacobi(t, m);
    // Ritz vectors u_i = sum_j V[j][i] q_j and A u_i likewise from y.
    std::fill(ritz.begin(), ritz.end(), 0.0);
    std::fill(ay.begin(), ay.end(), 0.0);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < m; ++j) {
        double c = small.vectors[i * m + j];
        for (int64_t r = 0; r < n; ++r) {
          ritz[i * n + r] += c * q[j * n + r];
          ay[i * n + r] += c * y[j * n + r];
        }
      }
    double worst = 0, scale = std::max(std::fabs(small.values[0]), 1e-300);
    for (int64_t i = 0; i < k; ++i) {
      double res = 0;
      for (int64_t r = 0; r < n; ++r) {
        double d = ay[i * n + r] - small.values[i] * ritz[i * n + r];
        res += d * d;
      }
      worst = std::max(worst, std::sqrt(res) / scale);
    }
    if (worst <= tol || it + 1 == maxIterations) {
      q = ritz;
      break;
    }
    q = ay;
    orthonormalize(q, m, n, rng);
  }
  out.values.assign(small.values.begin(), small.values.begin() + k);
  out.vectors.assign(q.begin(), q.begin() + k * n);
  return out;
}
