//===- CpuUkernels.h - CPU microkernels that lowered code calls -*- C++ -*-===//
//
// The contractions of a lowered model (rotq.linear, calibration, eval) call
// these instead of running as scalar loops: packed, register-blocked,
// vectorized (one build per ISA level, picked at load time) and spread over
// a pool of threads. The `rotq-linalg-to-ukernels` pass emits the calls;
// the arguments are MLIR's expanded memref descriptors (allocated pointer,
// aligned pointer, offset, sizes, strides), so any strided layout works.
//
// Threads: ROTQ_NUM_THREADS if set, else the hardware's. A call made while
// another thread is inside a ukernel runs on the caller's thread alone.
//
//===----------------------------------------------------------------------===//
#ifndef ROTQ_RUNTIME_CPUUKERNELS_H
#define ROTQ_RUNTIME_CPUUKERNELS_H

#include <cstdint>

extern "C" {
/// C[i][j] += sum_k A[i][k] * B[j][k] for A: M x K, B: N x K, C: M x N
/// (linalg.matmul with B transposed; a plain matmul passes B's view with
/// its strides swapped).
void rotq_ukernel_matmul_tb_f32(float *aAlloc, float *a, int64_t aOff,
                                int64_t m, int64_t k, int64_t aS0, int64_t aS1,
                                float *bAlloc, float *b, int64_t bOff,
                                int64_t n, int64_t bk, int64_t bS0,
                                int64_t bS1, float *cAlloc, float *c,
                                int64_t cOff, int64_t cm, int64_t cn,
                                int64_t cS0, int64_t cS1);

/// The same for i8 x i8 -> i32 (sign-extended operands, wrapping i32 sums
/// as linalg's integer matmul defines them).
void rotq_ukernel_matmul_tb_i8i8i32(int8_t *aAlloc, int8_t *a, int64_t aOff,
                                    int64_t m, int64_t k, int64_t aS0,
                                    int64_t aS1, int8_t *bAlloc, int8_t *b,
                                    int64_t bOff, int64_t n, int64_t bk,
                                    int64_t bS0, int64_t bS1, int32_t *cAlloc,
                                    int32_t *c, int64_t cOff, int64_t cm,
                                    int64_t cn, int64_t cS0, int64_t cS1);

/// rotq.attention in f32 (its op documentation has the semantics): per
/// query row, the maximum of the scaled allowed scores, exp(scale * score -
/// max) over the allowed keys, their sum l, then sum_t e_t * value_t / l,
/// with the linalg lowering's mask. Results agree with that lowering to
/// rounding (dot products summed in vector lanes, fused multiply-adds);
/// masked keys are skipped rather than multiplied by 0, so a NaN in a
/// masked value row does not reach the output. q: S x H x D, k: T x KV x D,
/// v: T x KV x E, out: S x H x E; `window` 0 means none.
void rotq_ukernel_attention_f32(
    float *qAlloc, float *q, int64_t qOff, int64_t s, int64_t h, int64_t d,
    int64_t qS0, int64_t qS1, int64_t qS2, float *kAlloc, float *k,
    int64_t kOff, int64_t t, int64_t kv, int64_t kd, int64_t kS0, int64_t kS1,
    int64_t kS2, float *vAlloc, float *v, int64_t vOff, int64_t vt,
    int64_t vkv, int64_t e, int64_t vS0, int64_t vS1, int64_t vS2,
    float *oAlloc, float *o, int64_t oOff, int64_t os, int64_t oh, int64_t oe,
    int64_t oS0, int64_t oS1, int64_t oS2, float scale, int64_t causal,
    int64_t window);

/// Threads the ukernels use (for reports).
int rotq_ukernel_num_threads();
}

#endif // ROTQ_RUNTIME_CPUUKERNELS_H
