//===- QMatmulKernel.cpp - rotq.qmatmul on int8 tensor cores --------------===//
//
// A 128x128 output tile per block of 8 warps (2 x 4), each warp 64x32 as
// 4 x 4 mma.sync.m16n8k32 s8 tiles with i32 accumulators (64x128 and 2 x 4
// tiles per warp when several scale groups need f32 partial sums too). K advances in
// steps of 64 bytes: the block stages its A and B slices in shared memory
// with 16-byte vector loads (zero-filled past M, N and K, so no shape needs
// to be a tile multiple), then each warp reads its fragments as 32-bit
// words in the PTX fragment layout (rows padded by 16 bytes, which makes
// those reads bank-conflict free). With 4-bit weights the B slice holds the
// packed bytes and each fragment register is unpacked in registers: two
// bytes are spread to four nibble-per-byte lanes and sign-extended with one
// multiply (Hopper has no int4 tensor-core path). After each scale group the
// i32 sums are folded into f32 as the CPU lowering does:
// y = bias + sum_g (ls * rs) * float(acc_g), in that order.
//
// The sm_90a variant (wgmma) gives a 64x64 tile to one warpgroup (128
// threads): the slices are staged in shared memory in the "core matrix"
// layout wgmma reads without swizzling (8 rows x 16 bytes per 128-byte
// core matrix, K-adjacent ones 128 bytes apart, M/N-adjacent ones
// BK/16 * 128 bytes apart), 4-bit weights unpacked to bytes on the way in,
// and each 32-wide K step is one wgmma.mma_async m64n64k32 s8 on two
// shared-memory descriptors, with the 32 i32 accumulators per thread in
// registers (a 64x128 tile spills on the epilogue).
//
//===----------------------------------------------------------------------===//
#include "QMatmulKernel.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace mlir::rotq::gpukernels {
namespace {

constexpr int64_t BN = 128, BK = 64, kThreads = 256, kPad = 16;
constexpr int64_t kWarpCols = 32, NT = 4;

/// m16 tiles per warp: 4 (a 128-row block tile), or 2 with several scale
/// groups, whose f32 partial sums would not fit in registers beside the
/// i32 accumulators.
int64_t mTiles(const QMatmulSpec &s) { return s.groups > 1 ? 2 : 4; }

struct QEmitter {
  OpBuilder &b;
  Location loc;
  const QMatmulSpec &spec;
  const int64_t MT = mTiles(spec), kWarpRows = 16 * MT, BM = 2 * kWarpRows;

  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value i32c(int64_t v) {
    return arith::ConstantIntOp::create(b, loc, b.getI32Type(), v);
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value ult(Value x, Value y) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, x, y);
  }
  Value andi(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }
  Value minIdx(Value x, Value y) { return arith::MinUIOp::create(b, loc, x, y); }
  Value quantF32Zero() {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0));
  }

  /// v = cond ? load(mem[i, j]) : 0, as a vector of `width` i8.
  Value guardedLoad(Value cond, Value mem, Value i, Value j, int64_t width) {
    auto vt = VectorType::get({width}, b.getI8Type());
    auto op = scf::IfOp::create(b, loc, TypeRange{vt}, cond, true);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(op.thenBlock());
    Value v = vector::LoadOp::create(b, loc, vt, mem, ValueRange{i, j}, false,
                                     llvm::MaybeAlign(width));
    scf::YieldOp::create(b, loc, v);
    b.setInsertionPointToStart(op.elseBlock());
    Value z = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(vt, b.getI8IntegerAttr(0)));
    scf::YieldOp::create(b, loc, z);
    return op.getResult(0);
  }

  /// Four signed 4-bit codes (the low 16 bits of `x`, low nibble first) as
  /// the four sign-extended bytes of an i32.
  Value spreadNibbles(Value x) {
    Value y = andi(x, i32c(0xF));
    for (int64_t s = 1; s < 4; ++s) {
      Value part = andi(x, i32c(int64_t(0xF) << (4 * s)));
      y = arith::OrIOp::create(
          b, loc, y, arith::ShLIOp::create(b, loc, part, i32c(4 * s)));
    }
    // Bytes holding 8..15 are negative: set their high nibble (0x08 * 0x1E
    // is 0xF0 and never carries into the next byte).
    Value neg = mul(andi(y, i32c(0x08080808)), i32c(0x1E));
    return arith::OrIOp::create(b, loc, y, neg);
  }

  /// Two packed bytes as four codes.
  Value unpackNibbles(Value twoBytes) {
    Value w = vector::BitCastOp::create(
        b, loc, VectorType::get({1}, b.getI16Type()), twoBytes);
    Value h = vector::ExtractOp::create(b, loc, w, ArrayRef<int64_t>{0});
    Value y = spreadNibbles(arith::ExtUIOp::create(b, loc, b.getI32Type(), h));
    Value v = vector::BroadcastOp::create(
        b, loc, VectorType::get({1}, b.getI32Type()), y);
    return vector::BitCastOp::create(b, loc,
                                     VectorType::get({4}, b.getI8Type()), v);
  }

  /// Eight packed bytes as sixteen codes.
  Value unpack8(Value bytes) {
    Type i32 = b.getI32Type();
    Value words = vector::BitCastOp::create(b, loc, VectorType::get({2}, i32),
                                            bytes);
    SmallVector<Value> out;
    for (int64_t w = 0; w < 2; ++w) {
      Value x = vector::ExtractOp::create(b, loc, words, ArrayRef<int64_t>{w});
      out.push_back(spreadNibbles(andi(x, i32c(0xFFFF))));
      out.push_back(spreadNibbles(arith::ShRUIOp::create(b, loc, x, i32c(16))));
    }
    Value v = vector::FromElementsOp::create(b, loc, VectorType::get({4}, i32), out);
    return vector::BitCastOp::create(b, loc,
                                     VectorType::get({16}, b.getI8Type()), v);
  }

  /// Copies rows [row0, row0 + rows) x bytes [col0, col0 + bytes) of `mem`
  /// (limits rowEnd x colEnd) to `tile`, 16 bytes per thread and step.
  void stage(Value mem, Value tile, Value row0, Value rowEnd, Value col0,
             int64_t colEnd, int64_t rows, int64_t bytes, Value tid) {
    for (int64_t c = 0; c < rows * bytes / 16 / kThreads; ++c) {
      Value chunk = add(tid, idx(c * kThreads));
      Value r = arith::DivUIOp::create(b, loc, chunk, idx(bytes / 16));
      Value col = mul(arith::RemUIOp::create(b, loc, chunk, idx(bytes / 16)),
                      idx(16));
      Value gr = add(row0, r), gc = add(col0, col);
      Value v = guardedLoad(andi(ult(gr, rowEnd), ult(gc, idx(colEnd))), mem,
                            gr, gc, 16);
      vector::StoreOp::create(b, loc, v, tile, ValueRange{r, col}, false,
                              llvm::MaybeAlign(16));
    }
  }

  Value stack(ArrayRef<Value> rows, VectorType t) {
    Value acc = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(t, b.getI8IntegerAttr(0)));
    for (auto [i, r] : llvm::enumerate(rows))
      acc = vector::InsertOp::create(b, loc, r, acc, ArrayRef<int64_t>{int64_t(i)});
    return acc;
  }

  void emit(Value lhs, Value lhsScale, Value rhs, Value rhsScale, Value bias,
            Value out, Value M, Value N, Value bx, Value by, Value tid,
            Value dyn);
  void emitWgmma(Value lhs, Value lhsScale, Value rhs, Value rhsScale,
                 Value bias, Value out, Value M, Value N, Value bx, Value by,
                 Value tid, Value dyn);
};

