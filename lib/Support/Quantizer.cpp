//===- Quantizer.cpp - offline weight quantization (RTN, clip search) -----===//
#include "rotq/Support/Quantizer.h"

#include "rotq/Support/SymmetricEigen.h"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cmath>

using namespace rotq::quant;

namespace {
/// The finite range of a group: what chooseScale reads of its values.
struct Range {
  double lo = 0, hi = 0, amax = 0;
};

Range rangeOf(const double *x, int64_t n, int64_t stride) {
  Range r;
  for (int64_t i = 0; i < n; ++i) {
    double v = x[i * stride];
    if (!std::isfinite(v))
      continue;
    r.lo = std::min(r.lo, v);
    r.hi = std::max(r.hi, v);
    r.amax = std::max(r.amax, std::fabs(v));
  }
  return r;
}

Scale scaleOf(const Range &range, const Params &p, double clip) {
  double qmax = double((int64_t(1) << (p.bits - 1)) - 1);
  double lo = range.lo, hi = range.hi, amax = range.amax;
  double s = p.symmetric
                 ? clip * amax / qmax
                 : (clip * hi - clip * lo) / double((int64_t(1) << p.bits) - 1);
  Scale r;
  r.scale = float(s);
  if (!(r.scale > 0) || !std::isfinite(r.scale))
    r.scale = 1.0f;
  if (!p.symmetric) {
    double z = std::nearbyint(-(clip * lo) / double(r.scale)) -
               double(int64_t(1) << (p.bits - 1));
    r.zeroPoint = int8_t(std::clamp(z, -qmax - 1, qmax));
  }
  return r;
}
} // namespace

Scale rotq::quant::chooseScale(const double *x, int64_t n, const Params &p,
                               double clip, int64_t stride) {
  return scaleOf(rangeOf(x, n, stride), p, clip);
}

int8_t rotq::quant::quantizeValue(double x, Scale s, int bits) {
  double qmax = double((int64_t(1) << (bits - 1)) - 1);
  if (std::isnan(x))
    return s.zeroPoint;
  double q = std::nearbyint(x / double(s.scale)) + double(s.zeroPoint);
  return int8_t(std::clamp(q, -qmax - 1, qmax));
}

//===----------------------------------------------------------------------===//
// Clip search
//
// The search picks the first ratio whose error E_i = sum_j pow(|e_j|, p)
// (std::pow, summed left to right) is smallest, e_j = deq(q(x_j)) - x_j.
// Computing every E_i that way is slow (std::pow is most of the time), so
// the search computes each error fast instead -- a vector of values at a
// time, with a polynomial pow -- as A_i, and bounds |A_i - E_i|: the e_j are
// bit for bit those of quantizeValue / dequantizeValue, so only the pow and
// the order of the sum differ, and
//   |A_i - E_i| <= R A_i + T_i,
//   R = 1e-13 (both pows: ours is within 1e-15 of a^p, std::pow within
//       1 ulp) + (n + 2) 2^-51 (any order of summing n non-negative terms
//       is within (n - 1) 2^-53 of their exact sum, for both sums),
//   T_i = n 2^-1016 if some term fell below 2^-1020 (the fast pow returns
//       those as 0), else 0.
// A ratio whose lower bound A_i (1 - R) - T_i exceeds the smallest upper
// bound A_k (1 + R) + T_k has a larger E_i than ratio k, so it is not the
// choice. If one ratio is left, it is the choice; else (a near-tie, within
// ~1e-12 relative) the E_i of those left are computed exactly as before
// (std::pow, left to right) and the first smallest is taken. The early
// exit keeps its exactness the same way: ratio i stops once its partial
// sum P (which only grows towards A_i) has P (1 - R) - T > the best upper
// bound so far. The result is therefore always the ratio of the plain
// std::pow search. Groups with non-finite values or |x| > 1e30, and p
// outside [1, 8] or bits outside [1, 8], take the plain search itself.
//===----------------------------------------------------------------------===//

