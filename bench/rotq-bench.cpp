//===- rotq-bench.cpp - GPU benchmarks of rotq's kernels ------------------===//
//
//   rotq-bench [--reps N] [--only fwht|duquant|qmatmul]
//
// Compiles small modules with rotq-lower-to-nvvm for the GPU at hand, runs
// them on device buffers and times the kernels with CUDA events (the
// runtime's kernel timing), reporting medians over --reps runs as ratios to
// baselines measured in the same run:
//
//  * FWHT and fused FWHT + 4-bit quantization (fp16, 8192 tokens, hidden
//    4096 / 11008 / 14336): bytes moved per second as a fraction of the
//    device-to-device copy bandwidth (cuMemcpy of the activation);
//  * rotq.qmatmul W8A8 and W4A8: time against cuBLAS bf16 GEMM (and cuBLAS
//    int8 GEMM) of the same shape, loaded from libcublas with dlopen.
//
// Prints markdown tables. Not a test: it asserts nothing.
//
//===----------------------------------------------------------------------===//
#include "rotq/Runner/Runner.h"
#include "rotq/Runtime/CudaDriver.h"
#include "rotq/Runtime/GpuRuntime.h"
#include "rotq/Support/FloatBits.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <dlfcn.h>
#include <numeric>
#include <random>

using namespace llvm;
using namespace rotq;
using namespace rotq::cuda;

extern "C" void mgpuMemFree(void *ptr, CUstream stream);

static cl::opt<unsigned> reps("reps", cl::desc("Timed runs per case"),
                              cl::init(20));
static cl::opt<std::string> only("only",
                                 cl::desc("Run only fwht, duquant or qmatmul cases"),
                                 cl::init(""));

namespace {

[[noreturn]] void die(const Twine &msg) {
  errs() << "rotq-bench: error: " << msg << "\n";
  std::exit(1);
}

const Driver *cu;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

/// A device copy of `bytes` host bytes.
CUdeviceptr deviceCopy(const void *host, size_t bytes) {
  CUdeviceptr p;
  if (CUresult r = cu->cuMemAlloc(&p, bytes))
    die("cuMemAlloc(" + Twine(bytes) + "): " + errorString(r));
  if (CUresult r = cu->cuMemcpyAsync(p, reinterpret_cast<CUdeviceptr>(host),
                                     bytes, nullptr))
    die("cuMemcpy: " + errorString(r));
  cu->cuCtxSynchronize();
  return p;
}

enum class Fill { Bytes, F16, BF16 };

/// A device buffer of `bytes` random bytes, or of N(0,1) values in f16 or
/// bf16.
CUdeviceptr deviceRandom(size_t bytes, Fill fill, uint32_t seed) {
  std::vector<uint8_t> host(bytes);
  std::mt19937 rng(seed);
  if (fill == Fill::Bytes) {
    for (auto &b : host)
      b = uint8_t(rng());
  } else {
    std::normal_distribution<float> n;
    for (size_t i = 0; i + 1 < bytes; i += 2) {
      uint16_t h = fill == Fill::F16 ? floatToHalf(n(rng)) : floatToBF16(n(rng));
      std::memcpy(&host[i], &h, 2);
    }
  }
  return deviceCopy(host.data(), bytes);
}

/// Median device time (ms) of `run` enqueued on `stream`, by events.
template <typename Fn> double timeOnStream(CUstream stream, Fn run) {
  CUevent a, b;
  cu->cuEventCreate(&a, 0);
  cu->cuEventCreate(&b, 0);
  std::vector<double> ms;
  for (unsigned i = 0; i < reps + 2; ++i) {
    cu->cuEventRecord(a, stream);
    run();
    cu->cuEventRecord(b, stream);
    cu->cuEventSynchronize(b);
    float t;
    cu->cuEventElapsedTime(&t, a, b);
    if (i >= 2)
      ms.push_back(t);
  }
  cu->cuEventDestroy(a);
  cu->cuEventDestroy(b);
  return median(ms);
}

/// Device-to-device copy bandwidth (GB/s, read + written) of `bytes` at
/// `x`, the baseline the row kernels are measured against.
double copyBandwidth(CUstream s, CUdeviceptr x, size_t bytes) {
  CUdeviceptr y;
  cu->cuMemAlloc(&y, bytes);
  double ms = timeOnStream(s, [&] { cu->cuMemcpyAsync(y, x, bytes, s); });
  cu->cuMemFree(y);
  return 2.0 * bytes / (ms * 1e6);
}

/// A compiled benchmark function and its argument shapes.
struct Case {
  mlir::MLIRContext ctx;
  std::unique_ptr<run::Compiled> fn;

