// RUN: rotq-opt %s --split-input-file --rotq-deallocate-early | FileCheck %s

// Each buffer is freed right after its last reader, a view's readers
// included (the subview of %a is read by the copy into %b).
// CHECK-LABEL: func.func @early
// CHECK: %[[A:.*]] = memref.alloc
// CHECK: %[[B:.*]] = memref.alloc
// CHECK: memref.store {{.*}}, %[[A]]
// CHECK: %[[V:.*]] = memref.subview %[[A]]
// CHECK: memref.copy %[[V]], %[[B]]
// CHECK-NEXT: memref.dealloc %[[A]]
// CHECK: scf.for
// CHECK: memref.load %[[B]]
// CHECK: }
// CHECK-NEXT: memref.dealloc %[[B]]
// CHECK: arith.addf
// CHECK: return
func.func @early(%x: f32, %out: memref<f32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %a = memref.alloc() : memref<8xf32>
  %b = memref.alloc() : memref<4xf32>
  memref.store %x, %a[%c0] : memref<8xf32>
  %v = memref.subview %a[0] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1]>>
  memref.copy %v, %b : memref<4xf32, strided<[1]>> to memref<4xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    %l = memref.load %b[%i] : memref<4xf32>
    memref.store %l, %out[] : memref<f32>
  }
  %s = arith.addf %x, %x : f32
  memref.store %s, %out[] : memref<f32>
  memref.dealloc %a : memref<8xf32>
  memref.dealloc %b : memref<4xf32>
  return
}

// -----

// A buffer whose view is returned, and one a function argument, stay put;
// a view made by an op the pass does not know counts as an alias.
// CHECK-LABEL: func.func @kept
// CHECK: %[[A:.*]] = memref.alloc
// CHECK: %[[C:.*]] = memref.alloc
// CHECK: %[[T:.*]] = memref.transpose %[[C]]
// CHECK: memref.store {{.*}}, %[[T]]
// CHECK-NEXT: memref.dealloc %[[C]]
// CHECK: arith.mulf
// CHECK: memref.dealloc %[[ARG:.*]] :
// CHECK: return %[[A]]
func.func @kept(%x: f32, %arg: memref<4xf32>) -> memref<4xf32> {
  %c0 = arith.constant 0 : index
  %a = memref.alloc() : memref<4xf32>
  %c = memref.alloc() : memref<2x2xf32>
  memref.store %x, %a[%c0] : memref<4xf32>
  %t = memref.transpose %c (i, j) -> (j, i) : memref<2x2xf32> to memref<2x2xf32, strided<[1, 2]>>
  memref.store %x, %t[%c0, %c0] : memref<2x2xf32, strided<[1, 2]>>
  %y = arith.mulf %x, %x : f32
  memref.store %y, %arg[%c0] : memref<4xf32>
  memref.dealloc %c : memref<2x2xf32>
  memref.dealloc %arg : memref<4xf32>
  return %a : memref<4xf32>
}

// -----

// An address taken from the buffer keeps it alive until its last reader.
// CHECK-LABEL: func.func @address
// CHECK: %[[A:.*]] = memref.alloc
// CHECK: %[[P:.*]] = memref.extract_aligned_pointer_as_index %[[A]]
// CHECK: arith.addi %[[P]]
// CHECK-NEXT: memref.dealloc %[[A]]
// CHECK: return
func.func @address(%x: f32) -> index {
  %c0 = arith.constant 0 : index
  %a = memref.alloc() : memref<4xf32>
  memref.store %x, %a[%c0] : memref<4xf32>
  %p = memref.extract_aligned_pointer_as_index %a : memref<4xf32> -> index
  %y = arith.mulf %x, %x : f32
  %q = arith.addi %p, %c0 : index
  memref.dealloc %a : memref<4xf32>
  return %q : index
}