// wgmma tiling: one warpgroup, 64 x 64 outputs, K slices of 64 bytes.
constexpr int64_t kWgM = 64, kWgN = 64, kWgK = 64, kWgThreads = 128;

/// Byte offset of row r, 16-byte column chunk c16 in a core-matrix tile
/// with `chunks` chunks per row.
Value coreOffset(OpBuilder &b, Location loc, Value r, Value c16,
                 int64_t chunks) {
  auto c = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  Value core = arith::AddIOp::create(
      b, loc,
      arith::MulIOp::create(b, loc, arith::DivUIOp::create(b, loc, r, c(8)),
                            c(chunks)),
      c16);
  return arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, core, c(128)),
      arith::MulIOp::create(b, loc, arith::RemUIOp::create(b, loc, r, c(8)),
                            c(16)));
}

void QEmitter::emitWgmma(Value lhs, Value lhsScale, Value rhs,
                         Value rhsScale, Value bias, Value out, Value M,
                         Value N, Value bx, Value by, Value tid, Value dyn) {
  MLIRContext *ctx = b.getContext();
  int64_t K = spec.k;
  bool packed = spec.rhsBits == 4;
  Type i8 = b.getI8Type(), i32 = b.getI32Type(), i64 = b.getI64Type(),
       f32 = b.getF32Type();
  auto ws = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  int64_t bytesA = kWgM * kWgK, bytesB = kWgN * kWgK, chunks = kWgK / 16;
  auto tileA = memref::ViewOp::create(
      b, loc, MemRefType::get({bytesA}, i8, MemRefLayoutAttrInterface{}, ws),
      dyn, idx(0), ValueRange{});
  auto tileB = memref::ViewOp::create(
      b, loc, MemRefType::get({bytesB}, i8, MemRefLayoutAttrInterface{}, ws),
      dyn, idx(bytesA), ValueRange{});
  Value m0 = mul(by, idx(kWgM)), n0 = mul(bx, idx(kWgN));
  Value lastN = arith::SubIOp::create(b, loc, N, idx(1));
  Value lastM = arith::SubIOp::create(b, loc, M, idx(1));

  /// A shared-memory matrix descriptor: start address, leading (K) byte
  /// offset 128, stride (M/N) byte offset chunks * 128, no swizzle.
  auto descriptor = [&](Value tile, int64_t byteOffset) {
    Value base = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, tile);
    Value addr = arith::IndexCastOp::create(b, loc, i64, add(base, idx(byteOffset)));
    auto c64 = [&](int64_t v) { return arith::ConstantIntOp::create(b, loc, i64, v); };
    Value d = arith::AndIOp::create(
        b, loc, arith::ShRUIOp::create(b, loc, addr, c64(4)), c64(0x3FFF));
    int64_t fields = (int64_t(128 >> 4) << 16) | (int64_t((chunks * 128) >> 4) << 32);
    return arith::OrIOp::create(b, loc, d, c64(fields)).getResult();
  };

  auto accT = LLVM::LLVMStructType::getLiteral(
      ctx, SmallVector<Type>(kWgN / 2, i32));
  Value zero = LLVM::ZeroOp::create(b, loc, accT);
  int64_t tiles = (K + kWgK - 1) / kWgK;
  auto kLoop = scf::ForOp::create(b, loc, idx(0), idx(tiles), idx(1),
                                  ValueRange{zero});
  {
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(kLoop.getBody());
    Value k0 = mul(kLoop.getInductionVar(), idx(kWgK));
    gpu::BarrierOp::create(b, loc);
    // Stage A: 64 rows x 64 bytes, two 16-byte chunks per thread.
    for (int64_t c = 0; c < bytesA / 16 / kWgThreads; ++c) {
      Value chunk = add(tid, idx(c * kWgThreads));
      Value r = arith::DivUIOp::create(b, loc, chunk, idx(chunks));
      Value c16 = arith::RemUIOp::create(b, loc, chunk, idx(chunks));
      Value m = add(m0, r), k = add(k0, mul(c16, idx(16)));
      Value v = guardedLoad(andi(ult(m, M), ult(k, idx(K))), lhs, m, k, 16);
      vector::StoreOp::create(b, loc, v, tileA,
                              ValueRange{coreOffset(b, loc, r, c16, chunks)},
                              false, llvm::MaybeAlign(16));
    }
    // Stage B: 64 rows x 64 codes, two chunks per thread; packed weights
    // are read as 8 bytes and unpacked to 16 codes in registers.
    for (int64_t c = 0; c < bytesB / 16 / kWgThreads; ++c) {
      Value chunk = add(tid, idx(c * kWgThreads));
      Value r = arith::DivUIOp::create(b, loc, chunk, idx(chunks));
      Value c16 = arith::RemUIOp::create(b, loc, chunk, idx(chunks));
      Value n = add(n0, r), k = add(k0, mul(c16, idx(16)));
      Value inside = andi(ult(n, N), ult(k, idx(K)));
      Value v;
      if (!packed) {
        v = guardedLoad(inside, rhs, n, k, 16);
      } else {
        v = unpack8(guardedLoad(inside, rhs, n,
                                arith::DivUIOp::create(b, loc, k, idx(2)), 8));
      }
      vector::StoreOp::create(b, loc, v, tileB,
                              ValueRange{coreOffset(b, loc, r, c16, chunks)},
                              false, llvm::MaybeAlign(16));
    }
    // Plain shared-memory stores become visible to the async proxy that
    // wgmma reads through.
    NVVM::FenceProxyOp::create(
        b, loc, NVVM::ProxyKind::async_shared,
        NVVM::SharedSpaceAttr::get(ctx, NVVM::SharedSpace::shared_cta));
    gpu::BarrierOp::create(b, loc);
    NVVM::WgmmaFenceAlignedOp::create(b, loc);
    Value acc = kLoop.getRegionIterArgs()[0];
    for (int64_t s = 0; s < kWgK / 32; ++s)
      acc = NVVM::WgmmaMmaAsyncOp::create(
          b, loc, accT, acc, descriptor(tileA, s * 2 * 128),
          descriptor(tileB, s * 2 * 128),
          NVVM::MMAShapeAttr::get(ctx, 64, int(kWgN), 32),
          NVVM::WGMMATypesAttr::get(ctx, NVVM::WGMMATypes::s8),
          NVVM::WGMMATypesAttr::get(ctx, NVVM::WGMMATypes::s8),
          NVVM::WGMMATypesAttr::get(ctx, NVVM::WGMMATypes::s32),
          NVVM::WGMMAScaleOutAttr::get(ctx, NVVM::WGMMAScaleOut::one),
          NVVM::WGMMAScaleInAttr::get(ctx, NVVM::WGMMAScaleIn::one),
          NVVM::WGMMAScaleInAttr::get(ctx, NVVM::WGMMAScaleIn::one),
          NVVM::MMALayoutAttr::get(ctx, NVVM::MMALayout::row),
          NVVM::MMALayoutAttr::get(ctx, NVVM::MMALayout::col),
          NVVM::MMAIntOverflowAttr::get(ctx, NVVM::MMAIntOverflow::wrapped));
    NVVM::WgmmaGroupSyncAlignedOp::create(b, loc);
    NVVM::WgmmaWaitGroupSyncOp::create(b, loc, b.getI64IntegerAttr(0));
    scf::YieldOp::create(b, loc, acc);
  }

  // Register d[4j + 2h + e] holds row 16 w + g + 8 h, column 8 j + 2 t + e.
  Value warp = arith::DivUIOp::create(b, loc, tid, idx(32));
  Value lane = arith::RemUIOp::create(b, loc, tid, idx(32));
  Value grp = arith::DivUIOp::create(b, loc, lane, idx(4));
  Value tig = arith::RemUIOp::create(b, loc, lane, idx(4));
  Value acc = kLoop.getResult(0);
  for (int64_t h = 0; h < 2; ++h) {
    Value m = add(add(m0, mul(warp, idx(16))), add(grp, idx(8 * h)));
    Value ls = memref::LoadOp::create(
        b, loc, lhsScale,
        ValueRange{spec.lhsScaleBroadcast ? idx(0) : minIdx(m, lastM), idx(0)});
    for (int64_t j = 0; j < kWgN / 8; ++j)
      for (int64_t e = 0; e < 2; ++e) {
        Value n = add(n0, add(idx(8 * j + e), mul(tig, idx(2))));
        Value nc = minIdx(n, lastN);
        Value rs = memref::LoadOp::create(
            b, loc, rhsScale,
            ValueRange{spec.rhsScaleBroadcast ? idx(0) : nc, idx(0)});
        Value ai = LLVM::ExtractValueOp::create(
            b, loc, acc, ArrayRef<int64_t>{4 * j + 2 * h + e});
        Value p = arith::MulFOp::create(
            b, loc, arith::MulFOp::create(b, loc, ls, rs),
            arith::SIToFPOp::create(b, loc, f32, ai));
        Value y = bias ? arith::AddFOp::create(
                             b, loc,
                             memref::LoadOp::create(b, loc, bias, ValueRange{nc}),
                             p)
                             .getResult()
                       : arith::AddFOp::create(b, loc, quantF32Zero(), p).getResult();
        auto st = scf::IfOp::create(b, loc, andi(ult(m, M), ult(n, N)), false);
        OpBuilder::InsertionGuard sg(b);
        b.setInsertionPointToStart(st.thenBlock());
        memref::StoreOp::create(b, loc, y, out, ValueRange{m, n});
      }
  }
}

