//===- Passes.td - Terra conversion passes --------------------------------===//

#ifndef TERRA_CONVERSION_PASSES_TD
#define TERRA_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertTerraToLinalg : Pass<"convert-terra-to-linalg"> {
  let summary = "Lower every terra op to linalg, tensor, arith and math";
  let description = [{
    Rewrites the terra dialect into upstream tensor-level dialects: elementwise
    ops become `linalg.generic` ops, contractions become `linalg.matmul` /
    `linalg.batch_matmul` or convolution `linalg.generic`s, shape ops become
    `tensor` ops, and the random ops become Philox-4x32-10 computed in a
    `linalg.generic` body. Composite ops (softmax) are decomposed on the way.
    Dynamic dimensions are read with `tensor.dim` (or given to
    `terra.broadcast_to` and `terra.reshape` as `sizes`; a slice keeps a
    dynamic dimension whole); concat, pad, convolutions,
    pooling and random ops are lowered for static shapes only. An op without
    a lowering makes the pass fail with a diagnostic on it.

    ```mlir
    %z = terra.add %x, %y : tensor<4xf32>
    ```
    becomes
    ```mlir
    %e = tensor.empty() : tensor<4xf32>
    %z = linalg.generic {indexing_maps = [#id, #id, #id],
                         iterator_types = ["parallel"]}
        ins(%x, %y : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) {
      ^bb0(%a: f32, %b: f32, %o: f32):
        %s = arith.addf %a, %b : f32
        linalg.yield %s : f32
    } -> tensor<4xf32>
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect"];
}

def ConvertTerraConvToRuntime : Pass<"convert-terra-conv-to-runtime", "::mlir::ModuleOp"> {
  let summary = "Call the runtime's convolution kernels for f32/f64 convolutions";
  let description = [{
    Runs before bufferization: replaces `terra.conv2d`,
    `terra.conv2d_grad_input` and `terra.conv2d_grad_weight` on f32 or f64
    tensors of static shape with calls to `terra_rt_conv2d_{f32,f64}`,
    `terra_rt_conv2d_grad_input_*` and `terra_rt_conv2d_grad_weight_*` in
    `libterra_runtime`: the eager kernels' im2col + GEMM, split across the
    thread pool (terra/Runtime/ConvCalls.h). Each convolution becomes a
    call of a private function of its own, which takes the operands as
    read-only buffers (`bufferization.to_buffer`) and returns a new buffer
    the runtime call fills (`bufferization.to_tensor restrict writable`):
    one-shot bufferization then sees, at the call site, a call that reads its
    operands. (With those buffers made in the block itself, it let an
    elementwise op write in place into a buffer that a later to_buffer
    read: ResNet steps computed wrong gradients.) Generated im2col
    (`terra-conv-to-matmul`, one strided slice per kernel tap and sample,
    and for the input gradient a pad and an add per tap) made DCGAN's
    convolution blocks 2-3x slower than the eager kernels. Convolutions
    with sizes known only at run time are left to `terra-conv-to-matmul`.

    ```mlir
    %y = terra.conv2d %x, %w stride [2, 2] padding [1, 1] dilation [1, 1] groups 1
        : (tensor<2x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<2x4x4x4xf32>
    ```
    becomes `%y = call @terra_conv2d_0(%x, %w)` and
    ```mlir
    func.func private @terra_conv2d_0(%x: tensor<2x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<2x4x4x4xf32> {
      %xb = bufferization.to_buffer %x read_only : tensor<2x3x8x8xf32> to memref<2x3x8x8xf32, strided<[?, ?, ?, ?], offset: ?>>
      %xc = memref.cast %xb : ... to memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>
      ...
      %yb = memref.alloc() {alignment = 64 : i64} : memref<2x4x4x4xf32>
      call @terra_rt_conv2d_f32(%xc, %wc, %yc, %c2, %c2, %c1, %c1, %c1, %c1, %c1) : (...) -> ()
      %y = bufferization.to_tensor %yb restrict writable : memref<2x4x4x4xf32> to tensor<2x4x4x4xf32>
      return %y : tensor<2x4x4x4xf32>
    }
    ```
  }];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::bufferization::BufferizationDialect"];
}

def ConvertLinalgToTerraRuntime : Pass<"convert-linalg-to-terra-runtime", "::mlir::ModuleOp"> {
  let summary = "Call the runtime's BLAS kernels for f32/f64 matrix products";
  let description = [{
    Runs after bufferization: replaces `linalg.matmul` and
    `linalg.batch_matmul` on f32 or f64 memrefs with calls to
    `terra_rt_{s,d}gemm` / `terra_rt_batched_{s,d}gemm` in
    `libterra_runtime`, which pass the operands' strides and the transposes
    encoded in the indexing maps to OpenBLAS. The matrix product then runs at
    the library's speed instead of that of a generated loop nest.

    ```mlir
    linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>)
                  outs(%c : memref<4x16xf32>)
    ```
    becomes
    ```mlir
    %ca = memref.cast %a : memref<4x8xf32> to memref<?x?xf32, strided<[?, ?], offset: ?>>
    ...
    call @terra_rt_sgemm(%false, %false, %ca, %cb, %cc) : (...) -> ()
    ```
  }];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect"];
}

def ConvertMemRefCopyToLinalg : Pass<"convert-memref-copy-to-linalg"> {
  let summary = "Turn strided memref.copy into linalg.copy loops";
  let description = [{
    Bufferization copies tensor slices with `memref.copy`. A copy whose
    operands are not both contiguous lowers to a call of the generic
    `memrefCopy` runtime routine, which recomputes every element's address
    from the strides at run time; im2col and concat copy exactly such
    slices. As a `linalg.copy` it becomes a loop nest that LLVM vectorises
    (`convert-linalg-to-loops` for the CPU, parallel loops for the GPU).
    Contiguous copies stay `memref.copy` (they lower to `memcpy`), unless
    `contiguous` is set: on the GPU every copy must become a kernel, since
    `memcpy` would run on the host over device pointers.

    ```mlir
    memref.copy %a, %b : memref<64x28xf32, strided<[30, 1], offset: 31>>
                      to memref<64x28xf32, strided<[784, 1]>>
    ```
    becomes
    ```mlir
    linalg.copy ins(%a : memref<64x28xf32, strided<[30, 1], offset: 31>>)
                outs(%b : memref<64x28xf32, strided<[784, 1]>>)
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
  let options = [
    Option<"contiguous", "contiguous", "bool", /*default=*/"false",
           "Turn contiguous copies into linalg.copy too (for the GPU)">
  ];
}

def ConvertMemRefAllocToGpu : Pass<"convert-memref-alloc-to-gpu"> {
  let summary = "Allocate the host code's buffers on the GPU";
  let description = [{
    After bufferization, the buffers of a block's intermediate results are
    `memref.alloc`s in the host function, which lower to `malloc`: the
    kernels that `terra-lower-to-nvvm` launches on them would read and write
    host memory. This pass turns every `memref.alloc` and `memref.dealloc`
    outside GPU code into `gpu.alloc` and `gpu.dealloc`, which `gpu-to-llvm`
    lowers to the GPU runtime's allocation calls. Allocations inside
    kernels are left alone.

    ```mlir
    %0 = memref.alloc(%n) {alignment = 64 : i64} : memref<?x16xf32>
    memref.dealloc %0 : memref<?x16xf32>
    ```
    becomes
    ```mlir
    %0 = gpu.alloc (%n) : memref<?x16xf32>
    gpu.dealloc %0 : memref<?x16xf32>
    ```
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

#endif // TERRA_CONVERSION_PASSES_TD
