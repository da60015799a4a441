// RUN: terra-opt %s -terra-lower-to-cpu | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s

func.func private @printMemrefF32(tensor<*xf32>)

func.func @compute(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x2xf32> {
  %bb = terra.broadcast_to %b : tensor<3xf32> -> tensor<2x3xf32>
  %0 = terra.add %a, %bb : tensor<2x3xf32>
  %1 = terra.softmax %0 axis 1 : tensor<2x3xf32>
  %2 = terra.matmul %1, %a {transpose_rhs} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x2xf32>
  return %2 : tensor<2x2xf32>
}

// Expected values from NumPy: softmax(a + b, axis=1) @ a.T
// CHECK: rank = 2 offset = 0 sizes = [2, 2]
// CHECK: [2.53716, 5.53716]
// CHECK: [2.53716, 5.53716]
func.func @main() {
  %a = terra.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %b = terra.constant dense<[0.5, -0.5, 0.0]> : tensor<3xf32>
  %r = call @compute(%a, %b) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x2xf32>
  %u = tensor.cast %r : tensor<2x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}