namespace {
#define ROTQ_INLINE inline __attribute__((always_inline))
#if defined(__GNUC__) && !defined(__clang__)
// The vectors never cross a call (everything below is inlined into the
// kernels), so the ABI of passing them does not matter. (Not popped: the
// templates are instantiated at the end of the file.)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

/// The kernels are written once for W doubles per vector (GCC vector
/// extensions) and instantiated at the width of each instruction set:
/// W = 8 with AVX-512F, 4 with AVX2 + FMA, 2 with the x86-64 baseline
/// (SSE2), each in a function built for that set; the widest the CPU
/// supports is chosen at run time (kernels()).
template <int W> struct Vec {
  typedef double V __attribute__((vector_size(8 * W)));
  typedef int64_t VI __attribute__((vector_size(8 * W)));
  typedef uint64_t VU __attribute__((vector_size(8 * W)));
  typedef float VF __attribute__((vector_size(4 * W)));

  static ROTQ_INLINE V load(const double *p) {
    V v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
  }
  static ROTQ_INLINE void store(double *p, V v) {
    __builtin_memcpy(p, &v, sizeof v);
  }
  static ROTQ_INLINE V splat(double x) { return V{} + x; }
};

/// The constants of a^p.
struct PowConsts {
  double pHi, pLo; // p = pHi + pLo, pHi with 26 significant bits
  double c;        // p / ln 2
};

PowConsts powConsts(double p) {
  PowConsts k;
  uint64_t bits;
  __builtin_memcpy(&bits, &p, sizeof bits);
  bits &= ~((uint64_t(1) << 27) - 1);
  __builtin_memcpy(&k.pHi, &bits, sizeof bits);
  k.pLo = p - k.pHi;
  k.c = p * 0x1.71547652b82fep+0;
  return k;
}

/// a^p for finite a >= 0 and 1 <= p <= 8: relative error below 1e-15 where
/// the result is in [2^-1020, 2^1023); 0 for a == 0; 0 for results below
/// 2^-1020, and then `flushed` is raised to at least that a.
///
/// a = 2^k m with m in [sqrt(1/2), sqrt(2)) (from the bits); ln m as
/// fdlibm's log computes it (s = f / (2 + f), f = m - 1, a minimax
/// polynomial in s^2; < 1 ulp); y = p log2 a = k pHi (exact) + (k pLo +
/// ln m p / ln 2); y = n + g, n an integer, |g| <= 1/2 (y_hi - n exact); 2^g
/// by its Taylor polynomial of degree 13 (truncation < 5e-18), evaluated by
/// Estrin's scheme; the result 2^n 2^g.
template <int W>
ROTQ_INLINE typename Vec<W>::V powV(typename Vec<W>::V a, const PowConsts &pc,
                                    typename Vec<W>::V &flushed) {
  using V = typename Vec<W>::V;
  using VI = typename Vec<W>::VI;
  using VU = typename Vec<W>::VU;
  const V magic = Vec<W>::splat(0x1.8p52);
  // a = 2^k m: u >> 52 = k + 2048 (for a == 0 or subnormal, k = -1023).
  const uint64_t sqrtHalf = 0x3fe6a09e667f3bcdULL;
  VU ix = VU(a);
  VU u = ix + ((uint64_t(1) << 63) - sqrtHalf);
  V m = V(ix - (u & 0xfff0000000000000ULL) + (uint64_t(1) << 63));
  V k = V((u >> 52) | 0x4330000000000000ULL) - (0x1p52 + 2048.0);
  // ln m (fdlibm's e_log.c).
  V f = m - 1.0;
  V s = f / (2.0 + f);
  V z = s * s, w = z * z;
  V t1 = w * (0x1.999999997fa04p-2 +
              w * (0x1.c71c51d8e78afp-3 + w * 0x1.39a09d078c69fp-3));
  V t2 = z * (0x1.5555555555593p-1 +
              w * (0x1.2492494229359p-2 +
                   w * (0x1.7466496cb03dep-3 + w * 0x1.2f112df3e5244p-3)));
  V r = t2 + t1;
  V hfsq = 0.5 * f * f;
  V lnm = f - (hfsq - s * (hfsq + r));
  // y = p log2 a = yh + yl; n = round(y), g = y - n.
  V yh = k * pc.pHi;
  V yl = k * pc.pLo + lnm * pc.c;
  V t = (yh + yl) + magic;
  V nd = t - magic;
  VI n = VI(t) - VI(magic);
  V g = (yh - nd) + yl;
  // 2^g = sum_i (g ln 2)^i / i!, i <= 13.
  V g2 = g * g;
  V g4 = g2 * g2;
  V p01 = 0x1.62e42fefa39efp-1 * g + 1.0;
  V p23 = 0x1.c6b08d704a0c0p-5 * g + 0x1.ebfbdff82c58fp-3;
  V p45 = 0x1.5d87fe78a6731p-10 * g + 0x1.3b2ab6fba4e77p-7;
  V p67 = 0x1.ffcbfc588b0c7p-17 * g + 0x1.430912f86c787p-13;
  V p89 = 0x1.b5253d395e7c4p-24 * g + 0x1.62c0223a5c824p-20;
  V p1011 = 0x1.e8cac7351bb25p-32 * g + 0x1.e4cf5158b8ecap-28;
  V p1213 = 0x1.816193166d0f9p-40 * g + 0x1.c3bd650fc2986p-36;
  V q03 = p23 * g2 + p01;
  V q47 = p67 * g2 + p45;
  V q811 = p1011 * g2 + p89;
  V q07 = q47 * g4 + q03;
  V q813 = p1213 * g4 + q811;
  V e = q813 * (g4 * g4) + q07;
  V res = e * V(VU(n + 1023) << 52);
  // a == 0 lands here too (y <= -1023 p), and adds nothing to `flushed`.
  V under = nd < -1020.0 ? a : V{};
  flushed = under > flushed ? under : flushed;
  res = nd < -1020.0 ? V{} : res;
  return nd > 1023.0 ? Vec<W>::splat(INFINITY) : res;
}

template <int W>
ROTQ_INLINE void powKernelT(const double *a, double *out, int64_t n,
                            const PowConsts &pc) {
  typename Vec<W>::V flushed{};
  for (int64_t j = 0; j < n; j += W)
    Vec<W>::store(out + j, powV<W>(Vec<W>::load(a + j), pc, flushed));
}

/// What the error of one ratio needs, broadcast.
template <int W> struct RatioConsts {
  using V = typename Vec<W>::V;
  V sc, inv, klo, khi;
  ROTQ_INLINE RatioConsts(float scale, int zeroPoint, double qmax)
      : sc(Vec<W>::splat(double(scale))),
        inv(Vec<W>::splat(1.0 / double(scale))),
        klo(Vec<W>::splat(-qmax - 1 - zeroPoint)),
        khi(Vec<W>::splat(qmax - zeroPoint)) {}
};

/// The sum (per lane) of |deq(q(x_j)) - x_j|^p over the 64 values at x, with
/// q and deq bit for bit as quantizeValue / dequantizeValue compute them.
///
/// q - zp = clamp(nearbyint(x / scale) + zp, -qmax - 1, qmax) - zp
///        = nearbyint(clamp(x / scale, klo, khi)), klo = -qmax - 1 - zp and
/// khi = qmax - zp being integers, and (y + 1.5 * 2^52) - 1.5 * 2^52 rounds
/// |y| <= 256 to nearest even. Unless `Divide`, x / scale is taken as
/// x * fl(1 / scale), within 3 ulp of it (3 * 2^-53 * 256 < 2^-40): both
/// round to the same integer unless that is within 2^-40 of a half-integer
/// (and where one is clamped, so is the other or it rounds to the same
/// end), and `nearHalf` (the largest |y - nearbyint(y)| seen) tells the
/// caller when to divide instead.
///
/// No a * b + c may become an FMA in the part that must match
/// quantizeValue / dequantizeValue bit for bit: the only candidate,
/// x * (1 / scale) + 1.5 * 2^52, has the clamp between the two.
template <int W, bool Divide>
ROTQ_INLINE typename Vec<W>::V
blockTerms(const double *x, const RatioConsts<W> &rc, const PowConsts &pc,
           typename Vec<W>::V &flushed, typename Vec<W>::V &nearHalf) {
  using V = typename Vec<W>::V;
  using VI = typename Vec<W>::VI;
  using VF = typename Vec<W>::VF;
  const V magic = Vec<W>::splat(0x1.8p52);
  const V absMask = V(VI{} + 0x7fffffffffffffffLL);
  V sum{};
  for (int j = 0; j < 64; j += W) {
    V v = Vec<W>::load(x + j);
    V y = Divide ? v / rc.sc : v * rc.inv;
    y = y < rc.klo ? rc.klo : y;
    y = y > rc.khi ? rc.khi : y;
    V k = (y + magic) - magic;
    if (!Divide) {
      V dist = V(VI(y - k) & VI(absMask));
      nearHalf = dist > nearHalf ? dist : nearHalf;
    }
    // float(scale * float(q - zp)): the double product is exact (24 + 9
    // bits), so rounding it to float is the float product.
    V d = __builtin_convertvector(__builtin_convertvector(k * rc.sc, VF), V);
    V a = V(VI(d - v) & VI(absMask));
    sum += powV<W>(a, pc, flushed);
  }
  return sum;
}

struct FastError {
  double sum = 0;       // A_i, or the partial sum that exceeded the bound
  bool pruned = false;  // stopped once the partial sum exceeded the bound
  bool flushed = false; // some term below 2^-1020 was counted as 0
};

/// sum_j |deq(q(x_j)) - x_j|^p over n (a multiple of 64) finite values;
/// stops as soon as a partial sum exceeds `bound` (checked every 64 values).
template <int W>
ROTQ_INLINE FastError fastErrorT(const double *x, int64_t n, float scale,
                                 int zeroPoint, double qmax,
                                 const PowConsts &pc, double bound) {
  using V = typename Vec<W>::V;
  RatioConsts<W> rc(scale, zeroPoint, qmax);
  V acc{}, flushed{};
  FastError r;
  for (int64_t j0 = 0; j0 < n; j0 += 64) {
    V nearHalf{};
    V block = blockTerms<W, false>(x + j0, rc, pc, flushed, nearHalf);
    double worst = 0;
    for (int l = 0; l < W; ++l)
      worst = std::max(worst, double(nearHalf[l]));
    if (worst > 0.5 - 0x1p-40)
      block = blockTerms<W, true>(x + j0, rc, pc, flushed, nearHalf);
    acc += block;
    // The lanes only grow, so this sum never exceeds the final one.
    double s = 0;
    for (int l = 0; l < W; ++l)
      s += acc[l];
    r.sum = s;
    if (s > bound) {
      r.pruned = true;
      break;
    }
  }
  for (int l = 0; l < W; ++l)
    r.flushed |= flushed[l] > 0;
  return r;
}

/// The kernels of one instruction set.
struct Kernels {
  FastError (*fastError)(const double *x, int64_t n, float scale,
                         int zeroPoint, double qmax, const PowConsts &pc,
                         double bound);
  void (*pow)(const double *a, double *out, int64_t n, const PowConsts &pc);
};

#define ROTQ_KERNELS(NAME, W, ATTR)                                            \
  ATTR FastError NAME##FastError(const double *x, int64_t n, float scale,      \
                                 int zeroPoint, double qmax,                   \
                                 const PowConsts &pc, double bound) {          \
    return fastErrorT<W>(x, n, scale, zeroPoint, qmax, pc, bound);             \
  }                                                                            \
  ATTR void NAME##Pow(const double *a, double *out, int64_t n,                 \
                      const PowConsts &pc) {                                   \
    powKernelT<W>(a, out, n, pc);                                              \
  }                                                                            \
  const Kernels k##NAME = {NAME##FastError, NAME##Pow};
