// RUN: terra-opt %s | terra-opt | FileCheck %s

// CHECK-LABEL: func @binary
func.func @binary(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // CHECK: terra.add %{{.*}}, %{{.*}} : tensor<2x3xf32>
  %0 = terra.add %x, %y : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}
