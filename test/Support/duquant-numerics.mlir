// DuQuant's numerics (rotq/Support/DuQuant.h) against an independent NumPy
// float64 implementation (Inputs/duquant_ref.py).
// REQUIRES: numpy

// Block sizes, hand-worked: 128 when it divides; the whole when smaller;
// else the largest power of two in [32, 128] that divides (576 = 9 * 64,
// 1216 = 19 * 64, 448 = 7 * 64); else the largest divisor in [16, 128]
// (1000 = 8 * 125; 688 = 43 * 16 = 8 * 86); else none (1018 = 2 * 509).
// RUN: rotq-test-duquant block-size 4096 128 | FileCheck %s --check-prefix=B4096
// B4096: {{^}}128{{$}}
// RUN: rotq-test-duquant block-size 576 128 | FileCheck %s --check-prefix=B576
// B576: {{^}}64  # block 64: 128 does not divide 576; the largest power of two below it that does
// RUN: rotq-test-duquant block-size 1216 128 | FileCheck %s --check-prefix=B1216
// B1216: {{^}}64  #
// RUN: rotq-test-duquant block-size 448 128 | FileCheck %s --check-prefix=B448
// B448: {{^}}64  #
// RUN: rotq-test-duquant block-size 96 128 | FileCheck %s --check-prefix=B96
// B96: {{^}}96  # block 96 (the whole of 96 channels, fewer than 128)
// RUN: rotq-test-duquant block-size 1000 128 | FileCheck %s --check-prefix=B1000
// B1000: {{^}}125  # block 125: 128 does not divide 1000; the largest divisor below it
// RUN: rotq-test-duquant block-size 688 128 | FileCheck %s --check-prefix=B688
// B688: {{^}}86  # block 86: 128 does not divide 688; the largest divisor below it
// RUN: rotq-test-duquant block-size 1018 128 | FileCheck %s --check-prefix=B1018
// B1018: {{^}}0  # no block size in [16, 128] divides 1018

// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %inputs/duquant_ref.py data %t
// RUN: rotq-test-duquant smooth %t/act.npy %t/w.npy 0.6 %t/smooth.npy
// RUN: %python %inputs/duquant_ref.py smooth %t 0.6 | FileCheck %s --check-prefix=SMOOTH
// SMOOTH: smooth ok

// RUN: rotq-test-duquant base 64 1 %t/base_1.npy
// RUN: rotq-test-duquant base 64 1 %t/base_1b.npy
// RUN: rotq-test-duquant base 64 2 %t/base_2.npy
// RUN: %python %inputs/duquant_ref.py base 64 %t | FileCheck %s --check-prefix=BASE
// BASE: base ok

// The greedy rotation over 48 tokens x 4 blocks of 64; the prefix kept must
// be the argmin of the peaks both sides record.
// RUN: rotq-test-duquant greedy %t/x.npy 64 3 40 %t > %t/greedy.txt
// RUN: %python %inputs/duquant_ref.py greedy %t 40 $(sed -n 's/^kept //p' %t/greedy.txt) | FileCheck %s --check-prefix=GREEDY
// GREEDY: greedy ok

// The zigzag permutation of the channel maxima after the rotation, as
// rotq-duquant-calibrate uses it: the between-block variance falls.
// RUN: %python %inputs/duquant_ref.py rotated-max %t 64
// RUN: rotq-test-duquant zigzag %t/rotmax.npy 64 %t/perm_rotmax.npy | FileCheck %s --check-prefix=ZZ
// ZZ: variance {{.*}} -> {{.*}}
// RUN: %python %inputs/duquant_ref.py zigzag %t 64 rotmax | FileCheck %s --check-prefix=ZZREF
// RUN: rotq-test-duquant zigzag %t/max.npy 64 %t/perm_max.npy
// RUN: %python %inputs/duquant_ref.py zigzag %t 64 max | FileCheck %s --check-prefix=ZZREF
// ZZREF: zigzag ok
// RUN: rotq-test-duquant zigzag %t/ties.npy 2 %t/perm_ties.npy
// RUN: %python %inputs/duquant_ref.py zigzag %t 2 ties | FileCheck %s --check-prefix=ZZREF