ROTQ_KERNELS(Baseline, 2, )
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define ROTQ_CLIP_X86 1
ROTQ_KERNELS(Avx2, 4, __attribute__((target("avx2,fma"))))
ROTQ_KERNELS(Avx512, 8, __attribute__((target("avx512f"))))
#endif
#undef ROTQ_KERNELS

bool supported(detail::Isa isa) {
#ifdef ROTQ_CLIP_X86
  __builtin_cpu_init();
  if (isa == detail::Isa::Avx512)
    return __builtin_cpu_supports("avx512f");
  if (isa == detail::Isa::Avx2)
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
  return isa == detail::Isa::Baseline;
}

std::atomic<int> chosenIsa{-1}; // -1: not chosen yet

const Kernels &kernels() {
  int isa = chosenIsa.load(std::memory_order_relaxed);
  if (isa < 0) {
    isa = int(detail::Isa::Baseline);
    for (detail::Isa best : {detail::Isa::Avx512, detail::Isa::Avx2})
      if (supported(best)) {
        isa = int(best);
        break;
      }
    chosenIsa.store(isa, std::memory_order_relaxed);
  }
#ifdef ROTQ_CLIP_X86
  if (isa == int(detail::Isa::Avx512))
    return kAvx512;
  if (isa == int(detail::Isa::Avx2))
    return kAvx2;
#endif
  return kBaseline;
}

