// rotq-materialize evaluates weight chains on parameters (bf16, f16 and f32
// tensors of a safetensors file): norm scales, signed and block Hadamards on
// either side of a weight, a dense f64 rotation, a permutation and a
// head-axis Hadamard, and the RTN quantizer with the clip search (packed
// 4-bit) and asymmetric 3-bit groups. Both routes, loading the parameters
// in rotq-run and the checkpoint rotq-materialize writes, give the NumPy
// float64 reference of test/Inputs/materialize_ref.py exactly.
// REQUIRES: numpy
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %inputs/materialize_ref.py %t/m
// RUN: rotq-run %t/m/chains.mlir -e f --output %t/a0.npy --output %t/a1.npy --output %t/a2.npy --output %t/a3.npy --output %t/a4.npy --output %t/a5.npy
// RUN: for i in 0 1 2 3 4 5; do %python %inputs/compare.py %t/a$i.npy %t/m/ref$i.npy 0; done
// RUN: cp %t/m/w.safetensors %t/w.before
// RUN: rotq-materialize %t/m/chains.mlir -o %t/out --quiet
// RUN: cmp %t/m/w.safetensors %t/w.before
// RUN: rotq-run %t/out/model.mlir -e f --output %t/b0.npy --output %t/b1.npy --output %t/b2.npy --output %t/b3.npy --output %t/b4.npy --output %t/b5.npy
// RUN: for i in 0 1 2 3 4 5; do %python %inputs/compare.py %t/b$i.npy %t/m/ref$i.npy 0; done
// RUN: FileCheck %s --input-file=%t/out/model.mlir
// RUN: %python %inputs/st_dump.py %t/out/model.safetensors | FileCheck %s --check-prefix=STORED
// The module moves with its checkpoint (relative file names).
// RUN: mv %t/out %t/moved && rotq-run %t/moved/model.mlir -e f --output %t/c0.npy --output %t/c1.npy --output %t/c2.npy --output %t/c3.npy --output %t/c4.npy --output %t/c5.npy
// RUN: %python %inputs/compare.py %t/c4.npy %t/m/ref4.npy 0
//
// Only run-time views remain: the packed codes are unpacked and dequantized.
// CHECK-NOT: rotq.hadamard
// CHECK-NOT: rotq.quantize
// CHECK-DAG: rotq.param "w" in "model.safetensors" : tensor<8x8xf32>
// CHECK-DAG: %[[P:.*]] = rotq.param "q.qweight" in "model.safetensors" : tensor<5x8xi8>
// CHECK-DAG: %[[S:.*]] = rotq.param "q.scales" in "model.safetensors" : tensor<5x1xf32>
// CHECK-DAG: %[[U:.*]] = rotq.unpack %[[P]] {bits = 4 : i64}
// CHECK-DAG: rotq.dequantize %[[U]] scale(%[[S]] : tensor<5x1xf32>)
// CHECK-DAG: rotq.param "q.zeros" in "model.safetensors" : tensor<5x4xi8>
// STORED-DAG: q.qweight I8 [5, 8]:
// STORED-DAG: q.scales F32 [5, 1]:
// STORED-DAG: q.qweight.1 I8 [5, 16]:
// STORED-DAG: q.zeros I8 [5, 4]:
//
// Bad parameters are errors naming the op and the file, before anything is
// written.
// RUN: sed 's/"v" in "w.safetensors"/"nope" in "w.safetensors"/' %t/m/chains.mlir > %t/m/missing.mlir
// RUN: not rotq-materialize %t/m/missing.mlir -o %t/o1 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: error: {{.*}}rotq.param: {{.*}}w.safetensors has no tensor 'nope'
// RUN: not rotq-run %t/m/missing.mlir -e f 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: sed 's/tensor<8x8xf16>/tensor<8x8xbf16>/g' %t/m/chains.mlir > %t/m/dtype.mlir
// RUN: not rotq-materialize %t/m/dtype.mlir -o %t/o2 2>&1 | FileCheck %s --check-prefix=DTYPE
// DTYPE: error: {{.*}}tensor 'v' is F16 [8x8], the IR declares BF16
// RUN: sed 's/in "w.safetensors"/in "absent.safetensors"/' %t/m/chains.mlir > %t/m/nofile.mlir
// RUN: not rotq-materialize %t/m/nofile.mlir -o %t/o3 2>&1 | FileCheck %s --check-prefix=NOFILE
// NOFILE: error: {{.*}}absent.safetensors
// RUN: not ls %t/o1/model.safetensors %t/o2/model.safetensors %t/o3/model.safetensors
//
// Its own inputs are never overwritten: not the module, not a checkpoint
// file it reads.
// RUN: cp %t/m/chains.mlir %t/m/model.mlir
// RUN: not rotq-materialize %t/m/model.mlir -o %t/m 2>&1 | FileCheck %s --check-prefix=SELF
// SELF: error: {{.*}}refusing to overwrite the input
// RUN: sed 's/"w.safetensors"/"model.safetensors"/' %t/m/chains.mlir > %t/m/reads-model.mlir
// RUN: cp %t/m/w.safetensors %t/m/model.safetensors && cp %t/m/model.safetensors %t/model.before
// RUN: not rotq-materialize %t/m/reads-model.mlir -o %t/m 2>&1 | FileCheck %s --check-prefix=SELF
// RUN: cmp %t/m/model.safetensors %t/model.before
//
// --inline writes one module with the weights as constants.
// RUN: rotq-materialize %t/m/chains.mlir --inline -o %t/inline.mlir --quiet
// RUN: rotq-run %t/inline.mlir -e f --output %t/d0.npy --output %t/d1.npy --output %t/d2.npy --output %t/d3.npy --output %t/d4.npy --output %t/d5.npy
// RUN: %python %inputs/compare.py %t/d0.npy %t/m/ref0.npy 0
// RUN: FileCheck %s --check-prefix=INLINE --input-file=%t/inline.mlir
// INLINE-NOT: rotq.param
// INLINE: dense_resource
//
// The lowering pipelines load the parameters first, from beside the module
// file whatever the working directory.
// RUN: cd / && rotq-opt %t/m/chains.mlir --rotq-lower-to-llvm -o %t/llvm.mlir
// RUN: FileCheck %s --check-prefix=LLVM --input-file=%t/llvm.mlir
// LLVM-NOT: rotq.
// LLVM: llvm.func @f
// RUN: cd / && rotq-opt %t/m/chains.mlir --rotq-lower-to-nvvm="chip=sm_90a format=isa" -o %t/nvvm.mlir
// RUN: cd / && not rotq-opt %t/m/missing.mlir --rotq-lower-to-llvm 2>&1 | FileCheck %s --check-prefix=MISSING
