//===- Hadamard.cpp - Hadamard matrices of useful orders ------------------===//
#include "rotq/Support/Hadamard.h"
#include "rotq/Support/GaloisField.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <sstream>

using namespace rotq;
using namespace rotq::hadamard;

namespace {

// Four +-1 sequences of length t with periodic autocorrelations summing to
// zero at every non-zero shift, found by a seeded local search. Plugged into
// the Goethals-Seidel array they give Hadamard matrices of order 4t; the unit
// tests check H H^T = 4t I exactly.
struct GSSequences {
  int64_t t;
  const char *rows[4];
};
const GSSequences kGoethalsSeidel[] = {
    {39,
     {"+-+-+-+-++-++-++--++--+-++++++--+---+++",
      "+-+++++---+--+++---++++--++-++++--+--+-",
      "++-+-+-++++-++-+++++++-++++--++------+-",
      "+--++++--+-+---+-+-+--++++++--+++---+--"}},
};

const GSSequences *findGoethalsSeidel(int64_t order) {
  for (const GSSequences &s : kGoethalsSeidel)
    if (4 * s.t == order)
      return &s;
  return nullptr;
}

bool isPowerOfTwo(int64_t n) { return n > 0 && (n & (n - 1)) == 0; }

int64_t log2Exact(int64_t n) {
  int64_t m = 0;
  while ((int64_t(1) << m) < n)
    ++m;
  return m;
}

/// The non-power-of-two "atom" of order d, if one is constructible.
std::optional<Factor> atomOfOrder(int64_t d) {
  if (isPowerOfTwo(d))
    return std::nullopt; // Sylvester is always cheaper.
  if (auto pk = primePowerDecomposition(d - 1); pk && (d - 1) % 4 == 3)
    return Factor{FactorKind::PaleyI, d, d - 1};
  if (d % 2 == 0) {
    int64_t q = d / 2 - 1;
    if (auto pk = primePowerDecomposition(q); pk && q % 4 == 1)
      return Factor{FactorKind::PaleyII, d, q};
  }
  if (findGoethalsSeidel(d))
    return Factor{FactorKind::GoethalsSeidel, d, 0};
  return std::nullopt;
}

std::vector<int64_t> divisors(int64_t n) {
  std::vector<int64_t> small, large;
  for (int64_t d = 1; d * d <= n; ++d)
    if (n % d == 0) {
      small.push_back(d);
      if (d != n / d)
        large.push_back(n / d);
    }
  small.insert(small.end(), large.rbegin(), large.rend());
  return small;
}

struct Best {
  int64_t cost = std::numeric_limits<int64_t>::max();
  std::vector<Factor> factors;
  int64_t log2Sylvester = 0;
  bool found() const { return cost != std::numeric_limits<int64_t>::max(); }
};

/// Cheapest Hadamard factorization of n, by recursion over divisors.
const Best &bestHadamard(int64_t n, std::map<int64_t, Best> &memo) {
  auto it = memo.find(n);
  if (it != memo.end())
    return it->second;
  Best best;
  if (isPowerOfTwo(n)) {
    best.cost = log2Exact(n);
    best.log2Sylvester = best.cost;
  } else if (n % 4 == 0) {
    for (int64_t d : divisors(n)) {
      std::optional<Factor> atom = atomOfOrder(d);
      if (!atom)
        continue;
      Best rest = bestHadamard(n / d, memo);
      if (!rest.found() || d + rest.cost >= best.cost)
        continue;
      best = rest;
      best.cost += d;
      best.factors.push_back(*atom);
    }
    std::sort(best.factors.begin(), best.factors.end(),
              [](const Factor &a, const Factor &b) { return a.order < b.order; });
  }
  return memo[n] = best;
}

std::string primePowerString(int64_t q) {
  auto pk = primePowerDecomposition(q);
  std::ostringstream os;
  os << q;
  if (pk && pk->second > 1)
    os << "=" << pk->first << "^" << pk->second;
  return os.str();
}

std::vector<int8_t> paleyI(int64_t q) {
  auto pk = primePowerDecomposition(q);
  GaloisField f(pk->first, pk->second);
  int64_t n = q + 1;
  // H = I + S, S = [[0, 1^T], [-1, Q]], Q[a][b] = chi(a - b) (skew).
  std::vector<int8_t> h(n * n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      int s;
      if (i == 0 && j == 0)
        s = 0;
      else if (i == 0)
        s = 1;
      else if (j == 0)
        s = -1;
      else
        s = f.quadraticCharacter(f.sub(i - 1, j - 1));
      h[i * n + j] = static_cast<int8_t>(s + (i == j ? 1 : 0));
    }
  return h;
}

std::vector<int8_t> paleyII(int64_t q) {
  auto pk = primePowerDecomposition(q);
  GaloisField f(pk->first, pk->second);
  int64_t c = q + 1, n = 2 * c;
  // Symmetric conference matrix C = [[0, 1^T], [1, Q]]; zeros become
  // [[1,-1],[-1,-1]] and +-1 entries +-[[1,1],[1,-1]].
  std::vector<int8_t> h(n * n);
  for (int64_t i = 0; i < c; ++i)
    for (int64_t j = 0; j < c; ++j) {
      int s;
      if (i == 0 && j == 0)
        s = 0;
      else if (i == 0 || j == 0)
        s = 1;
      else
        s = f.quadraticCharacter(f.sub(i - 1, j - 1));
      int b[2][2];
      if (s == 0) {
        b[0][0] = 1, b[0][1] = -1, b[1][0] = -1, b[1][1] = -1;
      } else {
        b[0][0] = s, b[0][1] = s, b[1][0] = s, b[1][1] = -s;
      }
      for (int u = 0; u < 2; ++u)
        for (int v = 0; v < 2; ++v)
          h[(2 * i + u) * n + 2 * j + v] = static_cast<int8_t>(b[u][v]);
    }
  return h;
}

std::vector<int8_t> goethalsSeidel(const GSSequences &g) {
  int64_t t = g.t, n = 4 * t;
  auto seq = [&](int which, int64_t idx) -> int {
    return g.rows[which][idx] == '+' ? 1 : -1;
  };
  // Circulant X[i][j] = x[(j - i) mod t]; R the back-identity.
  // (X R)[i][j] = X[i][t-1-j];  (X^T R)[i][j] = X[t-1-j][i].
  auto circ = [&](int which, int64_t i, int64_t j) {
    return seq(which, ((j - i) % t + t) % t);
  };
  auto xr = [&](int which, int64_t i, int64_t j) {
    return circ(which, i, t - 1 - j);
  };
  auto xtr = [&](int which, int64_t i, int64_t j) {
    return circ(which, t - 1 - j, i);
  };
  // [  A    BR    CR    DR  ]
  // [ -BR   A     D'R  -C'R ]
  // [ -CR  -D'R   A     B'R ]
  // [ -DR   C'R  -B'R   A   ]
  enum { A, B, C, D };
  std::vector<int8_t> h(n * n);
  for (int64_t bi = 0; bi < 4; ++bi)
    for (int64_t bj = 0; bj < 4; ++bj)
      for (int64_t i = 0; i < t; ++i)
        for (int64_t j = 0; j < t; ++j) {
          int v = 0;
          switch (bi * 4 + bj) {
          case 0: case 5: case 10: case 15: v = circ(A, i, j); break;
          case 1: v = xr(B, i, j); break;
          case 2: v = xr(C, i, j); break;
          case 3: v = xr(D, i, j); break;
          case 4: v = -xr(B, i, j); break;
          case 6: v = xtr(D, i, j); break;
          case 7: v = -xtr(C, i, j); break;
          case 8: v = -xr(C, i, j); break;
          case 9: v = -xtr(D, i, j); break;
          case 11: v = xtr(B, i, j); break;
          case 12: v = -xr(D, i, j); break;
          case 13: v = xtr(C, i, j); break;
          case 14: v = -xtr(B, i, j); break;
          }
          h[(bi * t + i) * n + bj * t + j] = static_cast<int8_t>(v);
        }
  return h;
}

std::vector<double> dct2(int64_t r) {
  // M[i][k] = alpha_k cos(pi (i + 1/2) k / r): x * M is the orthonormal DCT.
  std::vector<double> m(r * r);
  for (int64_t i = 0; i < r; ++i)
    for (int64_t k = 0; k < r; ++k) {
      double alpha = std::sqrt((k == 0 ? 1.0 : 2.0) / double(r));
      m[i * r + k] = alpha * std::cos(M_PI * (double(i) + 0.5) * double(k) /
                                      double(r));
    }
  return m;
}

template <typename T>
std::vector<T> kron(const std::vector<T> &a, int64_t na,
                    const std::vector<T> &b, int64_t nb) {
  int64_t n = na * nb;
  std::vector<T> r(n * n);
  for (int64_t i = 0; i < na; ++i)
    for (int64_t j = 0; j < na; ++j) {
      T aij = a[i * na + j];
      for (int64_t u = 0; u < nb; ++u) {
        T *dst = &r[(i * nb + u) * n + j * nb];
        const T *src = &b[u * nb];
        for (int64_t v = 0; v < nb; ++v)
          dst[v] = static_cast<T>(aij * src[v]);
      }
    }
  return r;
}

} // namespace