/// The `n` values at x (every `stride`-th one) in `buf`, padded with zeros
/// to a multiple of 64 (a zero has code zp, dequantizes to 0 and adds
/// exactly 0); false if one is not finite or above 1e30 in magnitude.
bool gather(const double *x, int64_t n, int64_t stride,
            std::vector<double> &buf) {
  buf.assign((n + 63) / 64 * 64, 0.0);
  bool ok = true;
  for (int64_t j = 0; j < n; ++j) {
    double v = x[j * stride];
    ok &= std::fabs(v) <= 1e30; // false for NaN and inf too
    buf[j] = v;
  }
  return ok;
}

bool fastPathApplies(int64_t n, const Params &params, int grid, double p) {
  return p >= 1 && p <= 8 && params.bits >= 1 && params.bits <= 8 && n > 0 &&
         n <= (int64_t(1) << 40) && grid >= 1;
}

/// The error of ratio `clip` as the plain search sums it: std::pow, left
/// to right.
double exactError(const double *x, int64_t n, int64_t stride,
                  const Params &params, const Range &range, double clip,
                  double p) {
  Scale s = scaleOf(range, params, clip);
  double err = 0;
  for (int64_t j = 0; j < n; ++j) {
    double v = x[j * stride];
    double d = dequantizeValue(quantizeValue(v, s, params.bits), s);
    err += std::pow(std::fabs(d - v), p);
  }
  return err;
}

/// How many ratios the search tries: 1, 1 - 1/grid, ... down to minRatio.
int ratioCount(int grid, double minRatio) {
  int count = 0;
  while (count < grid &&
         1.0 - double(count) / double(grid) >= minRatio - 1e-12)
    ++count;
  return count;
}

