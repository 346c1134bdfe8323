//===- RowKernels.cpp - Hadamard / quantize kernels, one block per row ----===//
//
// One thread block transforms one row of length n, kept in shared memory as
// f32 between the stages, so the row is read from global memory once and
// written once:
//
//  1. load: each lane reads V contiguous elements with one vector load (16
//     bytes of f16/bf16, 16 of f32), applies the signs, and does the first
//     log2(V) butterfly stages in registers and the next (up to 5) across
//     the lanes of its warp with shuffles; the result goes to shared memory;
//  2. the remaining Sylvester stages, up to 4 at a time (radix-16) per pass
//     over shared memory, one barrier per pass;
//  3. each dense Kronecker factor F (order K, stride S): fully unrolled
//     (+-1 additions for Hadamard factors) when K <= 32, otherwise a loop
//     over the factor matrix in global memory into a second buffer;
//  3'. instead of 1-3, DuQuant's transform: the b x b matrix staged in
//     shared memory (f32), each thread computing U consecutive outputs of
//     one block (x read once per k for U products); the gather folded into
//     the second rotation's reads;
//  4. epilogue: the 1/sqrt(2^m) scale (and the signs for `transpose`), then
//     either a vector store in the data type, or per-row quantization: a
//     block reduction of max|x| (or min/max) with shuffles, the scale from
//     quantmath (the same arithmetic as the CPU lowering), and the i8 codes.
//
// Every loop bound is static (n is), so all register arrays are unrolled
// SSA values: nothing is spilled to local memory.
//
//===----------------------------------------------------------------------===//
#include "RowKernels.h"

#include "rotq/Conversion/QuantMath.h"
#include "rotq/Support/Hadamard.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <cmath>

using namespace mlir;
namespace had = ::rotq::hadamard;

namespace mlir::rotq::gpukernels {
namespace {

/// Dense factors up to this order are unrolled in registers.
constexpr int64_t kMaxUnrolledFactor = 32;
/// Sylvester stages done per shared-memory pass.
constexpr int64_t kStagesPerPass = 4;
constexpr int64_t kWarp = 32;

int64_t log2Exact(int64_t v) {
  int64_t l = 0;
  while ((int64_t(1) << l) < v)
    ++l;
  return l;
}

/// The layout decisions shared by the size computation and the emitter.
struct Plan {
  int64_t n, threads, warps, vec, vecBits, laneBits, log2Syl;
  had::Factorization fact;
  /// Factors that go through the matrix-in-memory loop (need a 2nd buffer).
  bool needsSecondBuffer = false;
  /// DuQuant: outputs per thread in a rotation pass (divides the block).
  int64_t unroll = 1;
  bool duquant() const { return rotateBlock > 0 || permuted; }
  int64_t rotateBlock = 0;
  bool permuted = false;
};

Plan makePlan(const RowKernelSpec &s) {
  Plan p;
  p.n = s.n;
  int64_t maxVec = 16 / (s.elementType.getIntOrFloatBitWidth() / 8);
  p.log2Syl = 0;
  if (s.hadamard) {
    p.fact = had::factorize(s.blockSize);
    p.log2Syl = p.fact.log2Sylvester;
    for (const had::Factor &f : p.fact.factors)
      if (f.order > kMaxUnrolledFactor)
        p.needsSecondBuffer = true;
  }
  p.rotateBlock = s.rotate1 || s.rotate2 ? s.rotateBlock : 0;
  p.permuted = bool(s.permutation);
  if (p.duquant()) {
    p.needsSecondBuffer = true;
    for (int64_t u : {4, 2, 1})
      if (!p.rotateBlock || p.rotateBlock % u == 0) {
        p.unroll = u;
        break;
      }
  }
  // The vector must divide the row, and the Sylvester part when transforming
  // (its butterflies act on the bits of the index inside the vector).
  int64_t limit = s.hadamard ? (int64_t(1) << p.log2Syl) : s.n;
  p.vec = 1;
  while (p.vec * 2 <= maxVec && s.n % (p.vec * 2) == 0 && p.vec * 2 <= limit)
    p.vec *= 2;
  p.vecBits = log2Exact(p.vec);
  p.laneBits = s.hadamard ? std::min<int64_t>(5, p.log2Syl - p.vecBits) : 0;
  int64_t want = 1;
  while (want * 16 < s.n)
    want *= 2;
  p.threads = std::clamp<int64_t>(want, 64, 512);
  p.warps = p.threads / kWarp;
  return p;
}

struct Emitter {
  OpBuilder &b;
  Location loc;
  const RowKernelSpec &spec;
  const Plan &plan;
  Type f32;

  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value fc(double v) { return quantmath::f32(b, loc, v); }
  Value addi(Value a, Value c) { return arith::AddIOp::create(b, loc, a, c); }
  Value muli(Value a, Value c) { return arith::MulIOp::create(b, loc, a, c); }
  Value addf(Value a, Value c) { return arith::AddFOp::create(b, loc, a, c); }
  Value subf(Value a, Value c) { return arith::SubFOp::create(b, loc, a, c); }
  Value mulf(Value a, Value c) { return arith::MulFOp::create(b, loc, a, c); }
  Value lt(Value a, Value c) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, a, c);
  }

