//===- RandomOps.td - Counter-based random number generation --------------===//

#ifndef TERRA_RANDOM_OPS_TD
#define TERRA_RANDOM_OPS_TD

include "TerraBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

class Terra_RandomOp<string mnemonic, list<Trait> traits = []>
    : Terra_Op<mnemonic, traits # [Pure]> {
  let results = (outs Terra_FloatTensor:$result);
  let hasVerifier = 1;
}

def Terra_RandomUniformOp : Terra_RandomOp<"random_uniform"> {
  let summary = "uniform random numbers from a counter-based generator";
  let description = [{
    Element `i` (row-major) of the result is drawn from Philox-4x32-10 with
    the 64-bit `key` and the 128-bit counter `(counter + i, 0)`: the top 24
    bits of the first output word give `u` in `[0, 1)`, and the element is
    `low + (high - low) * u`. The op is a pure function of `key` and
    `counter`, so eager kernels and compiled code draw identical numbers; the
    caller advances the counter by the number of elements drawn.

    ```mlir
    %u = terra.random_uniform %key, %counter low 0.0 high 1.0 : tensor<4x4xf32>
    ```
  }];
  let arguments = (ins Terra_ScalarI64Tensor:$key, Terra_ScalarI64Tensor:$counter,
                       F64Attr:$low, F64Attr:$high);
  let assemblyFormat = [{
    $key `,` $counter `low` $low `high` $high attr-dict `:` type($result)
  }];
}

def Terra_RandomNormalOp : Terra_RandomOp<"random_normal"> {
  let summary = "normal random numbers from a counter-based generator";
  let description = [{
    Same stream as `terra.random_uniform`: element `i` takes the first two
    words `w0, w1` of Philox-4x32-10 at counter `counter + i`, forms
    `u1 = (w0 >> 8 + 1) / 2^24` in `(0, 1]` and `u2 = (w1 >> 8) / 2^24`, and
    returns `mean + std * sqrt(-2 log u1) * cos(2 pi u2)` (Box-Muller).

    ```mlir
    %n = terra.random_normal %key, %counter mean 0.0 std 1.0 : tensor<4x4xf32>
    ```
  }];
  let arguments = (ins Terra_ScalarI64Tensor:$key, Terra_ScalarI64Tensor:$counter,
                       F64Attr:$mean, F64Attr:$std);
  let assemblyFormat = [{
    $key `,` $counter `mean` $mean `std` $std attr-dict `:` type($result)
  }];
}

def Terra_RandomBernoulliOp : Terra_RandomOp<"random_bernoulli",
    [AllTypesMatch<["probs", "result"]>]> {
  let summary = "0/1 draws with per-element probabilities";
  let description = [{
    Element `i` is 1 when the uniform number of `terra.random_uniform` at
    the same position is below `probs[i]`, and 0 otherwise (dropout masks).

    ```mlir
    %m = terra.random_bernoulli %key, %counter, %p : tensor<4x4xf32>
    ```
  }];
  let arguments = (ins Terra_ScalarI64Tensor:$key, Terra_ScalarI64Tensor:$counter,
                       Terra_FloatTensor:$probs);
  let assemblyFormat = "$key `,` $counter `,` $probs attr-dict `:` type($result)";
}

#endif // TERRA_RANDOM_OPS_TD