void QEmitter::emit(Value lhs, Value lhsScale, Value rhs, Value rhsScale,
                    Value bias, Value out, Value M, Value N, Value bx,
                    Value by, Value tid, Value dyn) {
  int64_t K = spec.k, G = spec.groups;
  bool packed = spec.rhsBits == 4;
  int64_t rowA = BK + kPad, rowB = (packed ? BK / 2 : BK) + kPad;
  auto ws = gpu::AddressSpaceAttr::get(b.getContext(),
                                       gpu::AddressSpace::Workgroup);
  Type i8 = b.getI8Type(), i32 = b.getI32Type(), f32 = b.getF32Type();
  auto tileA = memref::ViewOp::create(
      b, loc, MemRefType::get({BM, rowA}, i8, MemRefLayoutAttrInterface{}, ws),
      dyn, idx(0), ValueRange{});
  auto tileB = memref::ViewOp::create(
      b, loc, MemRefType::get({BN, rowB}, i8, MemRefLayoutAttrInterface{}, ws),
      dyn, idx(BM * rowA), ValueRange{});

  Value warp = arith::DivUIOp::create(b, loc, tid, idx(32));
  Value lane = arith::RemUIOp::create(b, loc, tid, idx(32));
  Value grp = arith::DivUIOp::create(b, loc, lane, idx(4));
  Value tig = arith::RemUIOp::create(b, loc, lane, idx(4));
  Value wm = arith::DivUIOp::create(b, loc, warp, idx(4));
  Value wn = arith::RemUIOp::create(b, loc, warp, idx(4));
  Value m0 = mul(by, idx(BM)), n0 = mul(bx, idx(BN));
  Value lastM = arith::SubIOp::create(b, loc, M, idx(1));
  Value lastN = arith::SubIOp::create(b, loc, N, idx(1));

  // Row (within the block tile) of accumulator element (i, h) and column
  // of (j, e).
  auto rowOf = [&](int64_t i, int64_t h) {
    return add(add(mul(wm, idx(kWarpRows)), idx(i * 16 + h * 8)), grp);
  };
  auto colOf = [&](int64_t j, int64_t e) {
    return add(add(mul(wn, idx(kWarpCols)), idx(j * 8 + e)), mul(tig, idx(2)));
  };

  auto accT = VectorType::get({2, 2}, i32);
  auto outT = VectorType::get({2, 2}, f32);
  SmallVector<Value> fout;
  for (int64_t i = 0; i < MT; ++i)
    for (int64_t j = 0; j < NT; ++j) {
      Value v = arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(outT, b.getF32FloatAttr(0)));
      if (bias)
        for (int64_t e = 0; e < 2; ++e) {
          Value n = minIdx(add(n0, colOf(j, e)), lastN);
          Value bv = memref::LoadOp::create(b, loc, bias, ValueRange{n});
          for (int64_t h = 0; h < 2; ++h)
            v = vector::InsertOp::create(b, loc, bv, v, ArrayRef<int64_t>{h, e});
        }
      fout.push_back(v);
    }

  int64_t groupK = K / G;
  int64_t tilesPerGroup = (groupK + BK - 1) / BK;
  auto groupLoop = scf::ForOp::create(b, loc, idx(0), idx(G), idx(1), fout);
  {
    OpBuilder::InsertionGuard gg(b);
    b.setInsertionPointToStart(groupLoop.getBody());
    Value g = groupLoop.getInductionVar();
    SmallVector<Value> acc0(
        MT * NT, arith::ConstantOp::create(
                     b, loc, DenseElementsAttr::get(accT, b.getI32IntegerAttr(0))));
    Value kt0 = mul(g, idx(tilesPerGroup));
    auto kLoop = scf::ForOp::create(b, loc, kt0, add(kt0, idx(tilesPerGroup)),
                                    idx(1), acc0);
    {
      OpBuilder::InsertionGuard kg(b);
      b.setInsertionPointToStart(kLoop.getBody());
      Value k0 = mul(kLoop.getInductionVar(), idx(BK));
      gpu::BarrierOp::create(b, loc);
      // Stage A (BM rows of BK codes) and B (BN rows of BK codes, or BK/2
      // packed bytes) in 16-byte chunks, zero past the matrix.
      int64_t bytesB = packed ? BK / 2 : BK;
      Value kb0 = packed ? arith::DivUIOp::create(b, loc, k0, idx(2)).getResult() : k0;
      stage(lhs, tileA, m0, M, k0, K, BM, BK, tid);
      stage(rhs, tileB, n0, N, kb0, packed ? K / 2 : K, BN, bytesB, tid);
      gpu::BarrierOp::create(b, loc);

      SmallVector<Value> acc(kLoop.getRegionIterArgs());
      auto v4 = VectorType::get({4}, i8);
      for (int64_t kk = 0; kk < BK; kk += 32) {
        Value c0 = add(idx(kk), mul(tig, idx(4)));
        Value c1 = add(c0, idx(16));
        SmallVector<Value> fa, fb;
        for (int64_t i = 0; i < MT; ++i) {
          Value r0 = rowOf(i, 0), r1 = rowOf(i, 1);
          auto ld = [&](Value r, Value c) {
            return vector::LoadOp::create(b, loc, v4, tileA, ValueRange{r, c},
                                          false, llvm::MaybeAlign(4))
                .getResult();
          };
          fa.push_back(stack({ld(r0, c0), ld(r1, c0), ld(r0, c1), ld(r1, c1)},
                             VectorType::get({4, 4}, i8)));
        }
        for (int64_t j = 0; j < NT; ++j) {
          Value n = add(add(mul(wn, idx(kWarpCols)), idx(j * 8)), grp);
          auto reg = [&](Value c) -> Value {
            if (!packed)
              return vector::LoadOp::create(b, loc, v4, tileB, ValueRange{n, c},
                                            false, llvm::MaybeAlign(4));
            Value half = arith::DivUIOp::create(b, loc, c, idx(2));
            Value two = vector::LoadOp::create(
                b, loc, VectorType::get({2}, i8), tileB, ValueRange{n, half},
                false, llvm::MaybeAlign(2));
            return unpackNibbles(two);
          };
          fb.push_back(stack({reg(c0), reg(c1)}, VectorType::get({2, 4}, i8)));
        }
        for (int64_t i = 0; i < MT; ++i)
          for (int64_t j = 0; j < NT; ++j) {
            Value &a = acc[i * NT + j];
            a = nvgpu::MmaSyncOp::create(b, loc, fa[i], fb[j], a,
                                         ArrayRef<int64_t>{16, 8, 32});
          }
      }
      scf::YieldOp::create(b, loc, acc);
    }

    // Fold this group's sums: f += (ls * rs) * float(acc).
    SmallVector<Value> ls, rs;
    for (int64_t i = 0; i < MT; ++i)
      for (int64_t h = 0; h < 2; ++h) {
        Value m = spec.lhsScaleBroadcast ? idx(0) : minIdx(add(m0, rowOf(i, h)), lastM);
        ls.push_back(memref::LoadOp::create(b, loc, lhsScale, ValueRange{m, g}));
      }
    for (int64_t j = 0; j < NT; ++j)
      for (int64_t e = 0; e < 2; ++e) {
        Value n = spec.rhsScaleBroadcast ? idx(0) : minIdx(add(n0, colOf(j, e)), lastN);
        rs.push_back(memref::LoadOp::create(b, loc, rhsScale, ValueRange{n, g}));
      }
    SmallVector<Value> next;
    for (int64_t i = 0; i < MT; ++i)
      for (int64_t j = 0; j < NT; ++j) {
        Value a = kLoop.getResult(i * NT + j);
        Value f = groupLoop.getRegionIterArgs()[i * NT + j];
        for (int64_t h = 0; h < 2; ++h)
          for (int64_t e = 0; e < 2; ++e) {
            Value ai = vector::ExtractOp::create(b, loc, a, ArrayRef<int64_t>{h, e});
            Value af = arith::SIToFPOp::create(b, loc, f32, ai);
            Value s = arith::MulFOp::create(b, loc, ls[i * 2 + h], rs[j * 2 + e]);
            Value p = arith::MulFOp::create(b, loc, s, af);
            Value fo = vector::ExtractOp::create(b, loc, f, ArrayRef<int64_t>{h, e});
            f = vector::InsertOp::create(b, loc, arith::AddFOp::create(b, loc, fo, p),
                                         f, ArrayRef<int64_t>{h, e});
          }
        next.push_back(f);
      }
    scf::YieldOp::create(b, loc, next);
  }

  for (int64_t i = 0; i < MT; ++i)
    for (int64_t j = 0; j < NT; ++j)
      for (int64_t h = 0; h < 2; ++h)
        for (int64_t e = 0; e < 2; ++e) {
          Value m = add(m0, rowOf(i, h)), n = add(n0, colOf(j, e));
          auto st = scf::IfOp::create(b, loc, andi(ult(m, M), ult(n, N)), false);
          OpBuilder::InsertionGuard sg(b);
          b.setInsertionPointToStart(st.thenBlock());
          Value v = vector::ExtractOp::create(
              b, loc, groupLoop.getResult(i * NT + j), ArrayRef<int64_t>{h, e});
          memref::StoreOp::create(b, loc, v, out, ValueRange{m, n});
        }
}

} // namespace

