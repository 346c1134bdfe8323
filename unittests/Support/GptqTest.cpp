//===- GptqTest.cpp - GPTQ against RTN and an unblocked OBS reference -----===//
#include "rotq/Support/Gptq.h"
#include "rotq/Support/Random.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace rotq;

namespace {
struct Layer {
  int64_t rows, cols;
  std::vector<double> w, h;
};

/// Inputs with correlated channels and a few large ones (what GPTQ exploits:
/// errors can be compensated through correlated columns), Gaussian weights.
Layer makeLayer(int64_t rows, int64_t cols, int64_t tokens, uint64_t seed) {
  Random rng(seed);
  std::vector<double> mix(cols * cols);
  for (double &v : mix)
    v = rng.normal() / std::sqrt(double(cols));
  std::vector<double> x(tokens * cols, 0.0), z(cols);
  for (int64_t t = 0; t < tokens; ++t) {
    for (double &v : z)
      v = rng.normal();
    for (int64_t i = 0; i < cols; ++i) {
      double s = 0.5 * z[i];
      for (int64_t j = 0; j < cols; ++j)
        s += z[j] * mix[j * cols + i];
      x[t * cols + i] = s * (i % 17 == 3 ? 8.0 : 1.0);
    }
  }
  Layer l{rows, cols, std::vector<double>(rows * cols),
          std::vector<double>(cols * cols, 0.0)};
  for (double &v : l.w)
    v = rng.normal();
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t i = 0; i < cols; ++i)
      for (int64_t j = 0; j < cols; ++j)
        l.h[i * cols + j] += x[t * cols + i] * x[t * cols + j];
  return l;
}

double rtnError(const Layer &l, const gptq::Options &o) {
  quant::Quantized q =
      quant::quantizeRtn(l.w, l.rows, l.cols, o.params, o.clipSearch);
  return gptq::relativeOutputError(l.w, quant::dequantize(q), l.rows, l.cols,
                                   l.h);
}

double gptqError(const Layer &l, const gptq::Options &o) {
  gptq::Result r;
  std::string error;
  EXPECT_TRUE(gptq::quantize(l.w, l.rows, l.cols, l.h, o, r, error)) << error;
  return gptq::relativeOutputError(l.w, quant::dequantize(r.q), l.rows,
                                   l.cols, l.h);
}

TEST(Gptq, BeatsRtnOnOutputError) {
  Layer l = makeLayer(48, 128, 1024, 5);
  for (int bits : {3, 4, 8})
    for (int64_t group : {int64_t(0), int64_t(32)})
      for (bool sym : {true, false})
        for (bool act : {false, true}) {
          gptq::Options o;
          o.params = {bits, sym, group, 1.0};
          o.blockSize = 48; // not a multiple of the group: exercises flushes
          o.actOrder = act;
          double rtn = rtnError(l, o), g = gptqError(l, o);
          SCOPED_TRACE(::testing::Message() << bits << " bits, group " << group
                                            << ", sym " << sym << ", act "
                                            << act);
          EXPECT_LT(g, 0.8 * rtn) << "gptq " << g << " rtn " << rtn;
        }
}

TEST(Gptq, UncorrelatedInputsGiveRtn) {
  // H diagonal: no error can be compensated, so GPTQ rounds like RTN.
  Random rng(9);
  int64_t rows = 8, cols = 40;
  std::vector<double> w(rows * cols), h(cols * cols, 0.0);
  for (double &v : w)
    v = rng.normal();
  for (int64_t i = 0; i < cols; ++i)
    h[i * cols + i] = 1.0 + i;
  gptq::Options o;
  o.params = {4, true, 8, 1.0};
  o.clipSearch = false;
  o.blockSize = 16;
  gptq::Result r;
  std::string error;
  ASSERT_TRUE(gptq::quantize(w, rows, cols, h, o, r, error));
  quant::Quantized rtn = quant::quantize(w, rows, cols, o.params);
  EXPECT_EQ(r.q.codes, rtn.codes);
  EXPECT_EQ(r.q.scales, rtn.scales);
}

