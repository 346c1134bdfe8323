//===- CpuUkernels.cpp - packed, vectorized, threaded CPU contractions ----===//
//
// C += A * B^T in the GotoBLAS/BLIS shape: the output is cut into tasks of
// MC x NC that the threads take from a shared counter; a task packs its
// slice of B into NR-wide panels (KC deep) and its rows of A into MR-tall
// slivers, and an MR x NR register tile accumulates their outer products
// (12 vector accumulators: fits AVX2's 16 registers with room for the two
// B vectors). GCC's vector extensions keep it portable; target_clones
// builds the 8-lane kernel for AVX2+FMA and baseline x86-64, and a 16-lane
// build (6 x 32 tile) serves CPUs with AVX-512. Summation order differs from a scalar loop (K is cut into KC pieces,
// each summed in a register and then added to C): float results agree to
// rounding, integer results exactly.
//
//===----------------------------------------------------------------------===//
#include "rotq/Runtime/CpuUkernels.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace {

constexpr int MR = 6, VL = 8;
constexpr int64_t KC = 256, NC = 128, MC = 256;

//===----------------------------------------------------------------------===//
// Thread pool: the caller runs task 0.. too; workers sleep between calls.
//===----------------------------------------------------------------------===//

class Pool {
public:
  static Pool &get() {
    static Pool *pool = new Pool(); // never destroyed: workers outlive exit
    return *pool;
  }
  int size() const { return int(workers.size()) + 1; }

  /// Runs fn(t) for t in [0, tasks) on the pool, each task once.
  void run(int64_t tasks, const std::function<void(int64_t)> &fn) {
    std::unique_lock<std::mutex> busy(callMutex, std::try_to_lock);
    if (!busy.owns_lock() || workers.empty() || tasks < 2) {
      for (int64_t t = 0; t < tasks; ++t)
        fn(t);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mutex);
      job = &fn;
      total = tasks;
      next.store(0);
      active = int(workers.size());
      ++generation;
    }
    wake.notify_all();
    drain();
    std::unique_lock<std::mutex> lock(mutex);
    done.wait(lock, [&] { return active == 0; });
    job = nullptr;
  }

private:
  Pool() {
    int n = int(std::thread::hardware_concurrency());
    if (const char *env = std::getenv("ROTQ_NUM_THREADS"))
      n = std::atoi(env);
    n = std::clamp(n, 1, 256);
    for (int i = 1; i < n; ++i)
      workers.emplace_back([this] { loop(); });
    for (std::thread &w : workers)
      w.detach();
  }
  void drain() {
    for (int64_t t; (t = next.fetch_add(1)) < total;)
      (*job)(t);
  }
  void loop() {
    uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex);
        wake.wait(lock, [&] { return generation != seen; });
        seen = generation;
      }
      drain();
      std::lock_guard<std::mutex> lock(mutex);
      if (--active == 0)
        done.notify_one();
    }
  }

  std::vector<std::thread> workers;
  std::mutex callMutex, mutex;
  std::condition_variable wake, done;
  const std::function<void(int64_t)> *job = nullptr;
  std::atomic<int64_t> next{0};
  int64_t total = 0;
  int active = 0;
  uint64_t generation = 0;
};

//===----------------------------------------------------------------------===//
// The kernel, generic in the accumulator type.
//===----------------------------------------------------------------------===//

// L lanes of Acc. (Unsigned lanes for integers: sums wrap as i32
// arithmetic does, without UB.)
template <typename Acc, int L = VL> struct Vec {
  typedef Acc type __attribute__((vector_size(L * sizeof(Acc))));
};

template <typename In, typename Acc> Acc widen(In v) {
  if constexpr (std::is_same_v<Acc, uint32_t>)
    return uint32_t(int32_t(v)); // sign extension, then the bit pattern
  else
    return Acc(v);
}

