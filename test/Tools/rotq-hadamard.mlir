// rotq-hadamard prints factorizations and rejects bad orders.
// RUN: rotq-hadamard 5120 | FileCheck %s
// CHECK: 5120 = 20 (Paley I, q=19) x 2^8
// CHECK-NEXT: online cost: 28 multiply-adds per element
// CHECK-NEXT: symmetric: no
// RUN: rotq-hadamard 156 | FileCheck %s --check-prefix=GS
// GS: 156 = 156 (Goethals-Seidel, 4*39)
// RUN: not rotq-hadamard 0 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not rotq-hadamard 12x 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: order must be an integer in [1, 16777216]
// RUN: not rotq-hadamard 8 --emit /nonexistent/dir/H.npy 2>&1 | FileCheck %s --check-prefix=NOWRITE
// NOWRITE: /nonexistent/dir/H.npy: cannot write: no directory /nonexistent/dir
// Sizes are refused before anything is allocated: a prime order needs one
// dense DCT factor of that order; --emit beyond 64 GiB.
// RUN: not rotq-hadamard 65537 2>&1 | FileCheck %s --check-prefix=PRIME
// PRIME: error: order 65537 needs a dense DCT-II(65537) factor of order 65537, larger than the 4096 rotq builds
// RUN: not rotq-hadamard 16777216 --emit %t.npy 2>&1 | FileCheck %s --check-prefix=EMIT
// EMIT: error: --emit: a 16777216 x 16777216 float64 matrix is 2097152 GiB, more than the 64 GiB rotq writes
