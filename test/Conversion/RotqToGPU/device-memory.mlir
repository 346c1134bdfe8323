// RUN: rotq-opt %s --rotq-gpu-device-memory -split-input-file | FileCheck %s
// RUN: rotq-opt %s --rotq-gpu-device-memory="memory=managed" -split-input-file | FileCheck %s --check-prefix=MANAGED
// RUN: not rotq-opt %s --rotq-gpu-device-memory="memory=pinned" -split-input-file 2>&1 | FileCheck %s --check-prefix=ERR

memref.global "private" constant @w : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>

// Only kernels touch the data: plain device memory. Constants are copied
// in where they are read and freed at the end of the block; contiguous
// copies become gpu.memcpy, a strided one a linalg.copy (a kernel later);
// the kernel body is left alone. Every GPU operation is fenced by waits.
// CHECK-LABEL: func.func @f
// CHECK: %[[A:.*]], %{{.*}} = gpu.alloc async [%{{.*}}] (%{{.*}}) : memref<?xf32>
// CHECK: %[[G:.*]] = memref.get_global @w : memref<4xf32>
// CHECK: %[[W:.*]], %{{.*}} = gpu.alloc async [%{{.*}}] () : memref<4xf32>
// CHECK: %[[T0:.*]] = gpu.wait async
// CHECK: %[[T1:.*]] = gpu.memcpy async [%[[T0]]] %[[W]], %[[G]] : memref<4xf32>, memref<4xf32>
// CHECK: gpu.wait [%[[T1]]]
// CHECK: gpu.launch
// CHECK:   memref.load %[[W]]
// CHECK:   memref.alloca
// CHECK: gpu.memcpy async [%{{.*}}] %{{.*}}, %[[A]] : memref<?xf32>, memref<?xf32>
// CHECK: linalg.copy ins(%{{.*}} : memref<2xf32, strided<[2]>>) outs(%{{.*}} : memref<2xf32>)
// CHECK: gpu.dealloc async [%{{.*}}] %[[A]] : memref<?xf32>
// CHECK: gpu.dealloc async [%{{.*}}] %[[W]] : memref<4xf32>
// CHECK-NEXT: gpu.wait
// CHECK-NEXT: return
// MANAGED-LABEL: func.func @f
// MANAGED: gpu.alloc  host_shared (%{{.*}}) : memref<?xf32>
// MANAGED: gpu.alloc  host_shared () : memref<4xf32>
// ERR: rotq-gpu-device-memory: memory must be auto, device or managed, got 'pinned'
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

// -----

// Host code reads a buffer (a full reduction becomes a host loop): auto
// picks managed memory, which both sides can address.
// CHECK-LABEL: func.func @host_reads
// CHECK: gpu.alloc  host_shared () : memref<16xf32>
func.func @host_reads(%x: memref<16xf32>) -> f32 {
  %a = memref.alloc() : memref<16xf32>
  %r = memref.alloc() : memref<f32>
  memref.copy %x, %a : memref<16xf32> to memref<16xf32>
  linalg.reduce ins(%a : memref<16xf32>) outs(%r : memref<f32>) dimensions = [0]
    (%in: f32, %acc: f32) {
      %s = arith.addf %in, %acc : f32
      linalg.yield %s : f32
    }
  %v = memref.load %r[] : memref<f32>
  memref.dealloc %a : memref<16xf32>
  memref.dealloc %r : memref<f32>
  return %v : f32
}