template <typename In, typename Acc> struct Operands {
  const In *a, *b;
  int64_t aS0, aS1, bS0, bS1;
  Acc *c;
  int64_t cS0, cS1;
  int64_t m, n, k;
};

/// Packs `valid` of W rows of a strided matrix (row r, column p at
/// src[r * rs + p * cs]), kc columns from column 0, interleaved:
/// dst[p * W + r]; rows past `valid` are zero.
template <int W, typename In, typename Acc>
__attribute__((always_inline)) inline void
packPanel(Acc *dst, const In *src, int64_t rs, int64_t cs, int64_t valid,
          int64_t kc) {
  for (int r = 0; r < W; ++r) {
    if (r < valid) {
      const In *row = src + r * rs;
      for (int64_t p = 0; p < kc; ++p)
        dst[p * W + r] = widen<In, Acc>(row[p * cs]);
    } else {
      for (int64_t p = 0; p < kc; ++p)
        dst[p * W + r] = Acc(0);
    }
  }
}

/// One MC x NC task: rows [i0, i1), columns [j0, j1).
/// L lanes per vector, a tile MR x (2 L).
template <typename In, typename Acc, int L = VL>
__attribute__((always_inline)) inline void
taskBody(const Operands<In, Acc> &o, int64_t i0, int64_t i1, int64_t j0,
         int64_t j1) {
  using V = typename Vec<Acc, L>::type;
  constexpr int NR = 2 * L, NV = 2;
  static_assert(NC % NR == 0, "panels must tile NC");
  alignas(64) Acc pa[KC * MR];
  alignas(64) Acc pb[(NC / NR) * KC * NR];
  for (int64_t p0 = 0; p0 < o.k; p0 += KC) {
    int64_t kc = std::min(KC, o.k - p0);
    // B panels: pb[panel][p][jj], zero beyond column j1.
    for (int64_t jp = j0; jp < j1; jp += NR)
      packPanel<NR>(pb + ((jp - j0) / NR) * KC * NR,
                    o.b + jp * o.bS0 + p0 * o.bS1, o.bS0, o.bS1, j1 - jp, kc);
    for (int64_t ip = i0; ip < i1; ip += MR) {
      int mr = int(std::min<int64_t>(MR, i1 - ip));
      packPanel<MR>(pa, o.a + ip * o.aS0 + p0 * o.aS1, o.aS0, o.aS1, mr, kc);
      for (int64_t jp = j0; jp < j1; jp += NR) {
        const Acc *bp = pb + ((jp - j0) / NR) * KC * NR;
        V acc[MR][NV] = {};
        for (int64_t p = 0; p < kc; ++p) {
          V bv[NV];
          for (int v = 0; v < NV; ++v)
            std::memcpy(&bv[v], bp + p * NR + v * L, sizeof(V));
#pragma GCC unroll 8
          for (int ii = 0; ii < MR; ++ii) {
            Acc av = pa[p * MR + ii];
            for (int v = 0; v < NV; ++v)
              acc[ii][v] += av * bv[v];
          }
        }
        int nr = int(std::min<int64_t>(NR, j1 - jp));
        for (int ii = 0; ii < mr; ++ii) {
          Acc *row = o.c + (ip + ii) * o.cS0 + jp * o.cS1;
          for (int jj = 0; jj < nr; ++jj)
            row[jj * o.cS1] += acc[ii][jj / L][jj % L];
        }
      }
    }
  }
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define ROTQ_CLONES                                                            \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3",           \
                                "default")))
#else
#define ROTQ_CLONES
#endif

ROTQ_CLONES void taskF32(const Operands<float, float> &o, int64_t i0,
                         int64_t i1, int64_t j0, int64_t j1) {
  taskBody(o, i0, i1, j0, j1);
}
ROTQ_CLONES void taskI8(const Operands<int8_t, uint32_t> &o, int64_t i0,
                        int64_t i1, int64_t j0, int64_t j1) {
  taskBody(o, i0, i1, j0, j1);
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
// AVX-512: 16-lane vectors, a 6 x 32 tile (12 zmm accumulators); picked at
// run time where the CPU has AVX-512F.
#define ROTQ_AVX512 __attribute__((target("arch=x86-64-v4")))
ROTQ_AVX512 void taskF32Wide(const Operands<float, float> &o, int64_t i0,
                             int64_t i1, int64_t j0, int64_t j1) {
  taskBody<float, float, 16>(o, i0, i1, j0, j1);
}
ROTQ_AVX512 void taskI8Wide(const Operands<int8_t, uint32_t> &o, int64_t i0,
                            int64_t i1, int64_t j0, int64_t j1) {
  taskBody<int8_t, uint32_t, 16>(o, i0, i1, j0, j1);
}
bool hasAvx512() {
  static const bool yes = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") &&
           __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512bw");
  }();
  return yes;
}
#else
void taskF32Wide(const Operands<float, float> &o, int64_t i0, int64_t i1,
                 int64_t j0, int64_t j1) {
  taskF32(o, i0, i1, j0, j1);
}
void taskI8Wide(const Operands<int8_t, uint32_t> &o, int64_t i0, int64_t i1,
                int64_t j0, int64_t j1) {
  taskI8(o, i0, i1, j0, j1);
}
bool hasAvx512() { return false; }
#endif

template <typename In, typename Acc, typename Task>
void matmul(const Operands<In, Acc> &o, Task task) {
  if (o.m <= 0 || o.n <= 0 || o.k <= 0)
    return;
  int64_t mt = (o.m + MC - 1) / MC, nt = (o.n + NC - 1) / NC;
  Pool::get().run(mt * nt, [&](int64_t t) {
    int64_t i0 = (t / nt) * MC, j0 = (t % nt) * NC;
    task(o, i0, std::min(o.m, i0 + MC), j0, std::min(o.n, j0 + NC));
  });
}

struct AttentionArgs {
  const float *q, *k, *v;
  float *o;
  int64_t s, h, d, t, kv, e;
  int64_t qS[3], kS[3], vS[3], oS[3];
  float scale;
  bool causal;
  int64_t window;
};

/// Query rows [s0, s1) of head `hd`.
ROTQ_CLONES void attentionRows(const AttentionArgs &a, int64_t hd, int64_t s0,
                               int64_t s1) {
  using V = Vec<float>::type;
  int64_t kh = hd / (a.h / a.kv);
  std::vector<float> score(a.t), acc(a.e);
  for (int64_t si = s0; si < s1; ++si) {
    const float *qr = a.q + si * a.qS[0] + hd * a.qS[1];
    // The mask as the linalg lowering computes it: index arithmetic,
    // unsigned comparisons.
    uint64_t pos = uint64_t(si + a.t - a.s);
    auto allowed = [&](int64_t ti) {
      if (!a.causal)
        return true;
      bool ok = uint64_t(ti) <= pos;
      if (a.window)
        ok = ok && (pos - uint64_t(ti)) < uint64_t(a.window);
      return ok;
    };
    float mx = -INFINITY;
    for (int64_t ti = 0; ti < a.t; ++ti) {
      const float *kr = a.k + ti * a.kS[0] + kh * a.kS[1];
      float dot = 0;
      if (a.qS[2] == 1 && a.kS[2] == 1) {
        V sum = {};
        int64_t di = 0;
        for (; di + VL <= a.d; di += VL) {
          V x, y;
          std::memcpy(&x, qr + di, sizeof(V));
          std::memcpy(&y, kr + di, sizeof(V));
          sum += x * y;
        }
        for (int l = 0; l < VL; ++l)
          dot += sum[l];
        for (; di < a.d; ++di)
          dot += qr[di] * kr[di];
      } else {
        for (int64_t di = 0; di < a.d; ++di)
          dot += qr[di * a.qS[2]] * kr[di * a.kS[2]];
      }
      score[ti] = dot;
      if (allowed(ti))
        mx = std::max(mx, dot * a.scale);
    }
    float l = 0;
    std::fill(acc.begin(), acc.end(), 0.0f);
    for (int64_t ti = 0; ti < a.t; ++ti) {
      if (!allowed(ti))
        continue;
      float p = std::exp(score[ti] * a.scale - mx);
      l += p;
      const float *vr = a.v + ti * a.vS[0] + kh * a.vS[1];
      for (int64_t ei = 0; ei < a.e; ++ei)
        acc[ei] += p * vr[ei * a.vS[2]];
    }
    float *orow = a.o + si * a.oS[0] + hd * a.oS[1];
    for (int64_t ei = 0; ei < a.e; ++ei)
      orow[ei * a.oS[2]] = acc[ei] / l;
  }
}

} // namespace