  /// for (i = 0; i < count; ++i) body(i), with `count` static.
  void forRange(int64_t count, function_ref<void(Value)> body) {
    auto loop = scf::ForOp::create(b, loc, idx(0), idx(count), idx(1));
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(loop.getBody());
    body(loop.getInductionVar());
  }

  /// acc = init; for (i = 0; i < count; ++i) acc = body(i, acc); returns
  /// the final acc.
  SmallVector<Value>
  forAccumulate(int64_t count, ValueRange init,
                function_ref<SmallVector<Value>(Value, ValueRange)> body) {
    auto loop = scf::ForOp::create(b, loc, idx(0), idx(count), idx(1), init);
    {
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(loop.getBody());
      scf::YieldOp::create(
          b, loc, body(loop.getInductionVar(), loop.getRegionIterArgs()));
    }
    return loop.getResults();
  }

  /// if (cond) body().
  void ifThen(Value cond, function_ref<void()> body) {
    auto op = scf::IfOp::create(b, loc, cond, /*withElseRegion=*/false);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(op.thenBlock());
    body();
  }

  /// In-register butterflies over index bits [0, bits) of `x`.
  void butterflies(SmallVectorImpl<Value> &x, int64_t bits) {
    for (int64_t j = 0; j < bits; ++j) {
      int64_t h = int64_t(1) << j;
      for (int64_t a = 0; a < int64_t(x.size()); ++a) {
        if (a & h)
          continue;
        Value u = x[a], v = x[a | h];
        x[a] = addf(u, v);
        x[a | h] = subf(u, v);
      }
    }
  }

  Value sharedView(Value dyn, int64_t byteOffset, int64_t count, Type t) {
    auto ws = gpu::AddressSpaceAttr::get(b.getContext(),
                                         gpu::AddressSpace::Workgroup);
    auto mt = MemRefType::get({count}, t, MemRefLayoutAttrInterface{}, ws);
    return memref::ViewOp::create(b, loc, mt, dyn, idx(byteOffset),
                                  ValueRange{});
  }