  Case(mlir::DialectRegistry &registry, const std::string &source) : ctx(registry) {
    auto module = mlir::parseSourceString<mlir::ModuleOp>(source, &ctx);
    if (!module)
      die("cannot parse the benchmark module:\n" + source);
    auto f = module->lookupSymbol<mlir::func::FuncOp>("f");
    run::Signature sig;
    if (Error e = run::signatureOf(f, sig))
      die(toString(std::move(e)));
    run::RunOptions opts;
    opts.device = "cuda";
    opts.optLevel = 3;
    auto c = run::compile(*module, "f", sig, opts);
    if (!c)
      die(toString(c.takeError()));
    fn = std::move(*c);
  }

  /// Median device time (ms) of the kernels whose name starts with
  /// `kernel`, per call.
  double time(std::vector<void *> args, std::vector<std::vector<int64_t>> shapes,
              StringRef kernel) {
    auto call = [&] {
      auto results = fn->invoke(args, shapes);
      if (!results)
        die(toString(results.takeError()));
      for (auto &d : *results)
        mgpuMemFree(reinterpret_cast<void *>(d[0]), nullptr);
    };
    for (int i = 0; i < 2; ++i)
      call();
    takeKernelTimes();
    std::vector<double> ms;
    bool seen = false;
    setKernelTiming(true);
    for (unsigned i = 0; i < reps; ++i) {
      call();
      double t = 0;
      for (const KernelTime &k : takeKernelTimes())
        if (StringRef(k.kernel).starts_with(kernel)) {
          t += k.milliseconds;
          seen = true;
        }
      ms.push_back(t);
    }
    setKernelTiming(false);
    // A case the kernel does not cover (e.g. a row too long for the chip's
    // shared memory) runs another lowering: say so, never time nothing.
    if (!seen)
      die("no kernel named " + kernel + "* ran (the case fell back to another "
          "lowering)");
    return median(ms);
  }
};

/// cuBLAS GEMM through dlopen (bench-only; rotq itself never needs it).
struct Cublas {
  using Handle = void *;
  int (*create)(Handle *) = nullptr;
  int (*setStream)(Handle, CUstream) = nullptr;
  int (*gemmEx)(Handle, int, int, int, int, int, const void *, const void *,
                int, int, const void *, int, int, const void *, void *, int,
                int, int, int) = nullptr;
  Handle handle = nullptr;
  std::string why;

  Cublas() {
    void *lib = nullptr;
    for (const char *n : {"libcublas.so.13", "libcublas.so.12", "libcublas.so"})
      if ((lib = dlopen(n, RTLD_NOW)))
        break;
    if (!lib) {
      why = "libcublas not found";
      return;
    }
    create = reinterpret_cast<decltype(create)>(dlsym(lib, "cublasCreate_v2"));
    setStream = reinterpret_cast<decltype(setStream)>(dlsym(lib, "cublasSetStream_v2"));
    gemmEx = reinterpret_cast<decltype(gemmEx)>(dlsym(lib, "cublasGemmEx"));
    if (!create || !setStream || !gemmEx || create(&handle)) {
      why = "cuBLAS did not initialize";
      handle = nullptr;
    }
  }
  bool ok() const { return handle; }

  // cudaDataType / cublasComputeType_t values from library_types.h and
  // cublas_api.h.
  static constexpr int R_32F = 0, R_8I = 3, R_32I = 10, R_16BF = 14;
  static constexpr int COMPUTE_32F = 68, COMPUTE_32I = 72, OP_N = 0, OP_T = 1;

