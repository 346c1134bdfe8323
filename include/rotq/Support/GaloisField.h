//===- GaloisField.h - arithmetic in GF(p^k) --------------------*- C++ -*-===//
//
// Finite fields for the Paley constructions. Elements of GF(p^k) are
// polynomials over GF(p) of degree < k modulo a monic irreducible polynomial,
// encoded as integers in base p (coefficient of x^i is digit i).
//
//===----------------------------------------------------------------------===//
#ifndef ROTQ_SUPPORT_GALOISFIELD_H
#define ROTQ_SUPPORT_GALOISFIELD_H

#include <cstdint>
#include <optional>
#include <vector>

namespace rotq {

/// If q = p^k for a prime p and k >= 1, returns {p, k}.
std::optional<std::pair<int64_t, int64_t>> primePowerDecomposition(int64_t q);

class GaloisField {
public:
  /// Builds GF(p^k). `p` must be prime and p^k small enough to enumerate.
  GaloisField(int64_t p, int64_t k);

  int64_t order() const { return q; }
  int64_t characteristic() const { return p; }
  int64_t degree() const { return k; }

  int64_t add(int64_t a, int64_t b) const;
  int64_t sub(int64_t a, int64_t b) const;
  int64_t mul(int64_t a, int64_t b) const;

  /// Quadratic character: 0 for 0, +1 for non-zero squares, -1 otherwise.
  int quadraticCharacter(int64_t a) const { return chi[a]; }

  /// The monic irreducible modulus, coefficients low to high (size k+1).
  const std::vector<int64_t> &modulus() const { return mod; }

private:
  int64_t p, k, q;
  std::vector<int64_t> mod;
  std::vector<int8_t> chi;
};

} // namespace rotq

#endif