  /// Block-wide reduction of `v` with `combine`; every thread gets the result.
  Value blockReduce(Value v, Value lane, Value warp, Value scratch,
                    function_ref<Value(Value, Value)> combine) {
    for (int64_t off = kWarp / 2; off >= 1; off /= 2) {
      auto sh = gpu::ShuffleOp::create(b, loc, v, int32_t(off), int32_t(kWarp),
                                       gpu::ShuffleMode::XOR);
      v = combine(v, sh.getShuffleResult());
    }
    Value isLane0 =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, lane, idx(0));
    ifThen(isLane0, [&] { memref::StoreOp::create(b, loc, v, scratch, warp); });
    gpu::BarrierOp::create(b, loc);
    Value r = memref::LoadOp::create(b, loc, scratch, ValueRange{idx(0)});
    for (int64_t w = 1; w < plan.warps; ++w)
      r = combine(r, memref::LoadOp::create(b, loc, scratch,
                                            ValueRange{idx(w)}));
    // The scratch is reused by the next reduction.
    gpu::BarrierOp::create(b, loc);
    return r;
  }

  void emit(Value input, Value output, Value scale, Value zeroPoint,
            ArrayRef<Value> constants, Value row, Value tid, Value dyn);

  /// Copies a [b, b] matrix of the data type from global memory into the
  /// shared f32 `mat`.
  void stageMatrix(Value global, Value mat, Value tid) {
    int64_t bb = plan.rotateBlock * plan.rotateBlock, T = plan.threads;
    forRange((bb + T - 1) / T, [&](Value it) {
      Value q = addi(muli(it, idx(T)), tid);
      ifThen(lt(q, idx(bb)), [&] {
        Value r = arith::DivUIOp::create(b, loc, q, idx(plan.rotateBlock));
        Value c = arith::RemUIOp::create(b, loc, q, idx(plan.rotateBlock));
        Value v = memref::LoadOp::create(b, loc, global, ValueRange{r, c});
        if (v.getType() != f32)
          v = arith::ExtFOp::create(b, loc, f32, v);
        memref::StoreOp::create(b, loc, v, mat, q);
      });
    });
    gpu::BarrierOp::create(b, loc);
  }

  /// One pass over the row: dst[i] = sum_k src[at(base(i) + k)] M[k, i % b]
  /// with the matrix staged in `mat` (when `mat`), else dst[i] =
  /// src[at(i)]; at() is the permutation when `perm`, else the identity.
  void rotationPass(Value src, Value dst, Value mat, Value perm, Value tid) {
    int64_t n = plan.n, T = plan.threads;
    int64_t blk = mat ? plan.rotateBlock : 1, U = mat ? plan.unroll : 1;
    auto at = [&](Value i) -> Value {
      if (!perm)
        return i;
      Value p = memref::LoadOp::create(b, loc, perm, i);
      return arith::IndexCastOp::create(b, loc, b.getIndexType(), p);
    };
    int64_t groups = n / U;
    forRange((groups + T - 1) / T, [&](Value it) {
      Value q = addi(muli(it, idx(T)), tid);
      ifThen(lt(q, idx(groups)), [&] {
        Value i0 = muli(q, idx(U));
        if (!mat) {
          Value v = memref::LoadOp::create(b, loc, src, at(i0));
          memref::StoreOp::create(b, loc, v, dst, i0);
          return;
        }
        Value base = muli(arith::DivUIOp::create(b, loc, i0, idx(blk)),
                          idx(blk));
        Value c0 = arith::RemUIOp::create(b, loc, i0, idx(blk));
        SmallVector<Value> init(U, fc(0.0));
        SmallVector<Value> acc = forAccumulate(
            blk, init, [&](Value k, ValueRange a) -> SmallVector<Value> {
              Value x = memref::LoadOp::create(b, loc, src, at(addi(base, k)));
              Value row = muli(k, idx(blk));
              SmallVector<Value> out;
              // U consecutive entries of the matrix row: one vector load
              // (U = 4: 16 bytes, conflict-free across the warp's lanes).
              SmallVector<Value> m;
              if (U > 1) {
                Value v = vector::LoadOp::create(
                    b, loc, VectorType::get({U}, f32), mat,
                    ValueRange{addi(row, c0)}, false,
                    llvm::MaybeAlign(4 * U));
                for (int64_t u = 0; u < U; ++u)
                  m.push_back(vector::ExtractOp::create(
                      b, loc, v, ArrayRef<int64_t>{u}));
              } else {
                m.push_back(memref::LoadOp::create(b, loc, mat,
                                                   ValueRange{addi(row, c0)}));
              }
              for (int64_t u = 0; u < U; ++u)
                out.push_back(math::FmaOp::create(b, loc, x, m[u], a[u]));
              return out;
            });
        for (int64_t u = 0; u < U; ++u)
          memref::StoreOp::create(b, loc, acc[u], dst,
                                  ValueRange{addi(i0, idx(u))});
      });
    });
    gpu::BarrierOp::create(b, loc);
  }

  /// DuQuant's x B1, gather, x B2 over the row in bufs[cur]; leaves the
  /// result in bufs[cur].
  void emitDuQuant(Value bufs[2], int &cur, ArrayRef<Value> constants,
                   unsigned &constIdx, Value tid) {
    Value perm = spec.permutation ? constants[constIdx++] : Value();
    Value m1 = spec.rotate1 ? constants[constIdx++] : Value();
    Value m2 = spec.rotate2 ? constants[constIdx++] : Value();
    Value mat = matrixView;
    if (m1) {
      stageMatrix(m1, mat, tid);
      rotationPass(bufs[cur], bufs[1 - cur], mat, Value(), tid);
      cur = 1 - cur;
    }
    if (m2 || perm) {
      // The matrix buffer is free again: the pass above ended in a barrier.
      if (m2)
        stageMatrix(m2, mat, tid);
      rotationPass(bufs[cur], bufs[1 - cur], m2 ? mat : Value(), perm, tid);
      cur = 1 - cur;
    }
  }

  /// Shared f32 [b * b] for the DuQuant matrix (set by emit).
  Value matrixView;
};