bool qmatmulSupported(const QMatmulSpec &s) {
  if (s.k <= 0 || s.groups <= 0 || s.k % s.groups)
    return false;
  if (s.wgmma)
    return s.groups == 1 && s.k % 16 == 0;
  if (s.k % (s.rhsBits == 4 ? 32 : 16))
    return false;
  return s.groups == 1 || (s.k / s.groups) % BK == 0;
}

DictionaryAttr qmatmulKernelAttr(MLIRContext *ctx, const QMatmulSpec &s) {
  Builder b(ctx);
  SmallVector<NamedAttribute> a = {
      b.getNamedAttr("k", b.getI64IntegerAttr(s.k)),
      b.getNamedAttr("groups", b.getI64IntegerAttr(s.groups)),
      b.getNamedAttr("rhs_bits", b.getI64IntegerAttr(s.rhsBits))};
  if (s.lhsScaleBroadcast)
    a.push_back(b.getNamedAttr("lhs_scale_broadcast", b.getUnitAttr()));
  if (s.rhsScaleBroadcast)
    a.push_back(b.getNamedAttr("rhs_scale_broadcast", b.getUnitAttr()));
  if (s.bias)
    a.push_back(b.getNamedAttr("bias", b.getUnitAttr()));
  if (s.wgmma)
    a.push_back(b.getNamedAttr("wgmma", b.getUnitAttr()));
  return b.getDictionaryAttr(a);
}

