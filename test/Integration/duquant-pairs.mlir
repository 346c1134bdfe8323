// Each online DuQuant transform is half of a pair: replacing any one of
// them by an identity in the transformed model breaks equivalence, while
// the model itself is exact (the first rotation, the permutation and the
// second rotation of layer 0's q/k/v input; the Q/K Hadamard).
// REQUIRES: numpy
// RUN: rm -rf %t && mkdir -p %t
// RUN: rotq-import --synthesize %inputs/models/llama-mha.json --seed 5 -o %t/ck
// RUN: rotq-import %t/ck -o %t/model.mlir
// RUN: rotq-opt %t/model.mlir --rotq-duquant="block-size=16 seed=2" -o %t/dq.mlir
// RUN: rotq-run --compare %t/model.mlir %t/dq.mlir -e forward --random-inputs --random-int-max 256 --dynamic-size 11 --rel-tol 1e-4
// RUN: %python %inputs/drop_online.py %t/dq.mlir %t/no-r1.mlir --op rotate --index 0
// RUN: not rotq-run --compare %t/model.mlir %t/no-r1.mlir -e forward --random-inputs --random-int-max 256 --dynamic-size 11 --rel-tol 1e-3 2>&1 | FileCheck %s
// RUN: %python %inputs/drop_online.py %t/dq.mlir %t/no-p.mlir --op permute --index 0
// RUN: not rotq-run --compare %t/model.mlir %t/no-p.mlir -e forward --random-inputs --random-int-max 256 --dynamic-size 11 --rel-tol 1e-3 2>&1 | FileCheck %s
// RUN: %python %inputs/drop_online.py %t/dq.mlir %t/no-r2.mlir --op rotate --index 1
// RUN: not rotq-run --compare %t/model.mlir %t/no-r2.mlir -e forward --random-inputs --random-int-max 256 --dynamic-size 11 --rel-tol 1e-3 2>&1 | FileCheck %s
// RUN: %python %inputs/drop_online.py %t/dq.mlir %t/no-qk.mlir --op hadamard --index 0
// RUN: not rotq-run --compare %t/model.mlir %t/no-qk.mlir -e forward --random-inputs --random-int-max 256 --dynamic-size 11 --rel-tol 1e-3 2>&1 | FileCheck %s
// CHECK: error: rel_err exceeds --rel-tol 0.001000