void Emitter::emit(Value input, Value output, Value scale, Value zeroPoint,
                   ArrayRef<Value> constants, Value row, Value tid,
                   Value dyn) {
  int64_t n = plan.n, V = plan.vec, T = plan.threads;
  Type et = spec.elementType;
  unsigned constIdx = 0;
  Value signs = spec.signs ? constants[constIdx++] : Value();
  Value lane = arith::RemUIOp::create(b, loc, tid, idx(kWarp));
  Value warp = arith::DivUIOp::create(b, loc, tid, idx(kWarp));

  Value bufs[2];
  bufs[0] = sharedView(dyn, 0, n, f32);
  int64_t used = n * 4;
  if (plan.needsSecondBuffer) {
    bufs[1] = sharedView(dyn, used, n, f32);
    used += n * 4;
  }
  if (plan.rotateBlock) {
    matrixView = sharedView(dyn, used, plan.rotateBlock * plan.rotateBlock, f32);
    used += plan.rotateBlock * plan.rotateBlock * 4;
  }
  Value scratch = sharedView(dyn, used, 2 * plan.warps, f32);
  int cur = 0;

  auto vecT = VectorType::get({V}, et);
  auto vecF = VectorType::get({V}, f32);
  llvm::MaybeAlign globalAlign(V * et.getIntOrFloatBitWidth() / 8);
  // The dynamic shared memory base is only known to be 16-byte aligned.
  llvm::MaybeAlign sharedAlign(std::min<int64_t>(V * 4, 16));

  // 1. Load, signs, register and lane butterflies, to shared memory.
  int64_t seg = kWarp * V;
  int64_t segments = (n + seg - 1) / seg;
  int64_t perWarp = (segments + plan.warps - 1) / plan.warps;
  bool applySignsFirst = signs && !spec.transpose;
  forRange(perWarp, [&](Value it) {
    Value s = addi(muli(it, idx(plan.warps)), warp);
    Value e0 = addi(muli(s, idx(seg)), muli(lane, idx(V)));
    Value inRange = lt(e0, idx(n));
    SmallVector<Type> types(V, f32);
    auto load = scf::IfOp::create(b, loc, types, inRange, true);
    {
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(load.thenBlock());
      Value v = vector::LoadOp::create(b, loc, vecT, input,
                                       ValueRange{row, e0}, false, globalAlign);
      SmallVector<Value> xs;
      for (int64_t k = 0; k < V; ++k) {
        Value x = vector::ExtractOp::create(b, loc, v, ArrayRef<int64_t>{k});
        if (et != f32)
          x = arith::ExtFOp::create(b, loc, f32, x);
        if (applySignsFirst)
          x = mulf(x, memref::LoadOp::create(b, loc, signs,
                                             ValueRange{addi(e0, idx(k))}));
        xs.push_back(x);
      }
      scf::YieldOp::create(b, loc, xs);
      b.setInsertionPointToStart(load.elseBlock());
      scf::YieldOp::create(b, loc, SmallVector<Value>(V, fc(0.0)));
    }
    SmallVector<Value> x(load.getResults());
    if (spec.hadamard) {
      butterflies(x, plan.vecBits);
      for (int64_t j = 0; j < plan.laneBits; ++j) {
        int64_t off = int64_t(1) << j;
        Value bit = arith::AndIOp::create(b, loc, lane, idx(off));
        Value upper = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne,
                                            bit, idx(0));
        for (Value &xv : x) {
          Value p = gpu::ShuffleOp::create(b, loc, xv, int32_t(off),
                                           int32_t(kWarp),
                                           gpu::ShuffleMode::XOR)
                        .getShuffleResult();
          xv = arith::SelectOp::create(b, loc, upper, subf(p, xv),
                                       addf(xv, p));
        }
      }
    }
    ifThen(inRange, [&] {
      Value v = vector::FromElementsOp::create(b, loc, vecF, x);
      vector::StoreOp::create(b, loc, v, bufs[cur], ValueRange{e0}, false,
                              sharedAlign);
    });
  });
  gpu::BarrierOp::create(b, loc);

  if (spec.hadamard) {
    // 2. Remaining Sylvester stages, radix up to 16 per pass.
    for (int64_t p = plan.vecBits + plan.laneBits; p < plan.log2Syl;) {
      int64_t r = std::min(kStagesPerPass, plan.log2Syl - p);
      int64_t items = n >> r;
      forRange((items + T - 1) / T, [&](Value it) {
        Value q = addi(muli(it, idx(T)), tid);
        ifThen(lt(q, idx(items)), [&] {
          Value hi = arith::ShRUIOp::create(b, loc, q, idx(p));
          hi = arith::ShLIOp::create(b, loc, hi, idx(p + r));
          Value lo = arith::AndIOp::create(b, loc, q, idx((int64_t(1) << p) - 1));
          Value base = arith::OrIOp::create(b, loc, hi, lo);
          SmallVector<Value> at, x;
          for (int64_t t = 0; t < (int64_t(1) << r); ++t) {
            at.push_back(addi(base, idx(t << p)));
            x.push_back(memref::LoadOp::create(b, loc, bufs[cur], at.back()));
          }
          butterflies(x, r);
          for (size_t t = 0; t < x.size(); ++t)
            memref::StoreOp::create(b, loc, x[t], bufs[cur], at[t]);
        });
      });
      gpu::BarrierOp::create(b, loc);
      p += r;
    }

    // 3. Dense factors, outermost first; factor t has stride S_t.
    int64_t stride = spec.blockSize;
    for (const had::Factor &f : plan.fact.factors) {
      int64_t K = f.order;
      stride /= K;
      int64_t S = stride, items = n / K;
      std::vector<double> m = had::factorMatrix(f);
      // y[k'] = sum_k x[k] F[k][k'] (F[k'][k] with transpose).
      auto coef = [&](int64_t k, int64_t kp) {
        return spec.transpose ? m[kp * K + k] : m[k * K + kp];
      };
      bool unrolled = K <= kMaxUnrolledFactor;
      Value matrix = unrolled ? Value() : constants[constIdx++];
      forRange((items + T - 1) / T, [&](Value it) {
        Value q = addi(muli(it, idx(T)), tid);
        ifThen(lt(q, idx(items)), [&] {
          Value outer = arith::DivUIOp::create(b, loc, q, idx(S));
          Value inner = arith::RemUIOp::create(b, loc, q, idx(S));
          Value base = addi(muli(outer, idx(K * S)), inner);
          if (unrolled) {
            SmallVector<Value> at, x;
            for (int64_t k = 0; k < K; ++k) {
              at.push_back(addi(base, idx(k * S)));
              x.push_back(memref::LoadOp::create(b, loc, bufs[cur], at.back()));
            }
            double norm = f.isHadamard() ? 1.0 / std::sqrt(double(K)) : 1.0;
            for (int64_t kp = 0; kp < K; ++kp) {
              Value acc;
              for (int64_t k = 0; k < K; ++k) {
                double c = coef(k, kp) / norm;
                Value term = x[k];
                if (f.isHadamard()) {
                  // +-1 entries: additions only.
                  acc = !acc ? (c > 0 ? term : arith::NegFOp::create(b, loc, term).getResult())
                             : (c > 0 ? addf(acc, term) : subf(acc, term));
                  continue;
                }
                term = mulf(term, fc(c));
                acc = acc ? addf(acc, term) : term;
              }
              if (f.isHadamard())
                acc = mulf(acc, fc(norm));
              memref::StoreOp::create(b, loc, acc, bufs[cur], at[kp]);
            }
            return;
          }
          forRange(K, [&](Value kp) {
            Value sum = forAccumulate(
                K, {fc(0.0)}, [&](Value k, ValueRange acc) -> SmallVector<Value> {
                  Value xv = memref::LoadOp::create(
                      b, loc, bufs[cur], ValueRange{addi(base, muli(k, idx(S)))});
                  Value fv = memref::LoadOp::create(
                      b, loc, matrix,
                      spec.transpose ? ValueRange{kp, k} : ValueRange{k, kp});
                  return {addf(acc[0], mulf(xv, fv))};
                })[0];
            memref::StoreOp::create(b, loc, sum, bufs[1 - cur],
                                    ValueRange{addi(base, muli(kp, idx(S)))});
          });
        });
      });
      gpu::BarrierOp::create(b, loc);
      if (!unrolled)
        cur = 1 - cur;
    }
  }

  if (plan.duquant())
    emitDuQuant(bufs, cur, constants, constIdx, tid);

  // 4. Epilogue over vectors of V elements.
  double post = spec.hadamard ? 1.0 / std::sqrt(double(int64_t(1) << plan.log2Syl)) : 1.0;
  bool applySignsLast = signs && spec.transpose;
  int64_t chunks = n / V;
  int64_t iters = (chunks + T - 1) / T;
  // Final values of one vector, rounded through the data type as the
  // unfused rotq.hadamard result would be.
  auto finalValues = [&](Value e0) {
    Value v = vector::LoadOp::create(b, loc, vecF, bufs[cur], ValueRange{e0},
                                     false, sharedAlign);
    SmallVector<Value> xs;
    for (int64_t k = 0; k < V; ++k) {
      Value x = vector::ExtractOp::create(b, loc, v, ArrayRef<int64_t>{k});
      if (post != 1.0)
        x = mulf(x, fc(post));
      if (applySignsLast)
        x = mulf(x, memref::LoadOp::create(b, loc, signs,
                                           ValueRange{addi(e0, idx(k))}));
      if (spec.quantize && et != f32)
        x = arith::ExtFOp::create(
            b, loc, f32, arith::TruncFOp::create(b, loc, et, x).getResult());
      xs.push_back(x);
    }
    return xs;
  };
  auto forChunks = [&](function_ref<void(Value)> body) {
    forRange(iters, [&](Value it) {
      Value c = addi(muli(it, idx(T)), tid);
      ifThen(lt(c, idx(chunks)), [&] { body(muli(c, idx(V))); });
    });
  };

  if (!spec.quantize) {
    forChunks([&](Value e0) {
      SmallVector<Value> xs = finalValues(e0);
      for (Value &x : xs)
        if (et != f32)
          x = arith::TruncFOp::create(b, loc, et, x);
      Value v = vector::FromElementsOp::create(b, loc, vecT, xs);
      vector::StoreOp::create(b, loc, v, output, ValueRange{row, e0}, false,
                              globalAlign);
    });
    return;
  }

  // Statistics over finite values (zero-initialized as the CPU lowering).
  bool asym = spec.asymmetric;
  SmallVector<Value> init = {fc(0.0)};
  if (asym)
    init.push_back(fc(0.0));
  SmallVector<Value> stats = forAccumulate(
      iters, init, [&](Value it, ValueRange acc) -> SmallVector<Value> {
        Value c = addi(muli(it, idx(T)), tid);
        auto guarded =
            scf::IfOp::create(b, loc, acc.getTypes(), lt(c, idx(chunks)), true);
        OpBuilder::InsertionGuard g(b);
        b.setInsertionPointToStart(guarded.thenBlock());
        SmallVector<Value> a(acc);
        for (Value x : finalValues(muli(c, idx(V)))) {
          Value mag = math::AbsFOp::create(b, loc, x);
          if (!asym) {
            a[0] = arith::MaximumFOp::create(
                b, loc, a[0], quantmath::finiteOrZero(b, loc, mag, mag));
            continue;
          }
          Value v = quantmath::finiteOrZero(b, loc, x, mag);
          a[0] = arith::MinimumFOp::create(b, loc, a[0], v);
          a[1] = arith::MaximumFOp::create(b, loc, a[1], v);
        }
        scf::YieldOp::create(b, loc, a);
        b.setInsertionPointToStart(guarded.elseBlock());
        scf::YieldOp::create(b, loc, acc);
        return guarded.getResults();
      });
  auto maxf = [&](Value a, Value c) {
    return arith::MaximumFOp::create(b, loc, a, c).getResult();
  };
  auto minf = [&](Value a, Value c) {
    return arith::MinimumFOp::create(b, loc, a, c).getResult();
  };
  Value s, zp;
  if (!asym) {
    Value amax = blockReduce(stats[0], lane, warp, scratch, maxf);
    s = quantmath::symmetricScale(b, loc, amax, spec.clipRatio, spec.bits);
  } else {
    Value lo = blockReduce(stats[0], lane, warp, scratch, minf);
    Value hi = blockReduce(stats[1], lane, warp, scratch, maxf);
    std::tie(s, zp) =
        quantmath::asymmetricScale(b, loc, lo, hi, spec.clipRatio, spec.bits);
  }
  Value first = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, tid, idx(0));
  ifThen(first, [&] {
    memref::StoreOp::create(b, loc, s, scale, ValueRange{row, idx(0)});
    if (zp)
      memref::StoreOp::create(b, loc, zp, zeroPoint, ValueRange{row, idx(0)});
  });
  auto vecI8 = VectorType::get({V}, b.getI8Type());
  forChunks([&](Value e0) {
    SmallVector<Value> codes;
    for (Value x : finalValues(e0))
      codes.push_back(quantmath::quantizeElement(b, loc, x, s, zp, spec.bits));
    Value v = vector::FromElementsOp::create(b, loc, vecI8, codes);
    vector::StoreOp::create(b, loc, v, output, ValueRange{row, e0}, false,
                            llvm::MaybeAlign(V));
  });
}

} // namespace

