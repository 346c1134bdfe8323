//===- OutputMetricTest.cpp - eigenpairs and the output-error clip search -===//
//
// References written here independently: reconstruction A = V^T L V for
// the eigensolvers, the dense quadratic form e^T H e for the metric, and a
// brute-force search over the ratio grid with that dense form.
//
//===----------------------------------------------------------------------===//
#include "rotq/Support/Quantizer.h"
#include "rotq/Support/Random.h"
#include "rotq/Support/SymmetricEigen.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace rotq;

namespace {
/// diag(d) + sum_k l_k u_k u_k^T, the u_k orthonormal and supported on
/// every fourth coordinate, where d is 0, and l_k = big * (k + 1) above
/// every d: the shape of second moments with a few massive channels mixed
/// by a rotation among themselves. Its leading eigenpairs are (l_k, u_k)
/// and the rest is diagonal, so the metric of that rank is exact.
std::vector<double> plantedMoments(int64_t n, int rank, double big,
                                   uint64_t seed) {
  Random rng(seed);
  std::vector<double> h(n * n, 0.0);
  for (int64_t i = 0; i < n; ++i)
    h[i * n + i] = i % 4 == 0 ? 0.0 : 0.5 + rng.uniform();
  std::vector<std::vector<double>> u;
  for (int k = 0; k < rank; ++k) {
    std::vector<double> v(n, 0.0);
    for (int64_t i = 0; i < n; i += 4)
      v[i] = rng.normal();
    for (const std::vector<double> &w : u) {
      double dot = 0;
      for (int64_t i = 0; i < n; ++i)
        dot += v[i] * w[i];
      for (int64_t i = 0; i < n; ++i)
        v[i] -= dot * w[i];
    }
    double norm = 0;
    for (double x : v)
      norm += x * x;
    for (double &x : v)
      x /= std::sqrt(norm);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j)
        h[i * n + j] += big * (k + 1) * v[i] * v[j];
    u.push_back(v);
  }
  return h;
}

double denseForm(const std::vector<double> &h, const std::vector<double> &e,
                 int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      s += e[i] * h[i * n + j] * e[j];
  return s;
}

TEST(SymmetricEigen, JacobiReconstructs) {
  int64_t n = 17;
  Random rng(3);
  std::vector<double> a(n * n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j <= i; ++j)
      a[i * n + j] = a[j * n + i] = rng.normal();
  eigen::Pairs p = eigen::jacobi(a, n);
  ASSERT_EQ(p.values.size(), size_t(n));
  for (int64_t i = 1; i < n; ++i)
    EXPECT_GE(p.values[i - 1], p.values[i]);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double s = 0, dot = 0;
      for (int64_t k = 0; k < n; ++k) {
        s += p.values[k] * p.vectors[k * n + i] * p.vectors[k * n + j];
        dot += p.vectors[i * n + k] * p.vectors[j * n + k];
      }
      EXPECT_NEAR(s, a[i * n + j], 1e-12);
      EXPECT_NEAR(dot, i == j ? 1.0 : 0.0, 1e-12);
    }
}

TEST(SymmetricEigen, LeadingMatchesJacobi) {
  int64_t n = 160;
  std::vector<double> h = plantedMoments(n, 5, 400.0, 11);
  eigen::Pairs all = eigen::jacobi(h, n);
  eigen::Pairs top = eigen::leading(h, n, 4);
  ASSERT_EQ(top.values.size(), 4u);
  for (int k = 0; k < 4; ++k) {
    EXPECT_NEAR(top.values[k], all.values[k], 1e-8 * all.values[0]);
    double dot = 0;
    for (int64_t i = 0; i < n; ++i)
      dot += top.vectors[k * n + i] * all.vectors[k * n + i];
    EXPECT_NEAR(std::fabs(dot), 1.0, 1e-8);
  }
}

