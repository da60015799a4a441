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
  let dependentDialects = ["::mlir::terra::TerraDialect",
                           "::mlir::tensor::TensorDialect"];
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

def TerraConvToMatmul : Pass<"terra-conv-to-matmul"> {
  let summary = "Rewrite convolutions and their gradients as im2col + matmul";
  let description = [{
    Expresses `terra.conv2d`, `terra.conv2d_grad_weight` and
    `terra.conv2d_grad_input` with shape ops and batched `terra.matmul`, so
    that the CPU pipeline computes them with BLAS instead of generated loops
    (measured 20x faster on a 64-channel 3x3 layer; see docs/pipelines.md).
    The input windows are gathered with one strided `terra.slice` per kernel
    tap ("im2col"), one matrix per batch entry and group; the input gradient
    scatters the column gradients back with `terra.pad` and `terra.add`
    ("col2im").

    ```mlir
    %y = terra.conv2d %x, %w stride [1, 1] padding [0, 0] dilation [1, 1] groups 1
        : (tensor<1x2x4x4xf32>, tensor<3x2x2x2xf32>) -> tensor<1x3x3x3xf32>
    ```
    becomes four `terra.slice`s of `%x` (one per tap) concatenated into a
    `1x8x9` column matrix, and
    ```mlir
    %m = terra.matmul %wm, %cols : (tensor<1x3x8xf32>, tensor<1x8x9xf32>) -> tensor<1x3x9xf32>
    %y = terra.reshape %m : tensor<1x3x9xf32> -> tensor<1x3x3x3xf32>
    ```
  }];
  let dependentDialects = ["::mlir::terra::TerraDialect"];
}

def TerraOutlineLoopNests : Pass<"terra-outline-loop-nests", "ModuleOp"> {
  let summary = "Move each top-level loop nest of a function into a function of its own";
  let description = [{
    Runs on loops (after `convert-linalg-to-loops`): every `scf.for` and
    `scf.parallel` at the top level of a function body becomes a call of a
    new private, internal, `noinline` function holding the nest. A compiled block of a
    training step is one function with hundreds of loop nests, and LLVM's
    loop passes (IndVarSimplify above all) take time superlinear in the
    loops of one function: a GPT-2 block of 807 terra ops spent 26 s in
    `opt -O3`, nearly all of it in IndVarSimplify. One function per nest
    keeps optimisation time linear in the block's size. The function left
    (buffers, descriptors and calls, run once per pass) is marked
    `optnone`: its one basic block of thousands of calls made LLVM's
    instruction selection 60% of a 1584-op GPT-2 block's code generation
    (6.2 s; 3.6 s with `optnone`).

    A nest whose outer loop is an `scf.parallel` from 0 by 1 with enough
    work (at least 32768 innermost iterations, or a bound only known at run
    time) is outlined even when it is the only one, takes the range
    `[begin, end)` of its first dimension as its first two arguments, and
    is marked `terra.parallel_cost` (innermost iterations per outer
    iteration): `terra-dispatch-parallel-nests` runs it on several threads.

    ```mlir
    func.func @block(%a: memref<4xf32>) {
      scf.for %i = %c0 to %c4 step %c1 {
        ...
      }
      scf.for %i = %c0 to %c4 step %c1 {
        ...
      }
      return
    }
    ```
    becomes
    ```mlir
    func.func @block(%a: memref<4xf32>)
        attributes {passthrough = ["noinline", "optnone"]} {
      call @block_nest0(%a) : (memref<4xf32>) -> ()
      call @block_nest1(%a) : (memref<4xf32>) -> ()
      return
    }
    func.func private @block_nest0(%a: memref<4xf32>)
        attributes {llvm.linkage = #llvm.linkage<internal>, passthrough = ["noinline"]} {
      scf.for %i = %c0 to %c4 step %c1 {
        ...
      }
      return
    }
    ```
  }];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::scf::SCFDialect"];
}

def TerraDispatchParallelNests
    : Pass<"terra-dispatch-parallel-nests", "ModuleOp"> {
  let summary = "Run the nests marked by terra-outline-loop-nests on several threads";
  let description = [{
    Runs on the LLVM dialect (after `convert-func-to-llvm`). A function
    marked `terra.parallel_cost` takes the range `[begin, end)` of its outer
    parallel loop as its first two arguments (see
    `terra-outline-loop-nests`). Each call of it becomes a call of the
    runtime's `terra_rt_parallel_for(begin, end, cost, chunk, context)`:
    the other arguments are stored in a stack struct (`context`), and a new
    function `<name>_chunk(context, begin, end)` loads them and calls the
    nest on a sub-range. The runtime splits the range across its threads
    when `(end - begin) * cost` is large enough, else calls `chunk` once.
    Compiled elementwise code otherwise runs on one core while the eager
    kernels use all of them.

    ```mlir
    llvm.call @block_nest0(%begin, %end, %p, %q) : (i64, i64, !llvm.ptr, i64) -> ()
    ```
    becomes
    ```mlir
    %context = llvm.alloca %one x !llvm.struct<(ptr, i64)> : (i64) -> !llvm.ptr
    ... stores of %p and %q into %context ...
    %chunk = llvm.mlir.addressof @block_nest0_chunk : !llvm.ptr
    llvm.call @terra_rt_parallel_for(%begin, %end, %cost, %chunk, %context)
        : (i64, i64, i64, !llvm.ptr, !llvm.ptr) -> ()
    ```
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def TerraMoveHostAccessesToGpu
    : Pass<"terra-move-host-accesses-to-gpu", "::mlir::func::FuncOp"> {
  let summary = "Run the host code's remaining memory accesses on the GPU";
  let description = [{
    In `terra-lower-to-nvvm`, after the parallel loops became `gpu.launch`
    ops, whatever still reads or writes a buffer in the host function would
    touch device memory from the CPU: a loop that is not parallel (a
    scatter-add, which adds several updates to one row) or the load of a
    scalar that kernels take as an argument (a random op's seed). This pass
    moves them to the GPU:

    - a `memref.load` whose value only `gpu.launch` bodies use is cloned
      into each of them (the kernels read the scalar themselves);
    - any other top-level op that reads or writes memory and whose results
      the host does not use runs alone in a `gpu.launch` of one thread;
    - anything else fails the pass with an error that names the op, so the
      block falls back instead of crashing on the GPU.

    ```mlir
    scf.for %i = %c0 to %c6 step %c1 {
      %v = memref.load %g[%i] : memref<6xf32>
      ...
      memref.store %s, %table[%row] : memref<32xf32>
    }
    ```
    becomes
    ```mlir
    gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
               threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
      scf.for %i = %c0 to %c6 step %c1 {
        ...
      }
      gpu.terminator
    }
    ```
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

#endif // TERRA_TRANSFORMS_PASSES_TD