FailureOr<QMatmulSpec> qmatmulSpecFrom(DictionaryAttr a) {
  QMatmulSpec s;
  auto k = a.getAs<IntegerAttr>("k");
  auto g = a.getAs<IntegerAttr>("groups");
  auto bits = a.getAs<IntegerAttr>("rhs_bits");
  if (!k || !g || !bits)
    return failure();
  s.k = k.getInt();
  s.groups = g.getInt();
  s.rhsBits = bits.getInt();
  s.lhsScaleBroadcast = bool(a.get("lhs_scale_broadcast"));
  s.rhsScaleBroadcast = bool(a.get("rhs_scale_broadcast"));
  s.bias = bool(a.get("bias"));
  s.wgmma = bool(a.get("wgmma"));
  if (!qmatmulSupported(s))
    return failure();
  return s;
}

void emitQMatmulKernel(OpBuilder &b, Location loc, const QMatmulSpec &spec,
                       Value lhs, Value lhsScale, Value rhs, Value rhsScale,
                       Value bias, Value out) {
  auto cidx = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  Value M = memref::DimOp::create(b, loc, out, 0);
  Value N = memref::DimOp::create(b, loc, out, 1);
  auto ceilDiv = [&](Value v, int64_t d) {
    return arith::CeilDivUIOp::create(b, loc, v, cidx(d)).getResult();
  };
  Value any = arith::AndIOp::create(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, M, cidx(0)),
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, N, cidx(0)));
  auto guard = scf::IfOp::create(b, loc, any, false);
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPointToStart(guard.thenBlock());
  int64_t rowB = (spec.rhsBits == 4 ? BK / 2 : BK) + kPad;
  int64_t tileM = spec.wgmma ? kWgM : 32 * mTiles(spec);
  int64_t tileN = spec.wgmma ? kWgN : BN;
  int64_t threads = spec.wgmma ? kWgThreads : kThreads;
  int64_t smem = spec.wgmma ? (kWgM + kWgN) * kWgK
                            : tileM * (BK + kPad) + BN * rowB;
  Value c1 = cidx(1);
  std::string name = spec.rhsBits == 4 ? "rotq_qmatmul_w4a8" : "rotq_qmatmul_w8a8";
  if (spec.wgmma)
    name += "_wgmma";
  auto launch = gpu::LaunchOp::create(
      b, loc, ceilDiv(N, tileN), ceilDiv(M, tileM), c1, cidx(threads), c1, c1,
      arith::ConstantIntOp::create(b, loc, b.getI32Type(), smem), Type(),
      ValueRange{}, TypeRange{}, TypeRange{}, Value(), Value(), Value(),
      FlatSymbolRefAttr::get(b.getContext(), name),
      FlatSymbolRefAttr::get(b.getContext(), name));
  b.setInsertionPointToStart(&launch.getBody().front());
  auto ws = gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  Value dyn = gpu::DynamicSharedMemoryOp::create(
      b, loc, MemRefType::get({ShapedType::kDynamic}, b.getI8Type(),
                              MemRefLayoutAttrInterface{}, ws));
  QEmitter e{b, loc, spec};
  auto body = spec.wgmma ? &QEmitter::emitWgmma : &QEmitter::emit;
  (e.*body)(lhs, lhsScale, rhs, rhsScale, bias, out, M, N,
            launch.getBlockIds().x, launch.getBlockIds().y,
            launch.getThreadIds().x, dyn);
  gpu::TerminatorOp::create(b, loc);
}

} // namespace mlir::rotq::gpukernels