/// The search as it has always been done: std::pow, one value at a time.
double plainSearch(const double *x, int64_t n, const Params &params,
                   int64_t stride, int grid, double p, int count) {
  Range range = rangeOf(x, n, stride);
  // The error of ratio i, or +inf as soon as its partial sum exceeds
  // `bound`: a sum of non-negative terms only grows, so such a ratio cannot
  // win, and skipping the rest changes no choice.
  auto error = [&](int i, double bound) {
    double c = 1.0 - double(i) / double(grid);
    Scale s = scaleOf(range, params, c);
    double err = 0;
    for (int64_t j0 = 0; j0 < n; j0 += 64) {
      for (int64_t j = j0, e = std::min(n, j0 + 64); j < e; ++j) {
        double v = x[j * stride];
        double d = dequantizeValue(quantizeValue(v, s, params.bits), s);
        err += std::pow(std::fabs(d - v), p);
      }
      if (err > bound)
        return double(INFINITY);
    }
    return err;
  };
  // Exactly the first ratio with the smallest error; a good guess first
  // (the ratio a coarse pass finds) lets most others stop early.
  std::vector<double> errs(count, INFINITY);
  int guess = 0;
  double guessErr = INFINITY;
  for (int i = 0; i < count; i += 4) {
    double e = error(i, guessErr);
    if (e < guessErr) {
      guessErr = e;
      guess = i;
    }
    errs[i] = e;
  }
  double best = errs[guess];
  for (int i = 0; i < count; ++i)
    if (i % 4 != 0)
      errs[i] = error(i, best), best = std::min(best, errs[i]);
  // The coarse pass stopped some of its own ratios early against a bound
  // that was not yet the final one: those lost to a smaller error anyway.
  int chosen = 0;
  for (int i = 1; i < count; ++i)
    if (errs[i] < errs[chosen])
      chosen = i;
  return 1.0 - double(chosen) / double(grid);
}
} // namespace

detail::Isa rotq::quant::detail::clipSearchIsa() {
  kernels(); // chooses one on first use
  return detail::Isa(chosenIsa.load(std::memory_order_relaxed));
}

bool rotq::quant::detail::setClipSearchIsa(Isa isa) {
  if (!supported(isa))
    return false;
  chosenIsa.store(int(isa), std::memory_order_relaxed);
  return true;
}

void rotq::quant::detail::powNonNegative(const double *a, double *out,
                                         int64_t n, double p) {
  PowConsts pc = powConsts(p);
  const Kernels &k = kernels();
  constexpr int kLanes = 8; // a multiple of every width
  int64_t body = n / kLanes * kLanes;
  k.pow(a, out, body, pc);
  if (body < n) {
    double in[kLanes] = {}, res[kLanes];
    std::copy(a + body, a + n, in);
    k.pow(in, res, kLanes, pc);
    std::copy(res, res + (n - body), out + body);
  }
}

double rotq::quant::detail::fastClipError(const double *x, int64_t n,
                                          const Params &params, double clip,
                                          double p) {
  std::vector<double> buf;
  if (!fastPathApplies(n, params, 1, p) || !gather(x, n, 1, buf))
    return NAN;
  Scale s = scaleOf(rangeOf(x, n, 1), params, clip);
  double qmax = double((int64_t(1) << (params.bits - 1)) - 1);
  return kernels()
      .fastError(buf.data(), int64_t(buf.size()), s.scale, s.zeroPoint, qmax,
                 powConsts(p), INFINITY)
      .sum;
}

double rotq::quant::detail::plainSearchClip(const double *x, int64_t n,
                                            const Params &params,
                                            int64_t stride, int grid,
                                            double minRatio, double p) {
  return plainSearch(x, n, params, stride, grid, p, ratioCount(grid, minRatio));
}

double rotq::quant::searchGroupClip(const double *x, int64_t n,
                                    const Params &params, int64_t stride,
                                    int grid, double minRatio, double p) {
  int count = ratioCount(grid, minRatio);
  thread_local std::vector<double> buf;
  if (!fastPathApplies(n, params, grid, p) || !gather(x, n, stride, buf))
    return plainSearch(x, n, params, stride, grid, p, count);

  Range range = rangeOf(buf.data(), n, 1);
  double qmax = double((int64_t(1) << (params.bits - 1)) - 1);
  PowConsts pc = powConsts(p);
  const Kernels &kernel = kernels();
  const double R = 1e-13 + double(n + 2) * 0x1p-51;
  const double T = double(n) * 0x1p-1016;
  std::vector<double> fast(count, INFINITY), tol(count, 0.0);
  std::vector<char> pruned(count, 0);
  double upper = INFINITY; // >= the smallest E_i
  auto evaluate = [&](int i) {
    double c = 1.0 - double(i) / double(grid);
    Scale s = scaleOf(range, params, c);
    // P > (upper + T)(1 + 2R) implies P (1 - R) - T > upper.
    double bound = upper == INFINITY ? INFINITY : (upper + T) * (1 + 2 * R);
    FastError e = kernel.fastError(buf.data(), int64_t(buf.size()), s.scale,
                                   s.zeroPoint, qmax, pc, bound);
    if (e.pruned) {
      pruned[i] = 1;
      return;
    }
    fast[i] = e.sum;
    tol[i] = e.flushed ? T : 0.0;
    upper = std::min(upper, e.sum * (1 + R) + tol[i]);
  };
  // A good guess first (the best of every fourth ratio), then its
  // neighbours nearest first: the bound tightens early and most others stop
  // early. (Pruning is exact in any order: the bound only decreases.)
  int guess = 0;
  for (int i = 0; i < count; i += 4) {
    evaluate(i);
    if (!pruned[i] && fast[i] < fast[guess])
      guess = i;
  }
  for (int d = 1; d < count; ++d)
    for (int i : {guess - d, guess + d})
      if (i >= 0 && i < count && i % 4 != 0)
        evaluate(i);
  std::vector<int> left;
  if (upper < 1e300) // else some E_i might overflow: the plain search
    for (int i = 0; i < count; ++i)
      if (!pruned[i] && fast[i] * (1 - R) - tol[i] <= upper)
        left.push_back(i);
  if (left.empty()) // only when upper >= 1e300
    return plainSearch(x, n, params, stride, grid, p, count);
  int chosen = left.front();
  if (left.size() > 1) {
    // A near-tie: the exact errors of the ratios left decide.
    double best = INFINITY;
    for (int i : left) {
      // With A_i == 0 and nothing flushed, every e_j is 0: E_i == 0.
      double err = fast[i] == 0 && tol[i] == 0
                       ? 0.0
                       : exactError(buf.data(), n, 1, params, range,
                                    1.0 - double(i) / double(grid), p);
      if (err < best) {
        best = err;
        chosen = i;
      }
    }
  }
  return 1.0 - double(chosen) / double(grid);
}

