//===- DuQuant.cpp - DuQuant's calibrated transforms (float64) ------------===//
#include "rotq/Support/DuQuant.h"

#include "rotq/Support/Orthogonal.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <numeric>
#include <thread>

using namespace rotq;
using namespace rotq::duquant;

int64_t duquant::chooseBlockSize(int64_t channels, int64_t requested,
                                 std::string *why) {
  auto say = [&](const std::string &s) {
    if (why)
      *why = s;
  };
  say("");
  if (channels <= 0 || requested <= 0)
    return 0;
  if (channels <= requested) {
    if (channels != requested)
      say("block " + std::to_string(channels) + " (the whole of " +
          std::to_string(channels) + " channels, fewer than " +
          std::to_string(requested) + ")");
    return channels;
  }
  if (channels % requested == 0)
    return requested;
  auto chosen = [&](int64_t b, const char *rule) {
    say("block " + std::to_string(b) + ": " + std::to_string(requested) +
        " does not divide " + std::to_string(channels) + "; " + rule);
    return b;
  };
  // A power of two when it is not much smaller than asked for (it divides
  // the usual head sizes and suits the GPU); a small block spreads an
  // outlier over few channels, so otherwise the largest divisor.
  for (int64_t p = int64_t(1) << 62; p >= 16; p >>= 1)
    if (p <= requested && channels % p == 0 && 4 * p >= requested)
      return chosen(p, "the largest power of two below it that does");
  for (int64_t b = requested; b >= 16; --b)
    if (channels % b == 0)
      return chosen(b, "the largest divisor below it");
  say("no block size in [16, " + std::to_string(requested) + "] divides " +
      std::to_string(channels));
  return 0;
}

std::vector<double>
duquant::smoothingFactors(const std::vector<double> &actAbsMax,
                          const std::vector<double> &weightAbsMax,
                          double alpha, double eps) {
  assert(actAbsMax.size() == weightAbsMax.size());
  std::vector<double> l(actAbsMax.size());
  for (size_t j = 0; j < l.size(); ++j) {
    // fmax drops a NaN in favour of eps: a channel with no finite
    // statistics is left (almost) unscaled rather than poisoned.
    double a = std::fmax(actAbsMax[j], eps);
    double w = std::fmax(weightAbsMax[j], eps);
    l[j] = std::fmax(std::pow(a, alpha) / std::pow(w, 1 - alpha), eps);
  }
  return l;
}

std::vector<double> duquant::baseRotation(int64_t b, uint64_t seed) {
  assert(b >= 1);
  // Householder H = I - 2 v v^T / (v^T v), v = e0 - u: symmetric,
  // orthogonal, H e0 = u, so its first row is u = 1/sqrt(b).
  double u = 1 / std::sqrt(double(b));
  std::vector<double> v(b, -u);
  v[0] += 1;
  double vv = 0;
  for (double x : v)
    vv += x * x;
  std::vector<double> h(b * b);
  for (int64_t i = 0; i < b; ++i)
    for (int64_t j = 0; j < b; ++j)
      h[i * b + j] = (i == j ? 1.0 : 0.0) - (vv > 0 ? 2 * v[i] * v[j] / vv : 0);
  if (b == 1)
    return {1.0};
  // blockdiag(1, Q) H: rows 1.. of H mixed by Q, row 0 kept.
  std::vector<double> q = randomOrthogonal(b - 1, seed);
  std::vector<double> r(b * b, 0.0);
  for (int64_t j = 0; j < b; ++j)
    r[j] = h[j];
  for (int64_t i = 1; i < b; ++i)
    for (int64_t k = 1; k < b; ++k) {
      double qik = q[(i - 1) * (b - 1) + (k - 1)];
      for (int64_t j = 0; j < b; ++j)
        r[i * b + j] += qik * h[k * b + j];
    }
  return r;
}

namespace {
/// out[r, :] = x[r, :] m for rows [lo, hi) of a rows x b matrix.
__attribute__((target_clones("avx512f", "avx2", "default"))) void
mulRows(const double *x, const double *m, double *out, int64_t lo, int64_t hi,
        int64_t b) {
  for (int64_t r = lo; r < hi; ++r) {
    double *o = out + r * b;
    std::fill(o, o + b, 0.0);
    const double *xr = x + r * b;
    for (int64_t i = 0; i < b; ++i) {
      double xi = xr[i];
      const double *mi = m + i * b;
      for (int64_t j = 0; j < b; ++j)
        o[j] += xi * mi[j];
    }
  }
}

/// x (rows x b) times m, on up to hardware_concurrency threads when the
/// product is large; each row is computed by one thread in the same order,
/// so the result does not depend on the thread count.
void mulBlocks(const std::vector<double> &x, const std::vector<double> &m,
               std::vector<double> &out, int64_t b) {
  int64_t rows = int64_t(x.size()) / b;
  out.resize(x.size());
  int64_t threads = std::max<int64_t>(1, std::thread::hardware_concurrency());
  threads = std::min<int64_t>(threads, rows * b * b / (1 << 20) + 1);
  if (threads <= 1)
    return mulRows(x.data(), m.data(), out.data(), 0, rows, b);
  std::vector<std::thread> pool;
  int64_t per = (rows + threads - 1) / threads;
  for (int64_t t = 0; t < threads; ++t) {
    int64_t lo = t * per, hi = std::min(rows, lo + per);
    if (lo < hi)
      pool.emplace_back(mulRows, x.data(), m.data(), out.data(), lo, hi, b);
  }
  for (std::thread &t : pool)
    t.join();
}

void swapColumns(std::vector<double> &x, int64_t b, int64_t c) {
  if (c == 0)
    return;
  for (size_t r = 0; r < x.size(); r += b)
    std::swap(x[r], x[r + c]);
}

struct Extremes {
  double max = -INFINITY, min = INFINITY;
  int64_t argAbs = -1; // first index of the largest |x| (NaN ignored)
};
Extremes extremes(const std::vector<double> &x) {
  Extremes e;
  double best = -1;
  for (size_t i = 0; i < x.size(); ++i) {
    double v = x[i];
    if (std::isnan(v))
      continue;
    e.max = std::max(e.max, v);
    e.min = std::min(e.min, v);
    if (std::abs(v) > best) {
      best = std::abs(v);
      e.argAbs = int64_t(i);
    }
  }
  return e;
}
} // namespace