DictionaryAttr rowKernelAttr(MLIRContext *ctx, const RowKernelSpec &s) {
  Builder b(ctx);
  SmallVector<NamedAttribute> a;
  if (s.hadamard) {
    a.push_back(b.getNamedAttr("block_size", b.getI64IntegerAttr(s.blockSize)));
    if (s.transpose)
      a.push_back(b.getNamedAttr("transpose", b.getUnitAttr()));
    if (s.signs)
      a.push_back(b.getNamedAttr("signs", b.getDenseI8ArrayAttr(*s.signs)));
  }
  if (s.rotate1 || s.rotate2)
    a.push_back(b.getNamedAttr("rotate_block", b.getI64IntegerAttr(s.rotateBlock)));
  if (s.rotate1)
    a.push_back(b.getNamedAttr("rotate1", b.getUnitAttr()));
  if (s.rotate2)
    a.push_back(b.getNamedAttr("rotate2", b.getUnitAttr()));
  if (s.permutation)
    a.push_back(b.getNamedAttr("permutation",
                               b.getDenseI64ArrayAttr(*s.permutation)));
  if (s.quantize) {
    a.push_back(b.getNamedAttr("bits", b.getI64IntegerAttr(s.bits)));
    a.push_back(b.getNamedAttr("clip_ratio", b.getF64FloatAttr(s.clipRatio)));
    if (s.asymmetric)
      a.push_back(b.getNamedAttr("asymmetric", b.getUnitAttr()));
  }
  return b.getDictionaryAttr(a);
}