Quantized rotq::quant::quantize(const std::vector<double> &w, int64_t rows,
                                int64_t cols, const Params &params,
                                const std::vector<double> &clip) {
  int64_t g = params.groupSize > 0 ? params.groupSize : cols;
  assert(cols % g == 0 && "group size must divide the row");
  Quantized q;
  q.rows = rows;
  q.cols = cols;
  q.groups = cols / g;
  q.codes.resize(rows * cols);
  q.scales.resize(rows * q.groups);
  if (!params.symmetric)
    q.zeroPoints.resize(rows * q.groups);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t k = 0; k < q.groups; ++k) {
      const double *x = &w[r * cols + k * g];
      double c = clip.empty() ? params.clipRatio : clip[r * q.groups + k];
      Scale s = chooseScale(x, g, params, c);
      q.scales[r * q.groups + k] = s.scale;
      if (!params.symmetric)
        q.zeroPoints[r * q.groups + k] = s.zeroPoint;
      for (int64_t i = 0; i < g; ++i)
        q.codes[r * cols + k * g + i] = quantizeValue(x[i], s, params.bits);
    }
  return q;
}

Quantized rotq::quant::quantizeRtn(const std::vector<double> &w, int64_t rows,
                                   int64_t cols, const Params &params,
                                   bool clipSearch) {
  std::vector<double> clip;
  if (clipSearch)
    clip = searchClip(w, rows, cols, params);
  return quantize(w, rows, cols, params, clip);
}

std::vector<float> rotq::quant::dequantize(const Quantized &q) {
  std::vector<float> out(q.rows * q.cols);
  int64_t g = q.cols / q.groups;
  for (int64_t r = 0; r < q.rows; ++r)
    for (int64_t i = 0; i < q.cols; ++i) {
      int64_t k = r * q.groups + i / g;
      int zp = q.zeroPoints.empty() ? 0 : q.zeroPoints[k];
      out[r * q.cols + i] =
          q.scales[k] * float(int(q.codes[r * q.cols + i]) - zp);
    }
  return out;
}

namespace {
/// pick(first value, count, first column) for every (row, group) of w.
template <typename Pick>
std::vector<double> perGroup(const std::vector<double> &w, int64_t rows,
                             int64_t cols, const Params &params, Pick pick) {
  int64_t g = params.groupSize > 0 ? params.groupSize : cols;
  int64_t groups = cols / g;
  std::vector<double> best(rows * groups, 1.0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t k = 0; k < groups; ++k)
      best[r * groups + k] = pick(&w[r * cols + k * g], g, k * g);
  return best;
}
} // namespace

std::vector<double> rotq::quant::searchClip(const std::vector<double> &w,
                                            int64_t rows, int64_t cols,
                                            const Params &params, int grid,
                                            double minRatio, double p) {
  return perGroup(w, rows, cols, params,
                  [&](const double *x, int64_t n, int64_t) {
                    return searchGroupClip(x, n, params, 1, grid, minRatio, p);
                  });
}

std::vector<int8_t> rotq::quant::pack(const std::vector<int8_t> &codes,
                                      int64_t rows, int64_t cols, int bits) {
  int per = 8 / bits;
  std::vector<int8_t> out(rows * cols / per);
  uint8_t mask = uint8_t((1u << bits) - 1);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < cols / per; ++i) {
      uint8_t byte = 0;
      for (int j = 0; j < per; ++j)
        byte |= uint8_t((uint8_t(codes[r * cols + i * per + j]) & mask)
                        << (bits * j));
      out[r * (cols / per) + i] = int8_t(byte);
    }
  return out;
}

