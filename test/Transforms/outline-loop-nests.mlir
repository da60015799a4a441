// RUN: terra-opt %s -terra-outline-loop-nests | FileCheck %s

// Each top-level nest becomes a private noinline function; the constants it
// uses are copied in rather than passed.
func.func @two_nests(%a: memref<4xf32>, %b: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %two = arith.constant 2.0 : f32
  scf.for %i = %c0 to %c4 step %c1 {
    %x = memref.load %a[%i] : memref<4xf32>
    %y = arith.mulf %x, %two : f32
    memref.store %y, %b[%i] : memref<4xf32>
  }
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %x = memref.load %b[%i] : memref<4xf32>
    memref.store %x, %a[%i] : memref<4xf32>
  }
  return
}

// CHECK-LABEL: func.func private @two_nests_nest0(
// CHECK-SAME: %[[A:.*]]: memref<4xf32>, %[[B:.*]]: memref<4xf32>)
// CHECK-SAME: attributes {llvm.linkage = #llvm.linkage<internal>, passthrough = ["noinline"]}
// CHECK-DAG: arith.constant 2.000000e+00 : f32
// CHECK-DAG: arith.constant 4 : index
// CHECK: scf.for
// CHECK: arith.mulf
// CHECK-LABEL: func.func private @two_nests_nest1(
// CHECK: scf.parallel
// The straight-line rest is compiled without optimisation.
// CHECK-LABEL: func.func @two_nests(
// CHECK-SAME: %[[A:.*]]: memref<4xf32>, %[[B:.*]]: memref<4xf32>)
// CHECK-SAME: attributes {passthrough = ["noinline", "optnone"]}
// CHECK-NOT: scf.for
// CHECK: call @two_nests_nest0(%[[A]], %[[B]])
// CHECK-NEXT: call @two_nests_nest1(%[[B]], %[[A]])
// CHECK-NEXT: return

// One nest is left where it is: a call would gain nothing.
// CHECK-LABEL: func.func @one_nest(
// CHECK-NOT: optnone
// CHECK-NEXT: arith.constant
// CHECK: scf.for
// CHECK-NOT: call
func.func @one_nest(%a: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %i = %c0 to %c4 step %c1 {
    %x = memref.load %a[%i] : memref<4xf32>
    memref.store %x, %a[%i] : memref<4xf32>
  }
  return
}

// A parallel nest with enough work (1024 rows of 64) is outlined even
// alone, and takes the range of its first dimension as its first two
// arguments, for terra-dispatch-parallel-nests.
// CHECK-LABEL: func.func private @split_nest_nest0(
// CHECK-SAME: %[[BEGIN:[a-z0-9]+]]: index, %[[END:[a-z0-9]+]]: index, %{{[a-z0-9]+}}: memref<1024x64xf32>)
// CHECK-SAME: terra.parallel_cost = 64 : i64
// CHECK: scf.parallel (%{{[a-z0-9]+}}, %{{[a-z0-9]+}}) = (%[[BEGIN]], %c0) to (%[[END]], %c64)
// CHECK-LABEL: func.func @split_nest(
// CHECK: call @split_nest_nest0(%{{c0[_0-9]*}}, %{{c1024[_0-9]*}}, %arg0)
func.func @split_nest(%a: memref<1024x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %c1024 = arith.constant 1024 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c1024, %c64) step (%c1, %c1) {
    %x = memref.load %a[%i, %j] : memref<1024x64xf32>
    memref.store %x, %a[%i, %j] : memref<1024x64xf32>
  }
  return
}

// A dynamic bound is passed as the caller has it (the runtime decides
// whether to split); the other nest is too small to split and keeps its
// arguments.
// CHECK-LABEL: func.func private @dynamic_nest_nest0(
// CHECK-SAME: %{{[a-z0-9]+}}: index, %{{[a-z0-9]+}}: index, %{{[a-z0-9]+}}: memref<?xf32>, %{{[a-z0-9]+}}: index)
// CHECK-SAME: terra.parallel_cost = 1 : i64
// CHECK-LABEL: func.func private @dynamic_nest_nest1(
// CHECK-SAME: %{{[a-z0-9]+}}: memref<?xf32>)
// CHECK-NOT: terra.parallel_cost
// CHECK-LABEL: func.func @dynamic_nest(
// CHECK-SAME: %[[A:[a-z0-9]+]]: memref<?xf32>, %[[N:[a-z0-9]+]]: index)
// CHECK: call @dynamic_nest_nest0(%{{c0[_0-9]*}}, %[[N]], %[[A]], %[[N]])
// CHECK: call @dynamic_nest_nest1(%[[A]])
func.func @dynamic_nest(%a: memref<?xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %x = memref.load %a[%i] : memref<?xf32>
    memref.store %x, %a[%i] : memref<?xf32>
  }
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %x = memref.load %a[%i] : memref<?xf32>
    memref.store %x, %a[%i] : memref<?xf32>
  }
  return
}
