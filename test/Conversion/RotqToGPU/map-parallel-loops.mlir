// RUN: rotq-opt %s --rotq-gpu-map-parallel-loops="block-size=128" -split-input-file | FileCheck %s
// RUN: rotq-opt %s --rotq-gpu-map-parallel-loops="block-size=128" --convert-parallel-loops-to-gpu -split-input-file | FileCheck %s --check-prefix=GPU
// RUN: not rotq-opt %s --rotq-gpu-map-parallel-loops="block-size=2048" -split-input-file 2>&1 | FileCheck %s --check-prefix=ERR

// A 2-D loop is collapsed to one dimension of 7 * %n iterations, tiled by
// 128: tiles on block x, elements on thread x with a bounds check; the
// nested loop becomes an scf.for in each thread.
// CHECK-LABEL: func.func @two_d
// CHECK: %[[TOTAL:.*]] = arith.muli %arg2, %c7
// CHECK: scf.parallel (%[[T:.*]]) = (%{{.*}}) to (%[[TOTAL]]) step (%c128{{.*}}) {
// CHECK:   scf.parallel (%[[E:.*]]) = (%{{.*}}) to (%c128{{.*}}) step (%{{.*}}) {
// CHECK:     %[[I:.*]] = arith.addi %[[E]], %[[T]]
// CHECK:     arith.cmpi ult, %{{.*}}, %[[TOTAL]]
// CHECK:     scf.if
// CHECK:       arith.remsi %[[I]], %arg2
// CHECK:       arith.divsi %[[I]], %arg2
// CHECK:       scf.for
// CHECK:   } {mapping = [#gpu.loop_dim_map<processor = thread_x, map = (d0) -> (d0), bound = (d0) -> (d0)>]}
// CHECK: } {mapping = [#gpu.loop_dim_map<processor = block_x, map = (d0) -> (d0), bound = (d0) -> (d0)>]}
// GPU-LABEL: func.func @two_d
// GPU: %[[BLOCKS:.*]] = affine.apply #{{.*}}(%{{.*}})[%{{.*}}, %c128]
// GPU: %[[THREADS:.*]] = affine.apply #{{.*}}(%c128)
// GPU: gpu.launch blocks(%{{.*}}) in (%{{.*}} = %[[BLOCKS]], %{{.*}} = %c1{{.*}}, %{{.*}} = %c1{{.*}}) threads(%{{.*}}) in (%{{.*}} = %[[THREADS]], %{{.*}} = %c1{{.*}}, %{{.*}} = %c1{{.*}})
// GPU-NOT: scf.parallel
// ERR: block-size must be in [1, 1024], got 2048
func.func @two_d(%a: memref<7x?xf32>, %b: memref<7x?x4xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c7 = arith.constant 7 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c7, %n) step (%c1, %c1) {
    %v = memref.load %a[%i, %j] : memref<7x?xf32>
    scf.parallel (%k) = (%c0) to (%c4) step (%c1) {
      memref.store %v, %b[%i, %j, %k] : memref<7x?x4xf32>
      scf.reduce
    }
    scf.reduce
  }
  return
}

// -----

// Loops with reductions stay on the host.
// CHECK-LABEL: func.func @reduction
// CHECK: scf.parallel
// CHECK-NOT: mapping
// GPU-LABEL: func.func @reduction
// GPU-NOT: gpu.launch
func.func @reduction(%a: memref<64xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %z = arith.constant 0.0 : f32
  %r = scf.parallel (%i) = (%c0) to (%c64) step (%c1) init (%z) -> f32 {
    %v = memref.load %a[%i] : memref<64xf32>
    scf.reduce(%v : f32) {
    ^bb0(%x: f32, %y: f32):
      %s = arith.addf %x, %y : f32
      scf.reduce.return %s : f32
    }
  }
  return %r : f32
}