extern "C" {

void rotq_ukernel_matmul_tb_f32(float *, float *a, int64_t aOff, int64_t m,
                                int64_t k, int64_t aS0, int64_t aS1, float *,
                                float *b, int64_t bOff, int64_t n, int64_t,
                                int64_t bS0, int64_t bS1, float *, float *c,
                                int64_t cOff, int64_t, int64_t, int64_t cS0,
                                int64_t cS1) {
  Operands<float, float> o{a + aOff, b + bOff, aS0, aS1, bS0, bS1,
                           c + cOff, cS0,      cS1, m,   n,   k};
  matmul(o, hasAvx512() ? taskF32Wide : taskF32);
}

void rotq_ukernel_matmul_tb_i8i8i32(int8_t *, int8_t *a, int64_t aOff,
                                    int64_t m, int64_t k, int64_t aS0,
                                    int64_t aS1, int8_t *, int8_t *b,
                                    int64_t bOff, int64_t n, int64_t,
                                    int64_t bS0, int64_t bS1, int32_t *,
                                    int32_t *c, int64_t cOff, int64_t, int64_t,
                                    int64_t cS0, int64_t cS1) {
  Operands<int8_t, uint32_t> o{a + aOff, b + bOff, aS0, aS1, bS0, bS1,
                               reinterpret_cast<uint32_t *>(c + cOff),
                               cS0, cS1, m, n, k};
  matmul(o, hasAvx512() ? taskI8Wide : taskI8);
}

void rotq_ukernel_attention_f32(
    float *, float *q, int64_t qOff, int64_t s, int64_t h, int64_t d,
    int64_t qS0, int64_t qS1, int64_t qS2, float *, float *k, int64_t kOff,
    int64_t t, int64_t kv, int64_t, int64_t kS0, int64_t kS1, int64_t kS2,
    float *, float *v, int64_t vOff, int64_t, int64_t, int64_t e, int64_t vS0,
    int64_t vS1, int64_t vS2, float *, float *o, int64_t oOff, int64_t,
    int64_t, int64_t, int64_t oS0, int64_t oS1, int64_t oS2, float scale,
    int64_t causal, int64_t window) {
  if (s <= 0 || h <= 0 || kv <= 0 || h % kv != 0)
    return;
  AttentionArgs a{q + qOff, k + kOff, v + vOff, o + oOff, s, h, d, t, kv, e,
                  {qS0, qS1, qS2}, {kS0, kS1, kS2}, {vS0, vS1, vS2},
                  {oS0, oS1, oS2}, scale, causal != 0, window};
  constexpr int64_t rows = 16;
  int64_t chunks = (s + rows - 1) / rows;
  Pool::get().run(h * chunks, [&](int64_t task) {
    int64_t hd = task / chunks, s0 = (task % chunks) * rows;
    attentionRows(a, hd, s0, std::min(s, s0 + rows));
  });
}

int rotq_ukernel_num_threads() { return Pool::get().size(); }
}
