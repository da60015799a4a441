// Loop nests split across the runtime's threads (terra-outline-loop-nests
// takes the outer range, terra-dispatch-parallel-nests calls
// terra_rt_parallel_for): every chunk computes its own rows. Integers keep
// the sums exact; a weighted sum catches a row computed twice, skipped or
// written to the wrong place.
// RUN: terra-opt %s -terra-lower-to-cpu | FileCheck %s --check-prefix=IR
// RUN: terra-opt %s -terra-lower-to-cpu | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s

#cell = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
#item = affine_map<(d0) -> (d0)>
#all = affine_map<(d0) -> ()>

func.func private @printMemrefI64(tensor<*xi64>)

func.func @main() {
  // v[i, j] = 64 i + j over 1024 x 64: 65536 iterations, split.
  %empty = tensor.empty() : tensor<1024x64xi64>
  %v = linalg.generic {indexing_maps = [#cell],
                       iterator_types = ["parallel", "parallel"]}
      outs(%empty : tensor<1024x64xi64>) {
  ^bb0(%out: i64):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %c64 = arith.constant 64 : index
    %scaled = arith.muli %i, %c64 : index
    %sum = arith.addi %scaled, %j : index
    %value = arith.index_cast %sum : index to i64
    linalg.yield %value : i64
  } -> tensor<1024x64xi64>
  // rows[i] = sum_j v[i, j] = 4096 i + 2016: parallel rows, split.
  %zero = arith.constant 0 : i64
  %rowsEmpty = tensor.empty() : tensor<1024xi64>
  %rowsInit = linalg.fill ins(%zero : i64) outs(%rowsEmpty : tensor<1024xi64>) -> tensor<1024xi64>
  %rows = linalg.generic {indexing_maps = [#cell, #row],
                          iterator_types = ["parallel", "reduction"]}
      ins(%v : tensor<1024x64xi64>) outs(%rowsInit : tensor<1024xi64>) {
  ^bb0(%in: i64, %acc: i64):
    %next = arith.addi %acc, %in : i64
    linalg.yield %next : i64
  } -> tensor<1024xi64>
  // sum_i i * rows[i] = 4096 * 357389824 + 2016 * 523776: one thread.
  %totalEmpty = tensor.empty() : tensor<i64>
  %totalInit = linalg.fill ins(%zero : i64) outs(%totalEmpty : tensor<i64>) -> tensor<i64>
  %total = linalg.generic {indexing_maps = [#item, #all],
                           iterator_types = ["reduction"]}
      ins(%rows : tensor<1024xi64>) outs(%totalInit : tensor<i64>) {
  ^bb0(%in: i64, %acc: i64):
    %i = linalg.index 0 : index
    %weight = arith.index_cast %i : index to i64
    %term = arith.muli %in, %weight : i64
    %next = arith.addi %acc, %term : i64
    linalg.yield %next : i64
  } -> tensor<i64>
  %printed = tensor.cast %total : tensor<i64> to tensor<*xi64>
  call @printMemrefI64(%printed) : (tensor<*xi64>) -> ()
  return
}

// Two of the three nests are dispatched; the last reduction is not.
// IR-COUNT-2: llvm.call @terra_rt_parallel_for(
// IR-NOT: llvm.call @terra_rt_parallel_for(

// CHECK: [1464924651520]
