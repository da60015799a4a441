// RUN: terra-opt %s -split-input-file -verify-diagnostics -terra-move-host-accesses-to-gpu | FileCheck %s

// A sequential loop that reads and writes buffers (a scatter-add) runs on
// one GPU thread; the constants only it uses move in with it.
// CHECK-LABEL: func.func @sequential_loop
// CHECK: %[[ONE:.*]] = arith.constant 1 : index
// CHECK: gpu.launch blocks(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %[[ONE]], %{{.*}} = %[[ONE]], %{{.*}} = %[[ONE]]) threads(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %[[ONE]], %{{.*}} = %[[ONE]], %{{.*}} = %[[ONE]])
// CHECK: scf.for
// CHECK: memref.store
// CHECK: gpu.terminator
func.func @sequential_loop(%ids: memref<6xindex>, %g: memref<6xf32>, %table: memref<32xf32>) {
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %c6 = arith.constant 6 : index
  scf.for %i = %c0 to %c6 step %c2 {
    %row = memref.load %ids[%i] : memref<6xindex>
    %v = memref.load %g[%i] : memref<6xf32>
    %t = memref.load %table[%row] : memref<32xf32>
    %s = arith.addf %t, %v : f32
    memref.store %s, %table[%row] : memref<32xf32>
  }
  return
}

// -----

// A scalar only kernels use (a seed) is read by the kernels themselves.
// CHECK-LABEL: func.func @scalar_for_kernels
// CHECK-NOT: memref.load
// CHECK: gpu.launch
// CHECK-NEXT: %[[SEED:.*]] = memref.load %{{.*}}[] : memref<i64>
// CHECK: memref.store %[[SEED]]
func.func @scalar_for_kernels(%seed: memref<i64>, %out: memref<4xi64>) {
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %s = memref.load %seed[] : memref<i64>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c4, %sy = %c1, %sz = %c1) {
    memref.store %s, %out[%tx] : memref<4xi64>
    gpu.terminator
  }
  return
}

// -----

// Arithmetic on loaded scalars (a 0-d step counter) follows the store that
// ends it into the kernel.
// CHECK-LABEL: func.func @scalar_chain
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1 : index
// CHECK-NEXT: gpu.launch
// CHECK-DAG: memref.load %{{.*}}[] : memref<i64>
// CHECK-DAG: arith.addi
// CHECK: memref.store
// CHECK: gpu.terminator
// CHECK: return
func.func @scalar_chain(%step: memref<i64>, %next: memref<i64>) {
  %c1 = arith.constant 1 : i64
  %s = memref.load %step[] : memref<i64>
  %n = arith.addi %s, %c1 : i64
  memref.store %n, %next[] : memref<i64>
  return
}

// -----

// A loop that only launches kernels stays on the host.
// CHECK-LABEL: func.func @loop_of_launches
// CHECK: scf.for
// CHECK-NEXT: gpu.launch
func.func @loop_of_launches(%out: memref<8x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  scf.for %i = %c0 to %c8 step %c1 {
    gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
               threads(%tx, %ty, %tz) in (%sx = %c4, %sy = %c1, %sz = %c1) {
      memref.store %zero, %out[%i, %tx] : memref<8x4xf32>
      gpu.terminator
    }
  }
  return
}

// -----

// A value the host itself needs cannot come from a kernel: an error, so the
// block falls back instead of crashing on the GPU.
func.func @host_needs_the_value(%n: memref<index>, %out: memref<?xf32>) {
  // expected-error @+1 {{host code would access device memory: the host uses this op's results, so it cannot run in a kernel}}
  %size = memref.load %n[] : memref<index>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  scf.for %i = %c0 to %size step %c1 {
    gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
               threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
      memref.store %zero, %out[%i] : memref<?xf32>
      gpu.terminator
    }
  }
  return
}