FailureOr<RowKernelSpec> rowKernelSpecFrom(DictionaryAttr a, MemRefType input) {
  RowKernelSpec s;
  if (input.getRank() != 2 || input.isDynamicDim(1))
    return failure();
  s.n = input.getDimSize(1);
  s.elementType = input.getElementType();
  if (auto bs = a.getAs<IntegerAttr>("block_size")) {
    s.hadamard = true;
    s.blockSize = bs.getInt();
    s.transpose = bool(a.get("transpose"));
    if (auto sg = a.getAs<DenseI8ArrayAttr>("signs"))
      s.signs = sg.asArrayRef();
  }
  s.rotate1 = bool(a.get("rotate1"));
  s.rotate2 = bool(a.get("rotate2"));
  if (auto rb = a.getAs<IntegerAttr>("rotate_block"))
    s.rotateBlock = rb.getInt();
  if ((s.rotate1 || s.rotate2) &&
      (s.rotateBlock < 1 || s.n % s.rotateBlock != 0))
    return failure();
  if (auto p = a.getAs<DenseI64ArrayAttr>("permutation")) {
    if (p.size() != s.n)
      return failure();
    s.permutation = p.asArrayRef();
  }
  if (s.hadamard && (s.rotate1 || s.rotate2 || s.permutation))
    return failure();
  if (auto bits = a.getAs<IntegerAttr>("bits")) {
    s.quantize = true;
    s.bits = bits.getInt();
    auto clip = a.getAs<FloatAttr>("clip_ratio");
    if (!clip)
      return failure();
    s.clipRatio = clip.getValueAsDouble();
    s.asymmetric = bool(a.get("asymmetric"));
  }
  return s;
}

