// Compiled relu is x < 0 ? 0 : x, as the eager kernel and torch.relu:
// -0.0 and NaN pass through (arith.maximumf had made -0.0 into +0.0).
// RUN: terra-opt %s -terra-lower-to-cpu | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s

func.func private @printMemrefF32(tensor<*xf32>)

func.func @relu(%x: tensor<5xf32>) -> tensor<5xf32> {
  %r = terra.relu %x : tensor<5xf32>
  return %r : tensor<5xf32>
}

func.func @main() {
  %x = terra.constant dense<[-0.0, 0x7FC00000, -1.5, 2.0, 0.0]> : tensor<5xf32>
  %r = call @relu(%x) : (tensor<5xf32>) -> tensor<5xf32>
  %u = tensor.cast %r : tensor<5xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}

// CHECK: rank = 1 offset = 0 sizes = [5] strides = [1] data =
// CHECK-NEXT: [-0,  nan,  0,  2,  0]
