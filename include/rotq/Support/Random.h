//===- Random.h - seeded, library-independent random numbers ----*- C++ -*-===//
//
// splitmix64 and Box-Muller, so that a seed gives the same draws with every
// C++ standard library (std::normal_distribution is implementation-defined).
//
//===----------------------------------------------------------------------===//
#ifndef ROTQ_SUPPORT_RANDOM_H
#define ROTQ_SUPPORT_RANDOM_H

#include <cmath>
#include <cstdint>

namespace rotq {

class Random {
public:
  explicit Random(uint64_t seed) : state(seed) {}

  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, 1).
  double uniform() { return double(next() >> 11) * 0x1.0p-53; }
  /// Standard normal (one Box-Muller draw per call).
  double normal() {
    double u1 = (double(next() >> 11) + 1.0) * 0x1.0p-53;
    double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2 * M_PI * u2);
  }
  /// Uniform integer in [0, n).
  uint64_t below(uint64_t n) { return n ? next() % n : 0; }
  /// +1 or -1 with equal probability.
  int sign() { return (next() >> 63) ? -1 : 1; }

private:
  uint64_t state;
};

} // namespace rotq

#endif
