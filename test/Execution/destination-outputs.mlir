// Blocks compiled by lib/Compiler write their results into caller-owned
// buffers (bufferization.materialize_in_destination). Two outputs built
// from identical tensor.empty chains must still land in their own buffers.
// RUN: terra-opt %s -terra-lower-to-cpu | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s

func.func private @printMemrefF32(memref<*xf32>)

func.func @block(%am: memref<2xf32>, %cm: memref<2xf32>, %im: memref<2xi64>,
                 %out0: memref<4xf32>, %out1: memref<4xf32>) {
  %a = bufferization.to_tensor %am restrict : memref<2xf32> to tensor<2xf32>
  %c = bufferization.to_tensor %cm restrict : memref<2xf32> to tensor<2xf32>
  %i = bufferization.to_tensor %im restrict : memref<2xi64> to tensor<2xi64>
  %f = terra.cast %i : tensor<2xi64> to tensor<2xf32>
  %0 = terra.concat %a, %c dim 0 : (tensor<2xf32>, tensor<2xf32>) -> tensor<4xf32>
  %1 = terra.concat %a, %f dim 0 : (tensor<2xf32>, tensor<2xf32>) -> tensor<4xf32>
  bufferization.materialize_in_destination %0 in restrict writable %out0
      : (tensor<4xf32>, memref<4xf32>) -> ()
  bufferization.materialize_in_destination %1 in restrict writable %out1
      : (tensor<4xf32>, memref<4xf32>) -> ()
  return
}

// CHECK: [1,  2,  10,  20]
// CHECK: [1,  2,  7,  8]
func.func @main() {
  %a = memref.alloc() : memref<2xf32>
  %c = memref.alloc() : memref<2xf32>
  %i = memref.alloc() : memref<2xi64>
  %o0 = memref.alloc() : memref<4xf32>
  %o1 = memref.alloc() : memref<4xf32>
  %k0 = arith.constant 0 : index
  %k1 = arith.constant 1 : index
  %v1 = arith.constant 1.0 : f32
  %v2 = arith.constant 2.0 : f32
  %v10 = arith.constant 10.0 : f32
  %v20 = arith.constant 20.0 : f32
  %n7 = arith.constant 7 : i64
  %n8 = arith.constant 8 : i64
  memref.store %v1, %a[%k0] : memref<2xf32>
  memref.store %v2, %a[%k1] : memref<2xf32>
  memref.store %v10, %c[%k0] : memref<2xf32>
  memref.store %v20, %c[%k1] : memref<2xf32>
  memref.store %n7, %i[%k0] : memref<2xi64>
  memref.store %n8, %i[%k1] : memref<2xi64>
  call @block(%a, %c, %i, %o0, %o1)
      : (memref<2xf32>, memref<2xf32>, memref<2xi64>, memref<4xf32>, memref<4xf32>) -> ()
  %u0 = memref.cast %o0 : memref<4xf32> to memref<*xf32>
  %u1 = memref.cast %o1 : memref<4xf32> to memref<*xf32>
  call @printMemrefF32(%u0) : (memref<*xf32>) -> ()
  call @printMemrefF32(%u1) : (memref<*xf32>) -> ()
  return
}