int64_t rowKernelSharedBytes(const RowKernelSpec &spec) {
  Plan p = makePlan(spec);
  return (p.needsSecondBuffer ? 2 : 1) * spec.n * 4 +
         p.rotateBlock * p.rotateBlock * 4 + 2 * p.warps * 4;
}

int64_t maxSharedBytes(StringRef chip) {
  if (chip.starts_with("sm_90") || chip.starts_with("sm_100"))
    return 227 * 1024;
  if (chip.starts_with("sm_80") || chip.starts_with("sm_87"))
    return 163 * 1024;
  return 99 * 1024;
}

SmallVector<Value> rowKernelConstants(OpBuilder &b, Location loc,
                                      const RowKernelSpec &spec) {
  SmallVector<Value> out;
  auto constant = [&](ArrayRef<int64_t> shape, ArrayRef<float> values) {
    auto t = RankedTensorType::get(shape, b.getF32Type());
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(t, values)).getResult();
  };
  if (spec.signs) {
    SmallVector<float> s(spec.signs->begin(), spec.signs->end());
    out.push_back(constant({int64_t(s.size())}, s));
  }
  if (spec.hadamard)
    for (const had::Factor &f : had::factorize(spec.blockSize).factors)
      if (f.order > kMaxUnrolledFactor) {
        std::vector<double> m = had::factorMatrix(f);
        SmallVector<float> mf(m.begin(), m.end());
        out.push_back(constant({f.order, f.order}, mf));
      }
  if (spec.permutation) {
    SmallVector<int32_t> p(spec.permutation->begin(), spec.permutation->end());
    auto t = RankedTensorType::get({int64_t(p.size())}, b.getI32Type());
    out.push_back(arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(t, ArrayRef<int32_t>(p))).getResult());
  }
  return out;
}