//===----------------------------------------------------------------------===//
// Output-error objective
//
// Each ratio's error is computed in four fixed lanes (GCC vector extensions:
// two SSE2 registers or one AVX2 one, the same arithmetic either way), so
// the sums, and the choice, do not depend on the instruction set. The codes
// are those of quantizeValue: v = x / scale is clamped to one step outside
// the code range (which changes no code), rounded to nearest even by adding
// and subtracting 1.5 * 2^52, offset by the zero point and clamped. Groups
// with non-finite values take the scalar path (quantizeValue itself).
//===----------------------------------------------------------------------===//

OutputMetric OutputMetric::fromSecondMoments(const std::vector<double> &h,
                                             int64_t cols, int64_t rank) {
  OutputMetric m;
  m.cols = cols;
  m.diag.resize(cols);
  for (int64_t j = 0; j < cols; ++j)
    m.diag[j] = h[j * cols + j];
  rotq::eigen::Pairs p = rotq::eigen::leading(h, cols, rank);
  // Directions with no energy carry nothing the diagonal does not.
  int64_t kept = 0;
  while (kept < int64_t(p.values.size()) && p.values[kept] > 0)
    ++kept;
  m.rank = kept;
  m.dirs.assign(kept * cols, 0.0);
  for (int64_t k = 0; k < kept; ++k) {
    double root = std::sqrt(p.values[k]);
    for (int64_t j = 0; j < cols; ++j) {
      double v = root * p.vectors[k * cols + j];
      m.dirs[k * cols + j] = v;
      m.diag[j] -= v * v;
    }
  }
  for (double &d : m.diag) // H minus its leading part is semi-definite
    d = std::max(d, 0.0);
  return m;
}

OutputMetric OutputMetric::fromRows(const double *rows, int64_t rank,
                                    int64_t cols) {
  OutputMetric m;
  m.cols = cols;
  m.rank = rank;
  m.diag.assign(rows, rows + cols);
  m.dirs.assign(rows + cols, rows + (1 + rank) * cols);
  return m;
}

std::vector<double> OutputMetric::unitDirections(int64_t k) const {
  std::vector<double> u(dirs.begin(), dirs.begin() + k * cols);
  for (int64_t d = 0; d < k; ++d) {
    double norm = 0;
    for (int64_t j = 0; j < cols; ++j)
      norm += u[d * cols + j] * u[d * cols + j];
    double inv = norm > 0 ? 1 / std::sqrt(norm) : 0;
    for (int64_t j = 0; j < cols; ++j)
      u[d * cols + j] *= inv;
  }
  return u;
}

OutputMetric OutputMetric::withoutLeading(int64_t k) const {
  OutputMetric m;
  m.cols = cols;
  m.rank = rank - k;
  m.diag = diag;
  m.dirs.assign(dirs.begin() + k * cols, dirs.end());
  return m;
}

std::vector<double> OutputMetric::toRows() const {
  std::vector<double> out(diag);
  out.insert(out.end(), dirs.begin(), dirs.end());
  return out;
}

namespace {
typedef double V4 __attribute__((vector_size(32)));
typedef float F4 __attribute__((vector_size(16)));

inline V4 load4(const double *p) {
  V4 v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}

inline double lanes(V4 v) { return (v[0] + v[1]) + (v[2] + v[3]); }

/// The metric's error of `n` values `e` (columns [begin, begin + n)), in
/// the lanes described above; `dots` holds rank vectors of scratch.
double metricError(const OutputMetric &m, const double *e, int64_t begin,
                   int64_t n, V4 *dots) {
  V4 acc = {0, 0, 0, 0};
  for (int64_t k = 0; k < m.rank; ++k)
    dots[k] = V4{0, 0, 0, 0};
  const double *d = &m.diag[begin];
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) {
    V4 ev = load4(e + j);
    acc += load4(d + j) * ev * ev;
    for (int64_t k = 0; k < m.rank; ++k)
      dots[k] += load4(&m.dirs[k * m.cols + begin + j]) * ev;
  }
  for (; j < n; ++j) { // the tail, lane by lane
    acc[j & 3] += d[j] * e[j] * e[j];
    for (int64_t k = 0; k < m.rank; ++k)
      dots[k][j & 3] += m.dirs[k * m.cols + begin + j] * e[j];
  }
  double sum = lanes(acc);
  for (int64_t k = 0; k < m.rank; ++k) {
    double dot = lanes(dots[k]);
    sum += dot * dot;
  }
  return sum;
}

