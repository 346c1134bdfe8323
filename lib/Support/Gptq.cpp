//===- Gptq.cpp - GPTQ weight quantization --------------------------------===//
#include "rotq/Support/Gptq.h"

#include "rotq/Support/Axpy.h"

#include "llvm/Support/Parallel.h"

#include <algorithm>
#include <cmath>
#include <numeric>

using namespace rotq;
using namespace rotq::gptq;

namespace {
/// fn(i) for i in [begin, end), on several threads when there is enough
/// work (`cost` operations per i); each i is computed exactly as serially.
template <typename Fn>
void forRows(int64_t begin, int64_t end, int64_t cost, Fn fn) {
  constexpr int64_t kSerial = 1 << 16;
  if ((end - begin) * std::max<int64_t>(cost, 1) < kSerial) {
    for (int64_t i = begin; i < end; ++i)
      fn(i);
    return;
  }
  int64_t chunks = std::min<int64_t>(end - begin, 64);
  llvm::parallelFor(0, chunks, [&](size_t c) {
    int64_t lo = begin + (end - begin) * int64_t(c) / chunks;
    int64_t hi = begin + (end - begin) * (int64_t(c) + 1) / chunks;
    for (int64_t i = lo; i < hi; ++i)
      fn(i);
  });
}

/// In-place lower Cholesky factor of the n x n matrix `a` (upper part left
/// as garbage); false when `a` is not positive definite.
bool cholesky(std::vector<double> &a, int64_t n) {
  for (int64_t j = 0; j < n; ++j) {
    double *rj = &a[j * n];
    double d = rj[j];
    for (int64_t k = 0; k < j; ++k)
      d -= rj[k] * rj[k];
    if (!(d > 0) || !std::isfinite(d))
      return false;
    d = std::sqrt(d);
    rj[j] = d;
    // Rows below j are independent (each sums in the same order either way).
    forRows(j + 1, n, j, [&](int64_t i) {
      double *ri = &a[i * n];
      double s = ri[j];
      for (int64_t k = 0; k < j; ++k)
        s -= ri[k] * rj[k];
      ri[j] = s / d;
    });
  }
  return true;
}

/// The upper triangular U with H^-1 = U^T U, from H (GPTQ's
/// cholesky(cholesky_inverse(cholesky(H)), upper=True)).
bool inverseCholeskyUpper(std::vector<double> h, int64_t n,
                          std::vector<double> &u) {
  if (!cholesky(h, n))
    return false;
  // Linv = L^-1, lower triangular, by forward substitution per column;
  // kept transposed (t[c][i] = Linv[i][c]) so that both substitution and
  // the product below read rows.
  std::vector<double> t(n * n, 0.0);
  forRows(0, n, n * n / 2, [&](int64_t c) {
    double *tc = &t[c * n];
    tc[c] = 1.0 / h[c * n + c];
    for (int64_t i = c + 1; i < n; ++i) {
      const double *hi = &h[i * n];
      double s = 0;
      for (int64_t k = c; k < i; ++k)
        s += hi[k] * tc[k];
      tc[i] = -s / hi[i];
    }
  });
  std::vector<double> linv(n * n, 0.0);
  for (int64_t c = 0; c < n; ++c)
    for (int64_t i = c; i < n; ++i)
      linv[i * n + c] = t[c * n + i];
  t = std::vector<double>();
  // H^-1 = Linv^T Linv; only its lower triangle is needed. Row i of it sums
  // over k >= i (Linv is lower triangular), in increasing k.
  std::vector<double> hinv(n * n, 0.0);
  forRows(0, n, n * n / 2, [&](int64_t i) {
    double *out = &hinv[i * n];
    for (int64_t k = i; k < n; ++k) {
      const double *rk = &linv[k * n];
      double a = rk[i];
      if (a == 0)
        continue;
      for (int64_t j = 0; j <= i; ++j)
        out[j] += a * rk[j];
    }
  });
  if (!cholesky(hinv, n))
    return false;
  u.assign(n * n, 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j <= i; ++j)
      u[j * n + i] = hinv[i * n + j];
  return true;
}

/// The scale of the `n` weights at `x`, columns [begin, begin + n) (one
/// row, or one group of it).
quant::Scale scaleOf(const double *x, int64_t n, int64_t begin,
                     const Options &o) {
  double clip = o.params.clipRatio;
  if (o.clipSearch && o.metric)
    clip = quant::searchGroupClipOutput(x, n, o.params, *o.metric, begin, 100,
                                        o.clipMin);
  else if (o.clipSearch)
    clip = quant::searchGroupClip(x, n, o.params, 1, 100, o.clipMin);
  return quant::chooseScale(x, n, o.params, clip);
}
} // namespace

