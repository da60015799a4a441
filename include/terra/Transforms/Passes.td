//===- Passes.td - Terra-level transformation passes ----------------------===//

#ifndef TERRA_TRANSFORMS_PASSES_TD
#define TERRA_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def TerraDecompose : Pass<"terra-decompose"> {
  let summary = "Rewrite composite terra ops into primitive terra ops";
  let description = [{
    Expands `terra.softmax` and `terra.log_softmax` into reductions and
    elementwise ops, subtracting the maximum first so that the result never
    overflows:

    ```mlir
    %p = terra.softmax %x axis 1 : tensor<2x3xf32>
    ```
    becomes
    ```mlir
    %m = terra.max %x axes [1] keepdim : tensor<2x3xf32> -> tensor<2x1xf32>
    %b = terra.broadcast_to %m : tensor<2x1xf32> -> tensor<2x3xf32>
    %d = terra.sub %x, %b : tensor<2x3xf32>
    %e = terra.exp %d : tensor<2x3xf32>
    %s = terra.sum %e axes [1] keepdim : tensor<2x3xf32> -> tensor<2x1xf32>
    %t = terra.broadcast_to %s : tensor<2x1xf32> -> tensor<2x3xf32>
    %p = terra.div %e, %t : tensor<2x3xf32>
    ```
  }];
  let dependentDialects = ["::mlir::terra::TerraDialect"];
}

def TerraFuseElementwise : Pass<"terra-fuse-elementwise"> {
  let summary = "Fuse chains of elementwise linalg ops into one loop nest";
  let description = [{
    Runs after `convert-terra-to-linalg`: fuses every elementwise producer
    `linalg.generic` into its elementwise consumers, so that a chain of N elementwise terra ops becomes a single
    `linalg.generic` that reads its inputs once and writes one result.
    Producers with other users are still fused (and recomputed) when they are
    elementwise, because recomputation is cheaper than a round trip through
    memory.

    ```mlir
    %0 = linalg.generic {...} ins(%x : tensor<16xf32>) outs(%e : tensor<16xf32>) {
      ^bb0(%a: f32, %o: f32):
        %n = arith.negf %a : f32
        linalg.yield %n : f32
    } -> tensor<16xf32>
    %1 = linalg.generic {...} ins(%0 : tensor<16xf32>) outs(%e : tensor<16xf32>) {
      ^bb0(%a: f32, %o: f32):
        %n = math.exp %a : f32
        linalg.yield %n : f32
    } -> tensor<16xf32>
    ```
    becomes one `linalg.generic` whose body computes `exp(-x)`.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

#endif // TERRA_TRANSFORMS_PASSES_TD
