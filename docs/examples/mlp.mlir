// A two-layer perceptron's forward pass, the example `make demo` runs:
//   terra-opt docs/examples/mlp.mlir -terra-lower-to-cpu \
//     | mlir-runner -e main -entry-point-result=void -shared-libs=...
// Weights and inputs are drawn with the counter-based generator (key 42), so
// the printed numbers are the same on every machine; test/Examples/mlp.mlir
// checks them against NumPy.

func.func private @printMemrefF32(tensor<*xf32>)
func.func private @printMemrefI64(tensor<*xi64>)

// softmax(relu(x @ w1 + b1) @ w2 + b2) and its argmax per row.
func.func @mlp(%x: tensor<4x8xf32>, %w1: tensor<8x16xf32>, %b1: tensor<16xf32>,
               %w2: tensor<16x3xf32>, %b2: tensor<3xf32>)
    -> (tensor<4x3xf32>, tensor<4xi64>) {
  %h = terra.matmul %x, %w1 : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %bias1 = terra.broadcast_to %b1 : tensor<16xf32> -> tensor<4x16xf32>
  %hb = terra.add %h, %bias1 : tensor<4x16xf32>
  %a = terra.relu %hb : tensor<4x16xf32>
  %o = terra.matmul %a, %w2 : (tensor<4x16xf32>, tensor<16x3xf32>) -> tensor<4x3xf32>
  %bias2 = terra.broadcast_to %b2 : tensor<3xf32> -> tensor<4x3xf32>
  %logits = terra.add %o, %bias2 : tensor<4x3xf32>
  %p = terra.softmax %logits axis 1 : tensor<4x3xf32>
  %label = terra.argmax %p axis 1 : tensor<4x3xf32> -> tensor<4xi64>
  return %p, %label : tensor<4x3xf32>, tensor<4xi64>
}

func.func @main() {
  %key = terra.constant dense<42> : tensor<i64>
  // Each draw advances the counter past the elements drawn before it.
  %c0 = terra.constant dense<0> : tensor<i64>
  %c32 = terra.constant dense<32> : tensor<i64>
  %c160 = terra.constant dense<160> : tensor<i64>
  %c176 = terra.constant dense<176> : tensor<i64>
  %c224 = terra.constant dense<224> : tensor<i64>
  %x = terra.random_uniform %key, %c0 low -1.0 high 1.0 : tensor<4x8xf32>
  %w1 = terra.random_normal %key, %c32 mean 0.0 std 0.5 : tensor<8x16xf32>
  %b1 = terra.random_uniform %key, %c160 low -0.1 high 0.1 : tensor<16xf32>
  %w2 = terra.random_normal %key, %c176 mean 0.0 std 0.5 : tensor<16x3xf32>
  %b2 = terra.random_uniform %key, %c224 low -0.1 high 0.1 : tensor<3xf32>
  %p, %label = call @mlp(%x, %w1, %b1, %w2, %b2)
      : (tensor<4x8xf32>, tensor<8x16xf32>, tensor<16xf32>, tensor<16x3xf32>,
         tensor<3xf32>) -> (tensor<4x3xf32>, tensor<4xi64>)
  %pu = tensor.cast %p : tensor<4x3xf32> to tensor<*xf32>
  call @printMemrefF32(%pu) : (tensor<*xf32>) -> ()
  %lu = tensor.cast %label : tensor<4xi64> to tensor<*xi64>
  call @printMemrefI64(%lu) : (tensor<*xi64>) -> ()
  return
}