bool rotq::gptq::factor(const std::vector<double> &h0, int64_t cols,
                        const Options &o, Factor &out, std::string &error) {
  const int64_t n = cols;
  // Column order: natural, or by decreasing H_ii (act-order).
  out.perm.resize(n);
  std::iota(out.perm.begin(), out.perm.end(), 0);
  if (o.actOrder)
    std::stable_sort(out.perm.begin(), out.perm.end(),
                     [&](int64_t a, int64_t b) {
                       return h0[a * n + a] > h0[b * n + b];
                     });
  const std::vector<int64_t> &perm = out.perm;
  // A column no input ever reaches (H_ii = 0) gets H_ii = 1 (and weight 0,
  // see quantize), as in GPTQ.
  std::vector<double> h(n * n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      h[i * n + j] = h0[perm[i] * n + perm[j]];
  out.dead.assign(n, 0);
  double meanDiag = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (h[i * n + i] == 0) {
      h[i * n + i] = 1;
      out.dead[i] = 1;
    }
    meanDiag += h[i * n + i];
  }
  meanDiag /= double(n);

  double damp = o.damp;
  for (int attempt = 0;; ++attempt) {
    std::vector<double> hd = h;
    for (int64_t i = 0; i < n; ++i)
      hd[i * n + i] += damp * meanDiag;
    if (inverseCholeskyUpper(std::move(hd), n, out.u))
      break;
    if (attempt == 4) {
      error = "the Hessian is not positive definite even with damping " +
              std::to_string(damp) + " of its mean diagonal";
      return false;
    }
    damp *= 10;
  }
  out.damp = damp;
  out.cols = n;
  return true;
}

bool rotq::gptq::quantize(const std::vector<double> &w0, int64_t rows,
                          int64_t cols, const std::vector<double> &h0,
                          const Options &o, Result &out, std::string &error) {
  Factor f;
  return factor(h0, cols, o, f, error) && quantize(w0, rows, cols, f, o, out);
}

bool rotq::gptq::quantize(const std::vector<double> &w0, int64_t rows,
                          int64_t cols, const Factor &f, const Options &o,
                          Result &out) {
  const int64_t n = cols;
  if (f.cols != cols)
    return false;
  const int64_t g = o.params.groupSize > 0 ? o.params.groupSize : cols;
  const int64_t groups = cols / g;
  const int bits = o.params.bits;
  const std::vector<int64_t> &perm = f.perm;
  const std::vector<double> &u = f.u;

  // Scales fixed up front: per row (GPTQ finds them once on the original
  // weights), or static groups under act-order.
  std::vector<quant::Scale> scales(rows * groups);
  bool dynamicGroups = o.params.groupSize > 0 && !o.actOrder;
  if (!dynamicGroups)
    forRows(0, rows, cols * 100, [&](int64_t r) {
      for (int64_t k = 0; k < groups; ++k)
        scales[r * groups + k] = scaleOf(&w0[r * cols + k * g], g, k * g, o);
    });

  // Permuted working copy; columns no input reaches are zero.
  std::vector<double> w(rows * n);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < n; ++j)
      w[r * n + j] = f.dead[j] ? 0.0 : w0[r * cols + perm[j]];
  out.damp = f.damp;

  quant::Quantized &q = out.q;
  q.rows = rows;
  q.cols = cols;
  q.groups = groups;
  q.codes.assign(rows * cols, 0);
  q.scales.assign(rows * groups, 1.0f);
  if (!o.params.symmetric)
    q.zeroPoints.assign(rows * groups, 0);

  // Rows are independent given U: each is quantized column by column on
  // its own (the same operations in the same order as all rows together).
  const int64_t bs = std::max<int64_t>(o.blockSize, 1);
  forRows(0, rows, n * n, [&](int64_t r) {
    double *wr = &w[r * n];
    std::vector<double> err(bs);
    for (int64_t i1 = 0; i1 < n; i1 += bs) {
      int64_t i2 = std::min(i1 + bs, n);
      // Errors of block columns [pending, i) are not yet applied to the
      // columns after the block.
      int64_t pending = i1;
      auto flush = [&](int64_t upTo) {
        for (int64_t k = pending; k < upTo; ++k)
          axpy(&wr[i2], &u[k * n + i2], -err[k - i1], n - i2);
        pending = upTo;
      };
      for (int64_t i = i1; i < i2; ++i) {
        if (dynamicGroups && i % g == 0) {
          // A group starts: its scale comes from the weights as updated so
          // far.
          flush(i);
          scales[r * groups + i / g] = scaleOf(&wr[i], g, i, o);
        }
        double d = u[i * n + i];
        int64_t col = perm[i];
        quant::Scale sc = scales[r * groups + col / g];
        int8_t c = quant::quantizeValue(wr[i], sc, bits);
        q.codes[r * cols + col] = c;
        double e = (wr[i] - quant::dequantizeValue(c, sc)) / d;
        err[i - i1] = e;
        axpy(&wr[i + 1], &u[i * n + i + 1], -e, i2 - i - 1);
      }
      flush(i2);
    }
  });
  for (int64_t k = 0; k < rows * groups; ++k) {
    q.scales[k] = scales[k].scale;
    if (!o.params.symmetric)
      q.zeroPoints[k] = scales[k].zeroPoint;
  }
  return true;
}