std::string Factor::str() const {
  std::ostringstream os;
  switch (kind) {
  case FactorKind::PaleyI:
    os << order << " (Paley I, q=" << primePowerString(q) << ")";
    break;
  case FactorKind::PaleyII:
    os << order << " (Paley II, q=" << primePowerString(q) << ")";
    break;
  case FactorKind::GoethalsSeidel:
    os << order << " (Goethals-Seidel, 4*" << order / 4 << ")";
    break;
  case FactorKind::DctFallback:
    os << "DCT-II(" << order << ")";
    break;
  }
  return os.str();
}

bool Factorization::isHadamard() const {
  return std::all_of(factors.begin(), factors.end(),
                     [](const Factor &f) { return f.isHadamard(); });
}

int64_t Factorization::onlineCost() const {
  int64_t c = log2Sylvester;
  for (const Factor &f : factors)
    c += f.order;
  return c;
}

std::string Factorization::str() const {
  std::ostringstream os;
  os << n << " =";
  const char *sep = " ";
  for (const Factor &f : factors) {
    os << sep << f.str();
    sep = " x ";
  }
  if (log2Sylvester > 0 || factors.empty())
    os << sep << "2^" << log2Sylvester;
  return os.str();
}

Factorization rotq::hadamard::factorize(int64_t n) {
  assert(n >= 1 && n <= kMaxOrder && "order out of range");
  std::map<int64_t, Best> memo;
  Factorization f;
  f.n = n;
  const Best &best = bestHadamard(n, memo);
  if (best.found()) {
    f.factors = best.factors;
    f.log2Sylvester = best.log2Sylvester;
    return f;
  }
  // Fallback: the largest divisor d with a Hadamard factorization, and an
  // orthonormal DCT-II on the remaining factor r = n / d.
  std::vector<int64_t> divs = divisors(n);
  for (auto it = divs.rbegin(); it != divs.rend(); ++it) {
    const Best &b = bestHadamard(*it, memo);
    if (!b.found())
      continue;
    f.factors.push_back(Factor{FactorKind::DctFallback, n / *it, 0});
    f.factors.insert(f.factors.end(), b.factors.begin(), b.factors.end());
    f.log2Sylvester = b.log2Sylvester;
    break;
  }
  return f;
}