TEST(OutputMetric, ExactWhenTheRestIsDiagonal) {
  // The metric of rank 3 is H itself.
  int64_t n = 96;
  std::vector<double> h = plantedMoments(n, 3, 1000.0, 5);
  quant::OutputMetric m = quant::OutputMetric::fromSecondMoments(h, n, 3);
  ASSERT_EQ(m.rank, 3);
  Random rng(9);
  std::vector<double> e(n);
  for (int t = 0; t < 20; ++t) {
    for (double &x : e)
      x = rng.normal();
    double want = denseForm(h, e, n);
    EXPECT_NEAR(m.error(e.data(), 0, n), want, 1e-9 * want);
  }
  // Restricted to a group: the dense form over that block of H.
  int64_t b = 32, len = 32;
  std::vector<double> hb(len * len), eb(e.begin() + b, e.begin() + b + len);
  for (int64_t i = 0; i < len; ++i)
    for (int64_t j = 0; j < len; ++j)
      hb[i * len + j] = h[(b + i) * n + b + j];
  double want = denseForm(hb, eb, len);
  EXPECT_NEAR(m.error(eb.data(), b, len), want, 1e-9 * want);
  // The attribute layout round-trips.
  std::vector<double> rows = m.toRows();
  quant::OutputMetric back = quant::OutputMetric::fromRows(rows.data(), 3, n);
  EXPECT_EQ(back.diag, m.diag);
  EXPECT_EQ(back.dirs, m.dirs);
}

TEST(OutputMetric, ProtectedDirectionsLeaveTheRest) {
  // With the 3 planted directions exact, protecting 2 of them: unit
  // vectors along the two largest, and a metric that is H minus their
  // energy, (I - U^T U) H (I - U^T U) for eigenvectors U.
  int64_t n = 64;
  std::vector<double> h = plantedMoments(n, 3, 1000.0, 7);
  quant::OutputMetric m = quant::OutputMetric::fromSecondMoments(h, n, 3);
  std::vector<double> u = m.unitDirections(2);
  quant::OutputMetric rest = m.withoutLeading(2);
  ASSERT_EQ(rest.rank, 1);
  for (int64_t d = 0; d < 2; ++d) {
    double norm = 0, along = 0;
    for (int64_t j = 0; j < n; ++j) {
      norm += u[d * n + j] * u[d * n + j];
      along += u[d * n + j] * m.dirs[d * n + j];
    }
    EXPECT_NEAR(norm, 1.0, 1e-12);
    // Parallel to the scaled direction: |u . v| = |v|.
    double vn = 0;
    for (int64_t j = 0; j < n; ++j)
      vn += m.dirs[d * n + j] * m.dirs[d * n + j];
    EXPECT_NEAR(std::abs(along), std::sqrt(vn), 1e-9 * std::sqrt(vn));
  }
  // e^T H' e with H' = H - sum_d lambda_d u_d u_d^T, densely.
  std::vector<double> hp(h);
  for (int64_t d = 0; d < 2; ++d)
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j)
        hp[i * n + j] -= m.dirs[d * n + i] * m.dirs[d * n + j];
  Random rng(3);
  std::vector<double> e(n);
  for (int t = 0; t < 10; ++t) {
    for (double &x : e)
      x = rng.normal();
    double want = denseForm(hp, e, n);
    EXPECT_NEAR(rest.error(e.data(), 0, n), want, 1e-6 * want);
  }
}

TEST(OutputMetric, SearchIsTheDenseArgmin) {
  // Brute force over the ratio grid with e^T H e, per row and per group.
  int64_t rows = 12, cols = 64;
  std::vector<double> h = plantedMoments(cols, 2, 5000.0, 21);
  quant::OutputMetric m = quant::OutputMetric::fromSecondMoments(h, cols, 2);
  Random rng(4);
  std::vector<double> w(rows * cols);
  for (double &x : w)
    x = rng.normal() * (rng.uniform() < 0.05 ? 6.0 : 1.0);
  for (int64_t group : {int64_t(0), int64_t(16)})
    for (bool sym : {true, false})
      for (double minRatio : {0.8, 0.3}) {
        quant::Params p{4, sym, group, 1.0};
        std::vector<double> got =
            quant::searchClip(w, rows, cols, p, m, 100, minRatio);
        int64_t g = group ? group : cols, groups = cols / g;
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t k = 0; k < groups; ++k) {
            const double *x = &w[r * cols + k * g];
            double best = INFINITY, bestRatio = 1.0;
            for (int i = 0; 1.0 - i / 100.0 >= minRatio - 1e-12; ++i) {
              double c = 1.0 - i / 100.0;
              quant::Scale s = quant::chooseScale(x, g, p, c);
              std::vector<double> e(cols, 0.0);
              for (int64_t j = 0; j < g; ++j)
                e[k * g + j] =
                    quant::dequantizeValue(quant::quantizeValue(x[j], s, 4),
                                           s) -
                    x[j];
              double err = denseForm(h, e, cols);
              if (err < best * (1 - 1e-9)) {
                best = err;
                bestRatio = c;
              }
            }
            EXPECT_EQ(got[r * groups + k], bestRatio)
                << "row " << r << " group " << k << " sym " << sym;
          }
      }
}