std::vector<double> rotq::gptq::projectOut(const std::vector<double> &h,
                                           int64_t cols,
                                           const std::vector<double> &units,
                                           int64_t k) {
  // A = H U^T [cols, k], B = U A [k, k];
  // P H P = H - U^T A^T - A U + U^T B U.
  std::vector<double> a(cols * k, 0.0), b(k * k, 0.0);
  for (int64_t i = 0; i < cols; ++i)
    for (int64_t d = 0; d < k; ++d) {
      const double *hi = &h[i * cols], *ud = &units[d * cols];
      double s = 0;
      for (int64_t j = 0; j < cols; ++j)
        s += hi[j] * ud[j];
      a[i * k + d] = s;
    }
  for (int64_t d = 0; d < k; ++d)
    for (int64_t e = 0; e < k; ++e) {
      double s = 0;
      for (int64_t i = 0; i < cols; ++i)
        s += units[d * cols + i] * a[i * k + e];
      b[d * k + e] = s;
    }
  // C = U^T B [cols, k], so that U^T B U = C U.
  std::vector<double> c(cols * k, 0.0);
  for (int64_t i = 0; i < cols; ++i)
    for (int64_t e = 0; e < k; ++e) {
      double s = 0;
      for (int64_t d = 0; d < k; ++d)
        s += units[d * cols + i] * b[d * k + e];
      c[i * k + e] = s;
    }
  std::vector<double> out(h);
  forRows(0, cols, cols * k, [&](int64_t i) {
    double *oi = &out[i * cols];
    for (int64_t d = 0; d < k; ++d) {
      double ui = units[d * cols + i], ai = a[i * k + d], ci = c[i * k + d];
      const double *ud = &units[d * cols];
      for (int64_t j = 0; j < cols; ++j)
        oi[j] += (ci - ai) * ud[j] - ui * a[j * k + d];
    }
  });
  return out;
}

double rotq::gptq::relativeOutputError(const std::vector<double> &w,
                                       const std::vector<float> &wq,
                                       int64_t rows, int64_t cols,
                                       const std::vector<double> &h,
                                       const std::vector<double> *hOutput) {
  const std::vector<double> &g = hOutput ? *hOutput : h;
  double num = 0, den = 0;
  std::vector<double> d(cols), hd(cols), hw(cols);
  for (int64_t r = 0; r < rows; ++r) {
    const double *wr = &w[r * cols];
    for (int64_t j = 0; j < cols; ++j)
      d[j] = wr[j] - double(wq[r * cols + j]);
    std::fill(hd.begin(), hd.end(), 0.0);
    std::fill(hw.begin(), hw.end(), 0.0);
    for (int64_t i = 0; i < cols; ++i) {
      const double *hi = &h[i * cols], *gi = &g[i * cols];
      double di = d[i], wi = wr[i];
      for (int64_t j = 0; j < cols; ++j) {
        hd[j] += di * hi[j];
        hw[j] += wi * gi[j];
      }
    }
    for (int64_t j = 0; j < cols; ++j) {
      num += hd[j] * d[j];
      den += hw[j] * wr[j];
    }
  }
  return den > 0 ? num / den : 0.0;
}