bool rotq::hadamard::hasHadamard(int64_t n) {
  return n >= 1 && n <= kMaxOrder && factorize(n).isHadamard();
}

std::vector<int8_t> rotq::hadamard::factorSignMatrix(const Factor &f) {
  switch (f.kind) {
  case FactorKind::PaleyI:
    return paleyI(f.q);
  case FactorKind::PaleyII:
    return paleyII(f.q);
  case FactorKind::GoethalsSeidel:
    return goethalsSeidel(*findGoethalsSeidel(f.order));
  case FactorKind::DctFallback:
    break;
  }
  assert(false && "the DCT fallback has no sign matrix");
  return {};
}

std::vector<double> rotq::hadamard::factorMatrix(const Factor &f) {
  if (f.kind == FactorKind::DctFallback)
    return dct2(f.order);
  std::vector<int8_t> s = factorSignMatrix(f);
  double inv = 1.0 / std::sqrt(double(f.order));
  std::vector<double> m(s.size());
  for (size_t i = 0; i < s.size(); ++i)
    m[i] = s[i] * inv;
  return m;
}

std::vector<int8_t> rotq::hadamard::hadamardSignMatrix(int64_t n) {
  Factorization f = factorize(n);
  assert(f.isHadamard() && "order has no Hadamard matrix");
  std::vector<int8_t> h = {1};
  int64_t size = 1;
  for (const Factor &fac : f.factors) {
    h = kron(h, size, factorSignMatrix(fac), fac.order);
    size *= fac.order;
  }
  std::vector<int8_t> h2 = {1, 1, 1, -1};
  for (int64_t i = 0; i < f.log2Sylvester; ++i) {
    h = kron(h, size, h2, 2);
    size *= 2;
  }
  return h;
}

std::vector<double> rotq::hadamard::normalizedMatrix(int64_t n) {
  Factorization f = factorize(n);
  std::vector<double> m = {1.0};
  int64_t size = 1;
  for (const Factor &fac : f.factors) {
    m = kron(m, size, factorMatrix(fac), fac.order);
    size *= fac.order;
  }
  double h = 1.0 / std::sqrt(2.0);
  std::vector<double> h2 = {h, h, h, -h};
  for (int64_t i = 0; i < f.log2Sylvester; ++i) {
    m = kron(m, size, h2, 2);
    size *= 2;
  }
  return m;
}