Greedy duquant::greedyRotation(const std::vector<double> &data, int64_t b,
                               const std::vector<double> &base,
                               int64_t steps) {
  assert(b > 0 && data.size() % b == 0 && int64_t(base.size()) == b * b);
  Greedy g;
  std::vector<double> x = data, next;
  // No finite value: +inf, so that such a state is never the one kept.
  auto peak = [](const Extremes &e) {
    return e.argAbs < 0 ? INFINITY : e.max - e.min;
  };
  Extremes e = extremes(x);
  g.peaks.push_back(peak(e));
  for (int64_t k = 0; k < steps && e.argAbs >= 0; ++k) {
    int64_t c = e.argAbs % b;
    // x (E base E) = swap(swap(x) base): E is the transposition (0 c).
    swapColumns(x, b, c);
    mulBlocks(x, base, next, b);
    swapColumns(next, b, c);
    std::swap(x, next);
    g.columns.push_back(c);
    e = extremes(x);
    g.peaks.push_back(peak(e));
  }
  // First minimum.
  g.kept = 0;
  for (size_t k = 1; k < g.peaks.size(); ++k)
    if (g.peaks[k] < g.peaks[g.kept])
      g.kept = int64_t(k);
  std::vector<double> r(b * b, 0.0), tmp;
  for (int64_t i = 0; i < b; ++i)
    r[i * b + i] = 1;
  for (int64_t k = 0; k < g.kept; ++k) {
    swapColumns(r, b, g.columns[k]);
    mulBlocks(r, base, tmp, b);
    swapColumns(tmp, b, g.columns[k]);
    std::swap(r, tmp);
  }
  g.rotation = std::move(r);
  return g;
}

std::vector<double>
duquant::applyBlockRotation(const std::vector<double> &data, int64_t n,
                            const std::vector<double> &m, int64_t b) {
  assert(n % b == 0 && data.size() % n == 0);
  std::vector<double> out;
  mulBlocks(data, m, out, b);
  return out;
}

std::vector<int64_t>
duquant::zigzagPermutation(const std::vector<double> &channelMax, int64_t b) {
  int64_t n = int64_t(channelMax.size());
  assert(b > 0 && n % b == 0);
  int64_t blocks = n / b;
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  // NaN statistics sort last.
  auto key = [&](int64_t i) {
    double v = channelMax[i];
    return std::isnan(v) ? -INFINITY : v;
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t c) { return key(a) > key(c); });
  std::vector<std::vector<int64_t>> bucket(blocks);
  for (int64_t i = 0; i < n; ++i) {
    // 0, 1, ..., K-1, K-1, ..., 0, 0, 1, ...
    int64_t phase = i % (2 * blocks);
    int64_t k = phase < blocks ? phase : 2 * blocks - 1 - phase;
    bucket[k].push_back(order[i]);
  }
  std::vector<int64_t> perm;
  perm.reserve(n);
  for (std::vector<int64_t> &blk : bucket) {
    assert(int64_t(blk.size()) == b);
    std::stable_sort(blk.begin(), blk.end(),
                     [&](int64_t a, int64_t c) { return key(a) > key(c); });
    perm.insert(perm.end(), blk.begin(), blk.end());
  }
  return perm;
}

double duquant::blockMeanVariance(const std::vector<double> &channelValue,
                                  int64_t b) {
  int64_t n = int64_t(channelValue.size());
  assert(b > 0 && n % b == 0);
  int64_t blocks = n / b;
  std::vector<double> means(blocks, 0.0);
  for (int64_t i = 0; i < n; ++i)
    means[i / b] += channelValue[i] / double(b);
  double mean = std::accumulate(means.begin(), means.end(), 0.0) / blocks;
  double var = 0;
  for (double m : means)
    var += (m - mean) * (m - mean);
  return var / blocks;
}

std::vector<double> duquant::columnAbsMean(const std::vector<double> &data,
                                           int64_t n) {
  std::vector<double> m(n, 0.0);
  int64_t rows = int64_t(data.size()) / n;
  for (size_t i = 0; i < data.size(); ++i)
    m[i % n] += std::abs(data[i]);
  for (double &v : m)
    v /= double(std::max<int64_t>(rows, 1));
  return m;
}

std::vector<double> duquant::columnAbsMax(const std::vector<double> &data,
                                          int64_t n) {
  std::vector<double> m(n, 0.0);
  for (size_t i = 0; i < data.size(); ++i)
    m[i % n] = std::max(m[i % n], std::abs(data[i]));
  return m;
}