/// GPTQ as optimal brain surgeon, column by column with the explicit
/// inverse Hessian (no Cholesky, no blocks): after quantizing column i,
/// w_j -= e * Hinv_ij / Hinv_ii for j > i, then column i is eliminated
/// from Hinv. Groups take their scale when reached.
quant::Quantized obsReference(const Layer &l, const gptq::Options &o) {
  int64_t n = l.cols, rows = l.rows;
  std::vector<double> a = l.h, inv(n * n, 0.0);
  double mean = 0;
  for (int64_t i = 0; i < n; ++i)
    mean += a[i * n + i] / double(n);
  for (int64_t i = 0; i < n; ++i) {
    a[i * n + i] += o.damp * mean;
    inv[i * n + i] = 1;
  }
  // Gauss-Jordan inverse.
  for (int64_t c = 0; c < n; ++c) {
    double p = a[c * n + c];
    for (int64_t j = 0; j < n; ++j) {
      a[c * n + j] /= p;
      inv[c * n + j] /= p;
    }
    for (int64_t i = 0; i < n; ++i)
      if (i != c) {
        double f = a[i * n + c];
        for (int64_t j = 0; j < n; ++j) {
          a[i * n + j] -= f * a[c * n + j];
          inv[i * n + j] -= f * inv[c * n + j];
        }
      }
  }
  int64_t g = o.params.groupSize ? o.params.groupSize : n;
  quant::Quantized q;
  q.rows = rows;
  q.cols = n;
  q.groups = n / g;
  q.codes.resize(rows * n);
  q.scales.resize(rows * q.groups);
  std::vector<double> w = l.w;
  std::vector<quant::Scale> s(rows);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t r = 0; r < rows; ++r) {
      if (i % g == 0) {
        s[r] = quant::chooseScale(&w[r * n + i], g, o.params, 1.0);
        q.scales[r * q.groups + i / g] = s[r].scale;
      }
      int8_t c = quant::quantizeValue(w[r * n + i], s[r], o.params.bits);
      q.codes[r * n + i] = c;
      double e = (w[r * n + i] - quant::dequantizeValue(c, s[r])) /
                 inv[i * n + i];
      for (int64_t j = i + 1; j < n; ++j)
        w[r * n + j] -= e * inv[i * n + j];
    }
    double d = inv[i * n + i];
    for (int64_t a2 = i + 1; a2 < n; ++a2)
      for (int64_t b2 = i + 1; b2 < n; ++b2)
        inv[a2 * n + b2] -= inv[a2 * n + i] * inv[i * n + b2] / d;
  }
  return q;
}

/// The share of `got`'s codes equal to `ref`'s.
double sameCodes(const quant::Quantized &ref, const quant::Quantized &got) {
  EXPECT_EQ(ref.codes.size(), got.codes.size());
  int64_t same = 0;
  for (size_t i = 0; i < ref.codes.size() && i < got.codes.size(); ++i)
    same += ref.codes[i] == got.codes[i];
  return double(same) / double(std::max<size_t>(ref.codes.size(), 1));
}

TEST(Gptq, MatchesUnblockedObsReference) {
  Layer l = makeLayer(16, 96, 512, 11);
  for (int64_t group : {int64_t(0), int64_t(24)}) {
    gptq::Options o;
    o.params = {4, true, group, 1.0};
    o.clipSearch = false;
    o.blockSize = 16;
    gptq::Result r;
    std::string error;
    ASSERT_TRUE(gptq::quantize(l.w, l.rows, l.cols, l.h, o, r, error));
    quant::Quantized ref = obsReference(l, o);
    // Float64 round-off may flip a code that sits on a rounding boundary;
    // the propagated weights then diverge only slightly.
    EXPECT_GE(sameCodes(ref, r.q), 0.99) << "group " << group;
    for (size_t k = 0; k < ref.scales.size(); ++k)
      EXPECT_NEAR(ref.scales[k], r.q.scales[k], 1e-6 * ref.scales[k]);
  }
}

TEST(Gptq, OneFactorServesTheLinearsOfOneInput) {
  // q/k/v read one input: one factor of H for all, each weight as the
  // unblocked reference quantizes it on its own.
  Layer l = makeLayer(12, 64, 256, 5);
  gptq::Options o;
  o.params = {4, true, 0, 1.0};
  o.clipSearch = false;
  o.blockSize = 16;
  gptq::Factor f;
  std::string error;
  ASSERT_TRUE(gptq::factor(l.h, l.cols, o, f, error)) << error;
  Random rng(9);
  for (int k = 0; k < 3; ++k) {
    Layer other = l;
    for (double &v : other.w)
      v = rng.normal() * (k + 1);
    gptq::Result r;
    ASSERT_TRUE(gptq::quantize(other.w, other.rows, other.cols, f, o, r));
    EXPECT_GE(sameCodes(obsReference(other, o), r.q), 0.99) << "weight " << k;
  }
  // A factor of another width is refused.
  gptq::Result r;
  EXPECT_FALSE(gptq::quantize(std::vector<double>(12 * 32, 1.0), 12, 32, f,
                              o, r));
}

