// The IR that terra-opt emits after each lowering stage is plain upstream
// MLIR: Debian's mlir-opt (which knows nothing of terra) parses and verifies it.
// RUN: terra-opt %S/../Execution/softmax-matmul.mlir -convert-terra-to-linalg | mlir-opt | FileCheck %s --check-prefix=LINALG
// RUN: terra-opt %S/../Execution/softmax-matmul.mlir -terra-lower-to-cpu | mlir-opt | FileCheck %s --check-prefix=CPU
// RUN: terra-opt %S/../NVVM/window.mlir -terra-lower-to-nvvm="chip=sm_90" | mlir-opt | FileCheck %s --check-prefix=NVVM

// LINALG-LABEL: func.func @compute
// LINALG: linalg.generic
// LINALG: linalg.matmul
// CPU-LABEL: llvm.func @compute
// CPU: llvm.call @terra_rt_sgemm
// NVVM: gpu.binary @window_kernel
