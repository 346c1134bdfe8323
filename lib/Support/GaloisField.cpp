//===- GaloisField.cpp - arithmetic in GF(p^k) ----------------------------===//
#include "rotq/Support/GaloisField.h"

#include <cassert>

using namespace rotq;

std::optional<std::pair<int64_t, int64_t>>
rotq::primePowerDecomposition(int64_t q) {
  if (q < 2)
    return std::nullopt;
  int64_t p = 0;
  for (int64_t d = 2; d * d <= q; ++d)
    if (q % d == 0) {
      p = d;
      break;
    }
  if (p == 0)
    return std::make_pair(q, int64_t(1));
  int64_t k = 0;
  while (q % p == 0) {
    q /= p;
    ++k;
  }
  if (q != 1)
    return std::nullopt;
  return std::make_pair(p, k);
}

namespace {
using Poly = std::vector<int64_t>; // coefficients low to high, mod p

void trim(Poly &a) {
  while (!a.empty() && a.back() == 0)
    a.pop_back();
}

int64_t inverseMod(int64_t a, int64_t p) {
  // p is prime: a^(p-2) mod p.
  int64_t r = 1, b = a % p, e = p - 2;
  while (e > 0) {
    if (e & 1)
      r = r * b % p;
    b = b * b % p;
    e >>= 1;
  }
  return r;
}

Poly polyMod(Poly a, const Poly &m, int64_t p) {
  trim(a);
  int64_t dm = static_cast<int64_t>(m.size()) - 1;
  int64_t inv = inverseMod(m.back(), p);
  while (static_cast<int64_t>(a.size()) - 1 >= dm && !a.empty()) {
    int64_t shift = static_cast<int64_t>(a.size()) - 1 - dm;
    int64_t f = a.back() * inv % p;
    for (int64_t i = 0; i <= dm; ++i)
      a[shift + i] = ((a[shift + i] - f * m[i]) % p + p) % p;
    trim(a);
  }
  return a;
}

Poly polyMulMod(const Poly &a, const Poly &b, const Poly &m, int64_t p) {
  if (a.empty() || b.empty())
    return {};
  Poly r(a.size() + b.size() - 1, 0);
  for (size_t i = 0; i < a.size(); ++i)
    for (size_t j = 0; j < b.size(); ++j)
      r[i + j] = (r[i + j] + a[i] * b[j]) % p;
  return polyMod(r, m, p);
}

Poly polyGcd(Poly a, Poly b, int64_t p) {
  trim(a);
  trim(b);
  while (!b.empty()) {
    Poly r = polyMod(a, b, p);
    a = b;
    b = r;
  }
  return a;
}

/// Rabin's test: monic f of degree k is irreducible over GF(p) iff
/// gcd(f, x^(p^i) - x) = 1 for every i <= k/2.
bool isIrreducible(const Poly &f, int64_t p) {
  int64_t k = static_cast<int64_t>(f.size()) - 1;
  Poly xpow = {0, 1}; // x
  for (int64_t i = 1; i <= k / 2; ++i) {
    // xpow <- xpow^p mod f
    Poly r = {1};
    Poly base = xpow;
    for (int64_t e = p; e > 0; e >>= 1) {
      if (e & 1)
        r = polyMulMod(r, base, f, p);
      base = polyMulMod(base, base, f, p);
    }
    xpow = r;
    Poly g = xpow;
    g.resize(std::max<size_t>(g.size(), 2), 0);
    g[1] = ((g[1] - 1) % p + p) % p;
    Poly d = polyGcd(f, g, p);
    if (d.size() != 1)
      return false;
  }
  return true;
}

Poly decode(int64_t a, int64_t p, int64_t k) {
  Poly r(k, 0);
  for (int64_t i = 0; i < k; ++i, a /= p)
    r[i] = a % p;
  trim(r);
  return r;
}

int64_t encode(const Poly &a, int64_t p) {
  int64_t r = 0;
  for (size_t i = a.size(); i-- > 0;)
    r = r * p + a[i];
  return r;
}
} // namespace

GaloisField::GaloisField(int64_t p, int64_t k) : p(p), k(k), q(1) {
  assert(p >= 2 && k >= 1 && "invalid field parameters");
  for (int64_t i = 0; i < k; ++i)
    q *= p;
  // Smallest monic irreducible polynomial of degree k, in encoding order.
  if (k == 1) {
    mod = {0, 1};
  } else {
    for (int64_t c = 0; c < q; ++c) {
      Poly f = decode(c, p, k);
      f.resize(k + 1, 0);
      f[k] = 1;
      if (f[0] != 0 && isIrreducible(f, p)) {
        mod = f;
        break;
      }
    }
  }
  assert(!mod.empty() && "no irreducible polynomial found");
  chi.assign(q, -1);
  chi[0] = 0;
  for (int64_t a = 1; a < q; ++a)
    chi[mul(a, a)] = 1;
}

int64_t GaloisField::add(int64_t a, int64_t b) const {
  if (k == 1)
    return (a + b) % p;
  int64_t r = 0, scale = 1;
  for (int64_t i = 0; i < k; ++i, a /= p, b /= p, scale *= p)
    r += ((a % p + b % p) % p) * scale;
  return r;
}

int64_t GaloisField::sub(int64_t a, int64_t b) const {
  if (k == 1)
    return ((a - b) % p + p) % p;
  int64_t r = 0, scale = 1;
  for (int64_t i = 0; i < k; ++i, a /= p, b /= p, scale *= p)
    r += (((a % p - b % p) % p + p) % p) * scale;
  return r;
}

int64_t GaloisField::mul(int64_t a, int64_t b) const {
  if (k == 1)
    return a * b % p;
  return encode(polyMulMod(decode(a, p, k), decode(b, p, k), mod, p), p);
}