bool rotq::hadamard::isSymmetric(int64_t n) {
  // A Kronecker product of non-skew factors is symmetric iff every factor
  // is; Sylvester matrices are.
  for (const Factor &fac : factorize(n).factors) {
    std::vector<double> m = factorMatrix(fac);
    int64_t k = fac.order;
    for (int64_t i = 0; i < k; ++i)
      for (int64_t j = i + 1; j < k; ++j)
        if (m[i * k + j] != m[j * k + i])
          return false;
  }
  return true;
}

std::vector<double> rotq::hadamard::normalizedRows(int64_t n, int64_t begin,
                                                   int64_t end) {
  Factorization f = factorize(n);
  std::vector<int64_t> radices;
  std::vector<std::vector<double>> mats;
  for (const Factor &fac : f.factors) {
    radices.push_back(fac.order);
    mats.push_back(factorMatrix(fac));
  }
  int64_t p = int64_t(1) << f.log2Sylvester;
  double scale = 1.0 / std::sqrt(double(p));
  std::vector<double> out((end - begin) * n);
  std::vector<int64_t> digit(radices.size());
  for (int64_t i = begin; i < end; ++i) {
    int64_t rest = i / p, ip = i % p;
    for (size_t t = radices.size(); t-- > 0;) {
      digit[t] = rest % radices[t];
      rest /= radices[t];
    }
    double *row = &out[(i - begin) * n];
    row[0] = 1.0;
    int64_t size = 1;
    for (size_t t = 0; t < radices.size(); ++t) {
      int64_t k = radices[t];
      const double *fr = &mats[t][digit[t] * k];
      for (int64_t a = size; a-- > 0;) // in place, back to front
        for (int64_t b = k; b-- > 0;)
          row[a * k + b] = row[a] * fr[b];
      size *= k;
    }
    for (int64_t a = size; a-- > 0;)
      for (int64_t b = p; b-- > 0;)
        row[a * p + b] =
            row[a] * scale * (__builtin_popcountll(ip & b) % 2 ? -1.0 : 1.0);
  }
  return out;
}

void rotq::hadamard::applyToRows(int64_t n, double *rows, int64_t count,
                                 bool transpose) {
  Factorization f = factorize(n);
  std::vector<std::vector<double>> mats;
  for (const Factor &fac : f.factors)
    mats.push_back(factorMatrix(fac));
  int64_t p = int64_t(1) << f.log2Sylvester;
  double scale = 1.0 / std::sqrt(double(p));
  for (int64_t r = 0; r < count; ++r) {
    double *row = rows + r * n;
    // Row index i = (d_1, ..., d_j, i_p) in mixed radix, factor 1 outermost:
    // (x M)[.., b, ..] = sum_a x[.., a, ..] F[a, b] along each axis.
    int64_t outer = 1;
    for (size_t t = 0; t < mats.size(); ++t) {
      int64_t k = f.factors[t].order;
      applyAlongAxis(row, n, outer, k, mats[t].data(), transpose);
      outer *= k;
    }
    // Sylvester part (symmetric): butterflies on each contiguous block.
    for (int64_t blk = 0; blk < n; blk += p) {
      double *x = row + blk;
      for (int64_t h = 1; h < p; h *= 2)
        for (int64_t i = 0; i < p; i += 2 * h)
          for (int64_t j = i; j < i + h; ++j) {
            double a = x[j], b = x[j + h];
            x[j] = a + b;
            x[j + h] = a - b;
          }
      for (int64_t i = 0; i < p; ++i)
        x[i] *= scale;
    }
  }
}

void rotq::hadamard::applyAlongAxis(double *row, int64_t n, int64_t outer,
                                    int64_t k, const double *m,
                                    bool transpose) {
  int64_t stride = n / (outer * k);
  std::vector<double> in(k);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t s = 0; s < stride; ++s) {
      double *base = row + o * k * stride + s;
      for (int64_t a = 0; a < k; ++a)
        in[a] = base[a * stride];
      for (int64_t b = 0; b < k; ++b) {
        double acc = 0;
        for (int64_t a = 0; a < k; ++a)
          acc += in[a] * (transpose ? m[b * k + a] : m[a * k + b]);
        base[b * stride] = acc;
      }
    }
}

std::string rotq::hadamard::unsupportedReason(int64_t n) {
  if (n < 1 || n > kMaxOrder)
    return "order " + std::to_string(n) + " is outside [1, " +
           std::to_string(kMaxOrder) + "]";
  for (const Factor &f : factorize(n).factors)
    if (f.order > kMaxDenseFactor)
      return "order " + std::to_string(n) + " needs a dense " + f.str() +
             " factor of order " + std::to_string(f.order) +
             ", larger than the " + std::to_string(kMaxDenseFactor) +
             " rotq builds (" + std::to_string(n) +
             " has no Hadamard construction with small factors)";
  return "";
}
