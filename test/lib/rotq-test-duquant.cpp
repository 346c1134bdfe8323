//===- rotq-test-duquant.cpp - DuQuant numerics on .npy files (tests) -----===//
//
// Runs the float64 DuQuant numerics of rotq/Support/DuQuant.h on .npy inputs
// so that the lit tests can compare them with an independent NumPy
// implementation:
//
//   rotq-test-duquant block-size C B
//   rotq-test-duquant smooth ACT.npy W.npy ALPHA OUT.npy
//   rotq-test-duquant base B SEED OUT.npy
//   rotq-test-duquant greedy DATA.npy B SEED STEPS OUTDIR
//       DATA [rows, n]; writes base.npy, rotation.npy, peaks.npy,
//       columns.npy and prints "kept K"
//   rotq-test-duquant zigzag MAX.npy B OUT.npy   (prints the block-mean
//       variance of MAX before and after)
//
//===----------------------------------------------------------------------===//
#include "rotq/Support/DuQuant.h"
#include "rotq/Support/Npy.h"

#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace rotq;

namespace {
[[noreturn]] void fail(const std::string &msg) {
  llvm::errs() << "rotq-test-duquant: " << msg << "\n";
  std::exit(1);
}

npy::Array readArray(const std::string &path) {
  auto a = npy::read(path);
  if (!a)
    fail(llvm::toString(a.takeError()));
  return std::move(*a);
}

std::vector<double> doubles(const npy::Array &a) {
  std::vector<double> v(a.numElements());
  for (int64_t i = 0; i < a.numElements(); ++i)
    v[i] = a.getDouble(i);
  return v;
}

int64_t integer(const char *s) {
  char *end = nullptr;
  long long v = std::strtoll(s, &end, 10);
  if (!*s || *end)
    fail(std::string("not an integer: ") + s);
  return v;
}

void writeF64(const std::string &path, const std::vector<double> &v,
              std::vector<int64_t> shape) {
  npy::Array a;
  a.dtype = npy::DType::F64;
  a.shape = std::move(shape);
  a.data.resize(v.size() * 8);
  std::memcpy(a.data.data(), v.data(), a.data.size());
  if (auto err = npy::write(path, a))
    fail(llvm::toString(std::move(err)));
}

void writeI64(const std::string &path, const std::vector<int64_t> &v) {
  npy::Array a = npy::fromInt64(v);
  if (auto err = npy::write(path, a))
    fail(llvm::toString(std::move(err)));
}
} // namespace

int main(int argc, char **argv) {
  if (argc < 2)
    fail("usage: block-size | smooth | base | greedy | zigzag ...");
  std::string cmd = argv[1];
  if (cmd == "block-size" && argc == 4) {
    std::string why;
    int64_t b = duquant::chooseBlockSize(integer(argv[2]), integer(argv[3]),
                                         &why);
    llvm::outs() << b << (why.empty() ? "" : "  # ") << why << "\n";
    return 0;
  }
  if (cmd == "smooth" && argc == 6) {
    std::vector<double> l = duquant::smoothingFactors(
        doubles(readArray(argv[2])), doubles(readArray(argv[3])),
        std::strtod(argv[4], nullptr));
    writeF64(argv[5], l, {int64_t(l.size())});
    return 0;
  }
  if (cmd == "base" && argc == 5) {
    int64_t b = integer(argv[2]);
    writeF64(argv[4], duquant::baseRotation(b, integer(argv[3])), {b, b});
    return 0;
  }
  if (cmd == "greedy" && argc == 7) {
    npy::Array data = readArray(argv[2]);
    int64_t b = integer(argv[3]);
    if (data.shape.size() != 2 || data.shape[1] % b)
      fail("greedy: DATA must be [rows, n] with B dividing n");
    std::vector<double> base = duquant::baseRotation(b, integer(argv[4]));
    duquant::Greedy g =
        duquant::greedyRotation(doubles(data), b, base, integer(argv[5]));
    std::string dir = argv[6];
    writeF64(dir + "/base.npy", base, {b, b});
    writeF64(dir + "/rotation.npy", g.rotation, {b, b});
    writeF64(dir + "/peaks.npy", g.peaks, {int64_t(g.peaks.size())});
    writeI64(dir + "/columns.npy", g.columns);
    llvm::outs() << "kept " << g.kept << "\n";
    return 0;
  }
  if (cmd == "zigzag" && argc == 5) {
    std::vector<double> m = doubles(readArray(argv[2]));
    int64_t b = integer(argv[3]);
    if (b <= 0 || m.size() % b)
      fail("zigzag: B must divide the channel count");
    std::vector<int64_t> p = duquant::zigzagPermutation(m, b);
    std::vector<double> after(m.size());
    for (size_t i = 0; i < m.size(); ++i)
      after[i] = m[p[i]];
    writeI64(argv[4], p);
    llvm::outs() << "variance " << duquant::blockMeanVariance(m, b) << " -> "
                 << duquant::blockMeanVariance(after, b) << "\n";
    return 0;
  }
  fail("unknown command or wrong arguments: " + cmd);
}
