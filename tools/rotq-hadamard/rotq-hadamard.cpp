//===- rotq-hadamard.cpp - print or emit Hadamard matrices of order N -----===//
//
//   rotq-hadamard N                 prints the factorization of order N
//   rotq-hadamard N --emit H.npy    writes M_N = H_N / sqrt(N) as float64
//
//===----------------------------------------------------------------------===//
#include "rotq/Support/CheckedSize.h"
#include "rotq/Support/Hadamard.h"
#include "rotq/Support/Npy.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cstdlib>

using namespace llvm;
using namespace rotq;

static cl::OptionCategory toolOptions("rotq-hadamard options");

static cl::opt<std::string> orderArg(cl::cat(toolOptions), cl::Positional, cl::desc("<order N>"),
                                     cl::Required);
static cl::opt<std::string>
    emitPath(cl::cat(toolOptions), "emit", cl::desc("Write the normalized N x N matrix (float64 .npy)"),
             cl::value_desc("file.npy"));
static cl::opt<bool> transposeOpt(cl::cat(toolOptions), 
    "transpose", cl::desc("With --emit, write the transpose (the inverse)"));

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(toolOptions);
  cl::ParseCommandLineOptions(
      argc, argv,
      "rotq-hadamard: Hadamard matrices of any order the rotq library builds\n\n"
      "Prints the factorization rotq.hadamard uses for order N (Kronecker\n"
      "factors, the Sylvester power of two, the online cost) and, with --emit,\n"
      "writes the orthogonal matrix M_N (x -> x * M_N) as a float64 .npy.\n");
  char *end = nullptr;
  long long n = std::strtoll(orderArg.c_str(), &end, 10);
  if (orderArg.empty() || *end != '\0' || n < 1 || n > hadamard::kMaxOrder) {
    WithColor::error(errs(), "rotq-hadamard")
        << "order must be an integer in [1, " << hadamard::kMaxOrder
        << "], got '" << orderArg << "'\n";
    return 1;
  }
  if (std::string why = hadamard::unsupportedReason(n); !why.empty()) {
    WithColor::error(errs(), "rotq-hadamard") << why << "\n";
    return 1;
  }
  // --emit streams the matrix, but refuses files beyond a sane size.
  if (!emitPath.empty() && !checkedProduct({n, n}, 8, kMaxTensorBytes)) {
    WithColor::error(errs(), "rotq-hadamard")
        << "--emit: a " << n << " x " << n << " float64 matrix is "
        << format("%.0f", double(n) * double(n) * 8 / double(int64_t(1) << 30))
        << " GiB, more than the " << (kMaxTensorBytes >> 30)
        << " GiB rotq writes\n";
    return 1;
  }
  hadamard::Factorization f = hadamard::factorize(n);
  outs() << f.str() << "\n";
  outs() << "online cost: " << f.onlineCost()
         << " multiply-adds per element (dense factors + butterfly stages)\n";
  outs() << "symmetric: " << (hadamard::isSymmetric(n) ? "yes" : "no") << "\n";
  if (!f.isHadamard())
    outs() << "fallback: no Hadamard matrix of order " << n
           << " is built by rotq; the DCT-II factor keeps the transform "
              "orthogonal but not +-1/sqrt(n)\n";

  if (!emitPath.empty()) {
    // Streamed in row blocks: a 29568 x 29568 float64 matrix is 7 GB.
    auto w = npy::StreamWriter::create(emitPath, n, n);
    if (!w) {
      WithColor::error(errs(), "rotq-hadamard") << toString(w.takeError()) << "\n";
      return 1;
    }
    int64_t block = std::max<int64_t>(1, (int64_t(1) << 22) / n);
    if (transposeOpt) {
      // Column j of M is row j of M^T; gather it from row blocks.
      std::vector<double> all = hadamard::normalizedRows(n, 0, n);
      for (int64_t i = 0; i < n; i += block) {
        int64_t e = std::min<int64_t>(n, i + block);
        std::vector<double> rows((e - i) * n);
        for (int64_t r = i; r < e; ++r)
          for (int64_t c = 0; c < n; ++c)
            rows[(r - i) * n + c] = all[c * n + r];
        w->writeRows(rows);
      }
    } else {
      for (int64_t i = 0; i < n; i += block)
        w->writeRows(
            hadamard::normalizedRows(n, i, std::min<int64_t>(n, i + block)));
    }
    if (Error e = w->finish()) {
      WithColor::error(errs(), "rotq-hadamard") << toString(std::move(e)) << "\n";
      return 1;
    }
    outs() << "wrote " << emitPath << " (" << n << "x" << n << " float64)\n";
  }
  return 0;
}