TEST(OutputMetric, MassiveChannelBeatsTheWeightObjective) {
  // One input channel carries most of the energy: the output objective's
  // clips give a smaller output error than the weight objective's.
  int64_t rows = 64, cols = 128;
  std::vector<double> h(cols * cols, 0.0);
  for (int64_t i = 0; i < cols; ++i)
    h[i * cols + i] = 1.0;
  h[5 * cols + 5] = 2000.0;
  Random rng(8);
  std::vector<double> w(rows * cols);
  for (double &x : w)
    x = rng.normal();
  quant::Params p{4, true, 0, 1.0};
  quant::OutputMetric m = quant::OutputMetric::fromSecondMoments(h, cols, 1);
  auto outputError = [&](const std::vector<double> &clip) {
    std::vector<float> d = quant::dequantize(quant::quantize(w, rows, cols, p,
                                                             clip));
    double s = 0;
    for (int64_t r = 0; r < rows; ++r) {
      std::vector<double> e(cols);
      for (int64_t j = 0; j < cols; ++j)
        e[j] = double(d[r * cols + j]) - w[r * cols + j];
      s += denseForm(h, e, cols);
    }
    return s;
  };
  double weight = outputError(quant::searchClip(w, rows, cols, p, 100, 0.5));
  double output = outputError(quant::searchClip(w, rows, cols, p, m, 100, 0.5));
  EXPECT_LT(output, 0.8 * weight);
}
} // namespace

namespace {
TEST(OutputMetric, NonFiniteGroupsKeepRatioOne) {
  // Infinite errors never win, so the first ratio stays (as NaN rows do).
  int64_t cols = 8;
  std::vector<double> h(cols * cols, 0.0);
  for (int64_t i = 0; i < cols; ++i)
    h[i * cols + i] = 1.0;
  quant::OutputMetric m = quant::OutputMetric::fromSecondMoments(h, cols, 1);
  std::vector<double> w = {1, -2, 0.5, INFINITY, 3, 0.1, -0.7, 2};
  quant::Params p{4, true, 0, 1.0};
  EXPECT_EQ(quant::searchClip(w, 1, cols, p, m, 100, 0.5)[0], 1.0);
}
} // namespace

namespace {
TEST(OutputMetric, RefinedRoundingLowersTheDenseError) {
  // Against the dense form: never higher than nearest rounding, much lower
  // along a planted massive direction, codes in range, scales unchanged.
  int64_t rows = 16, cols = 96;
  std::vector<double> h = plantedMoments(cols, 2, 3000.0, 31);
  quant::OutputMetric m = quant::OutputMetric::fromSecondMoments(h, cols, 2);
  Random rng(12);
  std::vector<double> w(rows * cols);
  for (double &x : w)
    x = rng.normal();
  for (bool sym : {true, false})
    for (int64_t group : {int64_t(0), int64_t(32)}) {
      quant::Params p{4, sym, group, 1.0};
      quant::Quantized q = quant::quantize(
          w, rows, cols, p, quant::searchClip(w, rows, cols, p, m, 100, 0.5));
      quant::Quantized r = q;
      double before = 0, after = 0;
      for (int64_t row = 0; row < rows; ++row) {
        std::vector<quant::Scale> s(q.groups);
        for (int64_t k = 0; k < q.groups; ++k)
          s[k] = {q.scales[row * q.groups + k],
                  sym ? int8_t(0) : q.zeroPoints[row * q.groups + k]};
        quant::refineRounding(&w[row * cols], cols, p, s.data(),
                              &r.codes[row * cols], m);
        std::vector<float> dq = quant::dequantize(q), dr = quant::dequantize(r);
        std::vector<double> eq(cols), er(cols);
        for (int64_t j = 0; j < cols; ++j) {
          eq[j] = dq[row * cols + j] - w[row * cols + j];
          er[j] = dr[row * cols + j] - w[row * cols + j];
          EXPECT_GE(r.codes[row * cols + j], -8);
          EXPECT_LE(r.codes[row * cols + j], 7);
        }
        double b = denseForm(h, eq, cols), a = denseForm(h, er, cols);
        EXPECT_LE(a, b * (1 + 1e-12)) << "row " << row;
        before += b;
        after += a;
      }
      EXPECT_LT(after, 0.5 * before) << "sym " << sym << " group " << group;
    }
}
} // namespace
