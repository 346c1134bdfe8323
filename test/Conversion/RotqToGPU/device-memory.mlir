// RUN: rotq-opt %s --rotq-gpu-device-memory | FileCheck %s

memref.global "private" constant @w : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>

// Host allocations become managed (host_shared) GPU allocations; constants
// are copied into one at first use and freed at the end of the block;
// contiguous copies become gpu.memcpy; a strided copy stays a host copy;
// the kernel body is left alone. Every GPU operation is fenced by waits.
// CHECK-LABEL: func.func @f
// CHECK: %[[A:.*]] = gpu.alloc  host_shared (%{{.*}}) : memref<?xf32>
// CHECK: %[[G:.*]] = memref.get_global @w : memref<4xf32>
// CHECK: %[[W:.*]] = gpu.alloc  host_shared () : memref<4xf32>
// CHECK: %[[T0:.*]] = gpu.wait async
// CHECK: %[[T1:.*]] = gpu.memcpy async [%[[T0]]] %[[W]], %[[G]] : memref<4xf32>, memref<4xf32>
// CHECK: gpu.wait [%[[T1]]]
// CHECK: gpu.launch
// CHECK:   memref.load %[[W]]
// CHECK:   memref.alloca
// CHECK: gpu.memcpy async [%{{.*}}] %{{.*}}, %[[A]] : memref<?xf32>, memref<?xf32>
// CHECK: memref.copy %{{.*}}, %{{.*}} : memref<2xf32, strided<[2]>> to memref<2xf32>
// CHECK: gpu.dealloc async [%{{.*}}] %[[A]] : memref<?xf32>
// CHECK: gpu.dealloc async [%{{.*}}] %[[W]] : memref<4xf32>
// CHECK-NEXT: gpu.wait
// CHECK-NEXT: return
func.func @f(%n: index, %out: memref<?xf32>, %s: memref<2xf32, strided<[2]>>, %d: memref<2xf32>) {
  %c1 = arith.constant 1 : index
  %a = memref.alloc(%n) : memref<?xf32>
  %w = memref.get_global @w : memref<4xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c1, %v = %c1, %t = %c1) {
    %e = memref.load %w[%tx] : memref<4xf32>
    %tmp = memref.alloca() : memref<1xf32>
    memref.store %e, %a[%tx] : memref<?xf32>
    gpu.terminator
  }
  memref.copy %a, %out : memref<?xf32> to memref<?xf32>
  memref.copy %s, %d : memref<2xf32, strided<[2]>> to memref<2xf32>
  memref.dealloc %a : memref<?xf32>
  return
}