void emitRowKernel(OpBuilder &b, Location loc, const RowKernelSpec &spec,
                   Value input, Value output, Value scale, Value zeroPoint,
                   ArrayRef<Value> constants) {
  Plan plan = makePlan(spec);
  Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
  Value rows = memref::DimOp::create(b, loc, input, 0);
  Value threads = arith::ConstantIndexOp::create(b, loc, plan.threads);
  Value smem = arith::ConstantIntOp::create(b, loc, b.getI32Type(),
                                            rowKernelSharedBytes(spec));
  // A launch of zero blocks is an error: skip empty inputs.
  Value any = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, rows,
                                    arith::ConstantIndexOp::create(b, loc, 0));
  auto guard = scf::IfOp::create(b, loc, any, /*withElseRegion=*/false);
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPointToStart(guard.thenBlock());
  // Named after what it computes, so kernels are recognizable in PTX and
  // profiles.
  bool dq = spec.rotate1 || spec.rotate2 || spec.permutation;
  StringRef name = spec.hadamard ? (spec.quantize ? "rotq_fwht_quantize" : "rotq_fwht")
                   : dq          ? (spec.quantize ? "rotq_duquant_quantize"
                                                  : "rotq_duquant")
                                 : "rotq_quantize_rows";
  auto launch = gpu::LaunchOp::create(
      b, loc, rows, c1, c1, threads, c1, c1, smem, Type(), ValueRange{},
      TypeRange{}, TypeRange{}, Value(), Value(), Value(),
      FlatSymbolRefAttr::get(b.getContext(), name),
      FlatSymbolRefAttr::get(b.getContext(), name));
  Block &body = launch.getBody().front();
  b.setInsertionPointToStart(&body);
  auto ws = gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  Value dyn = gpu::DynamicSharedMemoryOp::create(
      b, loc, MemRefType::get({ShapedType::kDynamic}, b.getI8Type(),
                              MemRefLayoutAttrInterface{}, ws));
  Emitter e{b, loc, spec, plan, b.getF32Type()};
  e.emit(input, output, scale, zeroPoint, constants, launch.getBlockIds().x,
         launch.getThreadIds().x, dyn);
  gpu::TerminatorOp::create(b, loc);
}

} // namespace mlir::rotq::gpukernels