/// `k` orthonormal rows [k, cols] (Gram-Schmidt of Gaussian vectors).
std::vector<double> orthonormalRows(int64_t k, int64_t cols, uint64_t seed) {
  Random rng(seed);
  std::vector<double> u(k * cols);
  for (double &v : u)
    v = rng.normal();
  for (int64_t d = 0; d < k; ++d) {
    double *ud = &u[d * cols];
    for (int64_t e = 0; e < d; ++e) {
      const double *ue = &u[e * cols];
      double dot = 0;
      for (int64_t j = 0; j < cols; ++j)
        dot += ud[j] * ue[j];
      for (int64_t j = 0; j < cols; ++j)
        ud[j] -= dot * ue[j];
    }
    double norm = 0;
    for (int64_t j = 0; j < cols; ++j)
      norm += ud[j] * ud[j];
    for (int64_t j = 0; j < cols; ++j)
      ud[j] /= std::sqrt(norm);
  }
  return u;
}

TEST(Gptq, ProjectOutIsPHP) {
  Layer l = makeLayer(4, 24, 64, 3);
  int64_t n = l.cols, k = 3;
  std::vector<double> u = orthonormalRows(k, n, 8);
  // P = I - U^T U as a dense matrix, then P H P by plain triple loops.
  std::vector<double> p(n * n), ph(n * n, 0.0), php(n * n, 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double s = i == j ? 1.0 : 0.0;
      for (int64_t d = 0; d < k; ++d)
        s -= u[d * n + i] * u[d * n + j];
      p[i * n + j] = s;
    }
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t m = 0; m < n; ++m)
        ph[i * n + j] += p[i * n + m] * l.h[m * n + j];
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t m = 0; m < n; ++m)
        php[i * n + j] += ph[i * n + m] * p[m * n + j];
  std::vector<double> got = gptq::projectOut(l.h, n, u, k);
  double scale = 0;
  for (double v : l.h)
    scale = std::max(scale, std::abs(v));
  for (int64_t i = 0; i < n * n; ++i)
    ASSERT_NEAR(got[i], php[i], 1e-12 * scale) << i;
}

TEST(Gptq, ProtectedDirectionsTakeTheirErrorOut) {
  // A massive input channel (as in a trained LLM's residual stream): GPTQ
  // on P H P plus the exact correction along the protected direction
  // leaves far less output error than GPTQ on H alone.
  Layer l = makeLayer(32, 64, 512, 11);
  int64_t n = l.cols, massive = 9;
  for (int64_t i = 0; i < n; ++i) {
    l.h[i * n + massive] *= 40;
    l.h[massive * n + i] *= 40;
  }
  gptq::Options o;
  o.params = {4, true, 0, 1.0};
  double plain = gptqError(l, o);
  std::vector<double> u =
      quant::OutputMetric::fromSecondMoments(l.h, n, 1).unitDirections(1);
  std::vector<double> hp = gptq::projectOut(l.h, n, u, 1);
  gptq::Result r;
  std::string error;
  ASSERT_TRUE(gptq::quantize(l.w, l.rows, n, hp, o, r, error)) << error;
  // What the protected layer computes: Wq + ((W - Wq) u^T) u.
  std::vector<float> wq = quant::dequantize(r.q);
  // The report's figure: the error under P H P relative to the full output.
  double reported = gptq::relativeOutputError(l.w, wq, l.rows, n, hp, &l.h);
  for (int64_t row = 0; row < l.rows; ++row) {
    double c = 0;
    for (int64_t j = 0; j < n; ++j)
      c += (l.w[row * n + j] - wq[row * n + j]) * u[j];
    for (int64_t j = 0; j < n; ++j)
      wq[row * n + j] += float(c * u[j]);
  }
  double protectedError =
      gptq::relativeOutputError(l.w, wq, l.rows, n, l.h);
  EXPECT_LT(protectedError, 0.5 * plain)
      << "protected " << protectedError << " plain " << plain;
  EXPECT_NEAR(reported, protectedError, 1e-4 * protectedError);
}

TEST(Gptq, DeadColumnsAndIndefiniteHessian) {
  Layer l = makeLayer(4, 16, 64, 2);
  // A channel no input reaches: its row and column of H are zero.
  for (int64_t j = 0; j < 16; ++j)
    l.h[5 * 16 + j] = l.h[j * 16 + 5] = 0;
  gptq::Options o;
  o.params = {4, true, 0, 1.0};
  gptq::Result r;
  std::string error;
  ASSERT_TRUE(gptq::quantize(l.w, 4, 16, l.h, o, r, error)) << error;
  for (int64_t row = 0; row < 4; ++row)
    EXPECT_EQ(r.q.codes[row * 16 + 5], 0);
  // A negative definite "Hessian" is refused with a reason.
  std::vector<double> bad(16 * 16, 0.0);
  for (int64_t i = 0; i < 16; ++i)
    bad[i * 16 + i] = -1.0 - i;
  EXPECT_FALSE(gptq::quantize(l.w, 4, 16, bad, o, r, error));
  EXPECT_NE(error.find("not positive definite"), std::string::npos);
}
} // namespace
