// RUN: terra-opt %s -terra-dispatch-parallel-nests | FileCheck %s

// A nest marked by terra-outline-loop-nests: its calls go through the
// runtime's parallel loop, with the other arguments in a stack struct that
// a new chunk function unpacks.
llvm.func internal @block_nest0(%begin: i64, %end: i64, %data: !llvm.ptr, %stride: i64)
    attributes {terra.parallel_cost = 64 : i64} {
  llvm.return
}

// CHECK-LABEL: llvm.func @terra_rt_parallel_for(i64, i64, i64, !llvm.ptr, !llvm.ptr)

// CHECK-LABEL: llvm.func internal @block_nest0(
// CHECK-NOT: terra.parallel_cost

// CHECK-LABEL: llvm.func internal @block_nest0_chunk(
// CHECK-SAME: %[[CONTEXT:[a-z0-9]+]]: !llvm.ptr, %[[BEGIN:[a-z0-9]+]]: i64, %[[END:[a-z0-9]+]]: i64)
// CHECK: %[[DATA_SLOT:.*]] = llvm.getelementptr %[[CONTEXT]][0, 0] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(ptr, i64)>
// CHECK: %[[DATA:.*]] = llvm.load %[[DATA_SLOT]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[STRIDE_SLOT:.*]] = llvm.getelementptr %[[CONTEXT]][0, 1] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(ptr, i64)>
// CHECK: %[[STRIDE:.*]] = llvm.load %[[STRIDE_SLOT]] : !llvm.ptr -> i64
// CHECK: llvm.call @block_nest0(%[[BEGIN]], %[[END]], %[[DATA]], %[[STRIDE]])
// CHECK-NEXT: llvm.return

// CHECK-LABEL: llvm.func @block(
// CHECK-SAME: %[[P:[a-z0-9]+]]: !llvm.ptr, %[[N:[a-z0-9]+]]: i64)
// CHECK: %[[FRAME:.*]] = llvm.alloca %{{.*}} x !llvm.struct<(ptr, i64)>
// CHECK: llvm.store %[[P]], %{{.*}} : !llvm.ptr, !llvm.ptr
// CHECK: llvm.store %[[N]], %{{.*}} : i64, !llvm.ptr
// CHECK: %[[COST:.*]] = llvm.mlir.constant(64 : i64) : i64
// CHECK: %[[CHUNK:.*]] = llvm.mlir.addressof @block_nest0_chunk : !llvm.ptr
// CHECK: llvm.call @terra_rt_parallel_for(%{{.*}}, %[[N]], %[[COST]], %[[CHUNK]], %[[FRAME]])
// CHECK-NOT: llvm.call @block_nest0(
// CHECK: llvm.return
llvm.func @block(%p: !llvm.ptr, %n: i64) {
  %zero = llvm.mlir.constant(0 : i64) : i64
  llvm.call @block_nest0(%zero, %n, %p, %n) : (i64, i64, !llvm.ptr, i64) -> ()
  llvm.return
}

// Unmarked functions and their calls are left alone.
// CHECK-LABEL: llvm.func @plain(
// CHECK-NEXT: llvm.call @helper(%{{.*}})
llvm.func @helper(%x: i64) {
  llvm.return
}
llvm.func @plain(%x: i64) {
  llvm.call @helper(%x) : (i64) -> ()
  llvm.return
}
