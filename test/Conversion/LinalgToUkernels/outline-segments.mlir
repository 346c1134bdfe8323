// RUN: rotq-opt %s --split-input-file --rotq-outline-segments="max-ops=3" | FileCheck %s
// RUN: rotq-opt %s --split-input-file --rotq-outline-segments="max-ops=0" | FileCheck %s --check-prefix=OFF
// RUN: not rotq-opt %s --split-input-file --rotq-outline-segments="max-ops=-1" 2>&1 | FileCheck %s --check-prefix=NEG

// Eight operations in segments of three: two outlined functions, the tail
// stays. Each segment takes what it reads from before and returns what is
// read after it; the constant is cloned, not passed.
// CHECK-LABEL: func.func private @chain_part0
// CHECK-SAME: (%[[X:.*]]: f32) -> (f32, f32)
// CHECK-SAME: passthrough = ["noinline"]
// CHECK: %[[C:.*]] = arith.constant 2.0
// CHECK: %[[A:.*]] = arith.mulf %[[X]], %[[C]]
// CHECK: %[[B:.*]] = arith.addf %[[A]], %[[X]]
// CHECK: %[[D:.*]] = arith.mulf %[[B]], %[[B]]
// CHECK: return %[[B]], %[[D]]
// CHECK-LABEL: func.func private @chain_part1
// CHECK-SAME: (%[[D1:.*]]: f32, %[[B1:.*]]: f32) -> f32
// CHECK: %[[C1:.*]] = arith.constant 2.0
// CHECK: %[[E:.*]] = arith.addf %[[D1]], %[[C1]]
// CHECK: %[[F:.*]] = arith.mulf %[[E]], %[[B1]]
// CHECK: %[[G:.*]] = arith.subf %[[F]], %[[D1]]
// CHECK: return %[[G]]
// CHECK-LABEL: func.func @chain
// CHECK-SAME: (%[[X0:.*]]: f32)
// CHECK-NOT: arith.constant
// CHECK: %[[R:.*]]:2 = call @chain_part0(%[[X0]])
// CHECK: %[[G0:.*]] = call @chain_part1(%[[R]]#1, %[[R]]#0)
// CHECK: %[[H:.*]] = arith.addf %[[G0]], %[[R]]#0
// CHECK: %[[I:.*]] = arith.mulf %[[H]], %[[H]]
// CHECK: return %[[I]]
// OFF-LABEL: func.func @chain
// OFF-NOT: call
// OFF: return
// NEG: max-ops must be >= 0
func.func @chain(%x: f32) -> f32 {
  %c = arith.constant 2.0 : f32
  %a = arith.mulf %x, %c : f32
  %b = arith.addf %a, %x : f32
  %d = arith.mulf %b, %b : f32
  %e = arith.addf %d, %c : f32
  %f = arith.mulf %e, %b : f32
  %g = arith.subf %f, %d : f32
  %h = arith.addf %g, %b : f32
  %i = arith.mulf %h, %h : f32
  return %i : f32
}

// -----

// A stack buffer never leaves its segment: the cut moves past its last
// reader. A value read only inside a loop's body is still an argument.
// CHECK-LABEL: func.func private @stack_part0
// CHECK-SAME: (%[[V:.*]]: f32, %[[M:.*]]: memref<4xf32>)
// CHECK-NOT: return %
// CHECK: %[[S:.*]] = memref.alloca
// CHECK: scf.for
// CHECK: memref.store %[[V]], %[[S]]
// CHECK: memref.subview %[[S]]
// CHECK: memref.subview %[[M]]
// CHECK: memref.copy
// CHECK-NEXT: return{{$}}
// CHECK-LABEL: func.func private @stack_part1
// CHECK: memref.load
// CHECK-LABEL: func.func @stack
// CHECK-SAME: (%[[M0:.*]]: memref<4xf32>, %[[V0:.*]]: f32)
// CHECK: call @stack_part0(%[[V0]], %[[M0]])
// CHECK: call @stack_part1(%[[M0]], %[[V0]])
func.func @stack(%m: memref<4xf32>, %v: f32) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %s = memref.alloca() : memref<4xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    memref.store %v, %s[%i] : memref<4xf32>
  }
  %w = memref.subview %s[0] [2] [1] : memref<4xf32> to memref<2xf32, strided<[1]>>
  %t = memref.subview %m[0] [2] [1] : memref<4xf32> to memref<2xf32, strided<[1]>>
  memref.copy %w, %t : memref<2xf32, strided<[1]>> to memref<2xf32, strided<[1]>>
  %l = memref.load %m[%c1] : memref<4xf32>
  %p = arith.addf %l, %v : f32
  %q = arith.mulf %p, %p : f32
  %r = arith.addf %q, %l : f32
  return %r : f32
}

// -----

// Several blocks: left whole.
// CHECK-LABEL: func.func @blocks
// CHECK-NOT: call
// CHECK: cf.br
func.func @blocks(%x: f32) -> f32 {
  %a = arith.mulf %x, %x : f32
  %b = arith.addf %a, %x : f32
  %d = arith.mulf %b, %b : f32
  %e = arith.addf %d, %a : f32
  cf.br ^bb1(%e : f32)
^bb1(%y: f32):
  %f = arith.mulf %y, %b : f32
  %g = arith.subf %f, %d : f32
  %h = arith.addf %g, %b : f32
  return %h : f32
}