  /// Row-major C[M,N] = A[M,K] * W[N,K]^T, i.e. column-major
  /// C^T = W * A^T: transa = T on W (K x N, ld K), B = A (K x M, ld K).
  int gemm(CUstream s, int64_t M, int64_t N, int64_t K, CUdeviceptr a,
           CUdeviceptr w, CUdeviceptr c, bool int8) {
    setStream(handle, s);
    float alphaF = 1, betaF = 0;
    int32_t alphaI = 1, betaI = 0;
    return gemmEx(handle, OP_T, OP_N, int(N), int(M), int(K),
                  int8 ? static_cast<const void *>(&alphaI) : &alphaF,
                  reinterpret_cast<void *>(w), int8 ? R_8I : R_16BF, int(K),
                  reinterpret_cast<void *>(a), int8 ? R_8I : R_16BF, int(K),
                  int8 ? static_cast<const void *>(&betaI) : &betaF,
                  reinterpret_cast<void *>(c), int8 ? R_32I : R_16BF, int(N),
                  int8 ? COMPUTE_32I : COMPUTE_32F, -1);
  }
};

void benchFwht(mlir::DialectRegistry &registry) {
  const int64_t M = 8192;
  outs() << "\n## FWHT and fused FWHT + 4-bit quantization (fp16, " << M
         << " tokens)\n\n"
         << "bytes = data read + written; copy = cuMemcpy device-to-device "
            "of the activation, same run\n\n"
         << "| hidden | copy GB/s | FWHT us | FWHT GB/s | FWHT / copy | fused us "
            "| fused GB/s | fused / copy |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  CUstream s;
  cu->cuStreamCreate(&s, CU_STREAM_NON_BLOCKING);
  for (int64_t n : {4096, 11008, 14336}) {
    size_t bytes = size_t(M) * n * 2;
    CUdeviceptr x = deviceRandom(bytes, Fill::F16, unsigned(n));
    double copyGBs = copyBandwidth(s, x, bytes);

    std::string t = "tensor<" + std::to_string(M) + "x" + std::to_string(n);
    Case fwht(registry, "func.func @f(%x: " + t + "xf16>) -> " + t +
                            "xf16> {\n  %y = rotq.hadamard %x : " + t +
                            "xf16>\n  return %y : " + t + "xf16>\n}\n");
    double fMs = fwht.time({reinterpret_cast<void *>(x)}, {{M, n}}, "rotq_fwht");
    double fGBs = 2.0 * bytes / (fMs * 1e6);
    Case fused(registry,
               "func.func @f(%x: " + t + "xf16>) -> (" + t + "xi8>, tensor<" +
                   std::to_string(M) + "x1xf32>) {\n  %y = rotq.hadamard %x : " +
                   t + "xf16>\n  %q, %s = rotq.quantize %y {bits = 4, granularity "
                   "= #rotq.granularity<row>, clip_ratio = 0.9} : " + t +
                   "xf16> -> " + t + "xi8>, tensor<" + std::to_string(M) +
                   "x1xf32>\n  return %q, %s : " + t + "xi8>, tensor<" +
                   std::to_string(M) + "x1xf32>\n}\n");
    double qMs = fused.time({reinterpret_cast<void *>(x)}, {{M, n}}, "rotq_fwht_quantize");
    double qGBs = (bytes + bytes / 2.0 + 4.0 * M) / (qMs * 1e6);
    outs() << format("| %lld | %.0f | %.1f | %.0f | %.2f | %.1f | %.0f | %.2f |\n",
                     (long long)n, copyGBs, fMs * 1e3, fGBs, fGBs / copyGBs,
                     qMs * 1e3, qGBs, qGBs / copyGBs);
    cu->cuMemFree(x);
  }
  cu->cuStreamDestroy(s);
}

/// DuQuant's online transform fused with per-token quantization: block
/// rotation, zigzag-like gather, block rotation, asymmetric 4-bit codes.
void benchDuQuant(mlir::DialectRegistry &registry) {
  const int64_t M = 8192, B = 128;
  outs() << "\n## DuQuant's fused online transform + 4-bit quantization "
            "(fp16, "
         << M << " tokens, block " << B
         << ")\n\n"
            "bytes = activation read + codes written; copy = cuMemcpy "
            "device-to-device of the activation, same run\n\n"
            "| hidden | copy GB/s | fused us | fused GB/s | fused / copy |\n"
            "|---:|---:|---:|---:|---:|\n";
  CUstream s;
  cu->cuStreamCreate(&s, CU_STREAM_NON_BLOCKING);
  for (int64_t n : {4096, 11008, 14336}) {
    size_t bytes = size_t(M) * n * 2;
    CUdeviceptr x = deviceRandom(bytes, Fill::F16, unsigned(n));
    CUdeviceptr m1 = deviceRandom(B * B * 2, Fill::F16, 1),
                m2 = deviceRandom(B * B * 2, Fill::F16, 2);
    double copyGBs = copyBandwidth(s, x, bytes);
    std::vector<int64_t> perm(n);
    std::iota(perm.begin(), perm.end(), 0);
    std::shuffle(perm.begin(), perm.end(), std::mt19937(unsigned(n)));
    std::string p;
    for (int64_t v : perm)
      p += (p.empty() ? "" : ", ") + std::to_string(v);
    std::string t = "tensor<" + std::to_string(M) + "x" + std::to_string(n) + "x";
    std::string mt = "tensor<128x128xf16>", st = "tensor<" + std::to_string(M) + "x1x";
    Case fused(registry,
               "func.func @f(%x: " + t + "f16>, %m1: " + mt + ", %m2: " + mt +
                   ") -> (" + t + "i8>, " + st + "f32>, " + st + "i8>) {\n"
                   "  %a = rotq.rotate %x, %m1 : " + t + "f16>, " + mt + "\n"
                   "  %b = rotq.permute %a [" + p + "] : " + t + "f16>\n"
                   "  %c = rotq.rotate %b, %m2 : " + t + "f16>, " + mt + "\n"
                   "  %q, %s, %z = rotq.quantize %c {bits = 4, granularity = "
                   "#rotq.granularity<row>, clip_ratio = 0.9, asymmetric} : " +
                   t + "f16> -> " + t + "i8>, " + st + "f32>, " + st + "i8>\n"
                   "  return %q, %s, %z : " + t + "i8>, " + st + "f32>, " + st +
                   "i8>\n}\n");
    double qMs = fused.time({reinterpret_cast<void *>(x),
                             reinterpret_cast<void *>(m1),
                             reinterpret_cast<void *>(m2)},
                            {{M, n}, {B, B}, {B, B}}, "rotq_duquant_quantize");
    double qGBs = (bytes + bytes / 2.0 + 5.0 * M) / (qMs * 1e6);
    outs() << format("| %lld | %.0f | %.1f | %.0f | %.2f |\n", (long long)n,
                     copyGBs, qMs * 1e3, qGBs, qGBs / copyGBs);
    for (CUdeviceptr d : {x, m1, m2})
      cu->cuMemFree(d);
  }
  cu->cuStreamDestroy(s);
}

void benchQMatmul(mlir::DialectRegistry &registry) {
  Cublas blas;
  outs() << "\n## rotq.qmatmul on tensor cores vs cuBLAS (same run)\n\n";
  if (!blas.ok())
    outs() << "cuBLAS unavailable (" << blas.why << "): no baseline columns\n\n";
  outs() << "| M | N | K | cuBLAS bf16 us | cuBLAS int8 us | W8A8 us | W8A8 TOPS "
            "| W8A8 vs bf16 | W4A8 us | W4A8 vs bf16 |\n"
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  CUstream s;
  cu->cuStreamCreate(&s, CU_STREAM_NON_BLOCKING);
  struct Shape { int64_t M, N, K; };
  for (Shape sh : {Shape{8192, 8192, 8192}, Shape{2048, 11008, 4096},
                   Shape{16, 4096, 4096}}) {
    auto [M, N, K] = sh;
    CUdeviceptr a = deviceRandom(M * K, Fill::Bytes, 1),
                w = deviceRandom(N * K, Fill::Bytes, 2);
    CUdeviceptr wp = deviceRandom(N * K / 2, Fill::Bytes, 3);
    // Scales: small positive floats (random bytes would be NaN or huge).
    std::vector<float> scales(std::max(M, N), 0.01f);
    CUdeviceptr as = deviceCopy(scales.data(), M * 4),
                ws = deviceCopy(scales.data(), N * 4);

    double bf16Ms = 0, i8Ms = 0;
    if (blas.ok()) {
      CUdeviceptr ab = deviceRandom(M * K * 2, Fill::BF16, 6),
                  wb = deviceRandom(N * K * 2, Fill::BF16, 7);
      CUdeviceptr c;
      cu->cuMemAlloc(&c, M * N * 4);
      bf16Ms = timeOnStream(s, [&] { blas.gemm(s, M, N, K, ab, wb, c, false); });
      if (blas.gemm(s, M, N, K, a, w, c, true) == 0)
        i8Ms = timeOnStream(s, [&] { blas.gemm(s, M, N, K, a, w, c, true); });
      cu->cuMemFree(ab);
      cu->cuMemFree(wb);
      cu->cuMemFree(c);
    }
    std::string sM = std::to_string(M), sN = std::to_string(N), sK = std::to_string(K);
    std::string sig = "%a: tensor<" + sM + "x" + sK + "xi8>, %as: tensor<" + sM +
                      "x1xf32>, %ws: tensor<" + sN + "x1xf32>";
    std::string mm = "rotq.qmatmul %a scale(%as : tensor<" + sM + "x1xf32>), %w scale(%ws : tensor<" +
                     sN + "x1xf32>) : tensor<" + sM + "x" + sK + "xi8>, tensor<" + sN + "x" + sK +
                     "xi8> -> tensor<" + sM + "x" + sN + "xf32>";
    Case w8(registry, "func.func @f(" + sig + ", %w: tensor<" + sN + "x" + sK +
                          "xi8>) -> tensor<" + sM + "x" + sN + "xf32> {\n  %y = " + mm +
                          "\n  return %y : tensor<" + sM + "x" + sN + "xf32>\n}\n");
    double w8Ms = w8.time({(void *)a, (void *)as, (void *)ws, (void *)w},
                          {{M, K}, {M, 1}, {N, 1}, {N, K}}, "rotq_qmatmul");
    Case w4(registry, "func.func @f(" + sig + ", %wp: tensor<" + sN + "x" +
                          std::to_string(K / 2) + "xi8>) -> tensor<" + sM + "x" + sN +
                          "xf32> {\n  %w = rotq.unpack %wp {bits = 4} : tensor<" + sN + "x" +
                          std::to_string(K / 2) + "xi8> -> tensor<" + sN + "x" + sK +
                          "xi8>\n  %y = " + mm + "\n  return %y : tensor<" + sM + "x" + sN +
                          "xf32>\n}\n");
    double w4Ms = w4.time({(void *)a, (void *)as, (void *)ws, (void *)wp},
                          {{M, K}, {M, 1}, {N, 1}, {N, K / 2}}, "rotq_qmatmul");
    double tops = 2.0 * M * N * K / (w8Ms * 1e9);
    auto ratio = [&](double ms) { return bf16Ms > 0 ? bf16Ms / ms : 0.0; };
    outs() << format("| %lld | %lld | %lld | %.1f | %.1f | %.1f | %.0f | %.2fx | %.1f | %.2fx |\n",
                     (long long)M, (long long)N, (long long)K, bf16Ms * 1e3,
                     i8Ms * 1e3, w8Ms * 1e3, tops, ratio(w8Ms), w4Ms * 1e3,
                     ratio(w4Ms));
    for (CUdeviceptr p : {a, w, wp, as, ws})
      cu->cuMemFree(p);
  }
  cu->cuStreamDestroy(s);
}

} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  InitializeNativeTarget();
  InitializeNativeTargetAsmPrinter();
  cl::ParseCommandLineOptions(argc, argv, "rotq GPU kernel benchmarks\n");
  std::string why;
  cu = load(&why);
  if (!cu)
    die("no GPU: " + why);
  outs() << "device: " << describeDevice() << "; medians of " << reps
         << " runs (kernel times by CUDA events)\n";
  mlir::DialectRegistry registry;
  run::registerDialects(registry);
  if (only.empty() || only == "fwht")
    benchFwht(registry);
  if (only.empty() || only == "duquant")
    benchDuQuant(registry);
  if (only.empty() || only == "qmatmul")
    benchQMatmul(registry);
  releasePooledMemory();
  return 0;
}