/// e = dequantize(quantize(x)) - x for `n` finite values (see above).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
void roundingErrors(const double *x, int64_t n, Scale s, int bits,
                    double *e) {
  const double qmax = double((int64_t(1) << (bits - 1)) - 1);
  const double zp = double(s.zeroPoint), scale = double(s.scale);
  const double lo = -qmax - 1 - zp - 1, hi = qmax - zp + 1;
  const double magic = 0x1.8p52;
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) {
    V4 xv = load4(x + j);
    V4 v = xv / scale;
    v = v < lo ? V4{} + lo : v;
    v = v > hi ? V4{} + hi : v;
    V4 q = (v + magic) - magic + zp;
    q = q < -qmax - 1 ? V4{} + (-qmax - 1) : q;
    q = q > qmax ? V4{} + qmax : q;
    F4 deq = __builtin_convertvector(q - zp, F4) * float(s.scale);
    V4 ev = __builtin_convertvector(deq, V4) - xv;
    __builtin_memcpy(e + j, &ev, sizeof ev);
  }
  for (; j < n; ++j)
    e[j] = dequantizeValue(quantizeValue(x[j], s, bits), s) - x[j];
}
} // namespace

double OutputMetric::error(const double *e, int64_t begin, int64_t n) const {
  thread_local std::vector<V4> dots;
  dots.resize(std::max<int64_t>(rank, 1));
  return metricError(*this, e, begin, n, dots.data());
}

double rotq::quant::searchGroupClipOutput(const double *x, int64_t n,
                                          const Params &params,
                                          const OutputMetric &metric,
                                          int64_t begin, int grid,
                                          double minRatio) {
  assert(begin + n <= metric.cols && "the metric is narrower than the row");
  int count = ratioCount(grid, minRatio);
  Range range = rangeOf(x, n, 1);
  bool finite = true;
  for (int64_t j = 0; j < n; ++j)
    finite &= std::isfinite(x[j]) && std::fabs(x[j]) <= 1e30;
  thread_local std::vector<double> e;
  thread_local std::vector<V4> dots;
  e.resize(n);
  dots.resize(std::max<int64_t>(metric.rank, 1));
  double best = INFINITY;
  int chosen = 0;
  for (int i = 0; i < count; ++i) {
    Scale s = scaleOf(range, params, 1.0 - double(i) / double(grid));
    if (finite)
      roundingErrors(x, n, s, params.bits, e.data());
    else
      for (int64_t j = 0; j < n; ++j)
        e[j] = dequantizeValue(quantizeValue(x[j], s, params.bits), s) - x[j];
    double err = metricError(metric, e.data(), begin, n, dots.data());
    if (err < best) { // NaN / inf errors never win: ratio 1 stays
      best = err;
      chosen = i;
    }
  }
  return 1.0 - double(chosen) / double(grid);
}

std::vector<double> rotq::quant::searchClip(const std::vector<double> &w,
                                            int64_t rows, int64_t cols,
                                            const Params &params,
                                            const OutputMetric &metric,
                                            int grid, double minRatio) {
  return perGroup(w, rows, cols, params,
                  [&](const double *x, int64_t n, int64_t begin) {
                    return searchGroupClipOutput(x, n, params, metric, begin,
                                                 grid, minRatio);
                  });
}

void rotq::quant::refineRounding(const double *w, int64_t cols,
                                 const Params &params, const Scale *scales,
                                 int8_t *codes, const OutputMetric &metric,
                                 int passes) {
  assert(metric.cols == cols && "the metric must span the row");
  int64_t g = params.groupSize > 0 ? params.groupSize : cols;
  int qmax = (1 << (params.bits - 1)) - 1;
  int64_t rank = metric.rank;
  std::vector<double> e(cols), dot(rank, 0.0);
  double total = 0;
  for (int64_t j = 0; j < cols; ++j) {
    e[j] = dequantizeValue(codes[j], scales[j / g]) - w[j];
    if (!std::isfinite(e[j]))
      return; // nothing to improve on
    total += metric.diag[j] * e[j] * e[j];
    for (int64_t k = 0; k < rank; ++k)
      dot[k] += metric.dirs[k * cols + j] * e[j];
  }
  for (double d : dot)
    total += d * d;
  for (int pass = 0; pass < passes; ++pass) {
    bool changed = false;
    for (int64_t j = 0; j < cols; ++j) {
      const Scale &s = scales[j / g];
      for (int step : {1, -1}) {
        int q = int(codes[j]) + step;
        if (q < -qmax - 1 || q > qmax)
          continue;
        double ne = dequantizeValue(int8_t(q), s) - w[j], de = ne - e[j];
        double delta = metric.diag[j] * (ne * ne - e[j] * e[j]);
        for (int64_t k = 0; k < rank; ++k) {
          double v = metric.dirs[k * cols + j];
          delta += de * v * (2 * dot[k] + de * v);
        }
        if (!(delta < -1e-12 * total))
          continue;
        codes[j] = int8_t(q);
        for (int64_t k = 0; k < rank; ++k)
          dot[k] += metric.dirs[k * cols + j] * de;
        e[j] = ne;
        total += delta;
        changed = true;
        break;
      }
    }
    if (!changed)
      break;
  }
}
