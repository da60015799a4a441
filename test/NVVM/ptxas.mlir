// PTX produced by terra-lower-to-nvvm for every op family assembles with the
// CUDA toolkit's ptxas for sm_80 and sm_90.
// REQUIRES: ptxas
// RUN: rm -rf %t
// RUN: terra-opt %S/elementwise.mlir -terra-lower-to-nvvm="chip=sm_80" | %python %S/../Utils/extract-ptx.py %t/e80 --ptxas %ptxas --arch sm_80 | FileCheck %s --check-prefix=ELEMENTWISE
// RUN: terra-opt %S/elementwise.mlir -terra-lower-to-nvvm="chip=sm_90" | %python %S/../Utils/extract-ptx.py %t/e90 --ptxas %ptxas --arch sm_90 | FileCheck %s --check-prefix=ELEMENTWISE
// RUN: terra-opt %S/shape.mlir -terra-lower-to-nvvm="chip=sm_80" | %python %S/../Utils/extract-ptx.py %t/s80 --ptxas %ptxas --arch sm_80 | FileCheck %s --check-prefix=SHAPE
// RUN: terra-opt %S/shape.mlir -terra-lower-to-nvvm="chip=sm_90" | %python %S/../Utils/extract-ptx.py %t/s90 --ptxas %ptxas --arch sm_90 | FileCheck %s --check-prefix=SHAPE
// RUN: terra-opt %S/reduction.mlir -terra-lower-to-nvvm="chip=sm_80" | %python %S/../Utils/extract-ptx.py %t/r80 --ptxas %ptxas --arch sm_80 | FileCheck %s --check-prefix=REDUCTION
// RUN: terra-opt %S/reduction.mlir -terra-lower-to-nvvm="chip=sm_90" | %python %S/../Utils/extract-ptx.py %t/r90 --ptxas %ptxas --arch sm_90 | FileCheck %s --check-prefix=REDUCTION
// RUN: terra-opt %S/contraction.mlir -terra-lower-to-nvvm="chip=sm_80" | %python %S/../Utils/extract-ptx.py %t/c80 --ptxas %ptxas --arch sm_80 | FileCheck %s --check-prefix=CONTRACTION
// RUN: terra-opt %S/contraction.mlir -terra-lower-to-nvvm="chip=sm_90" | %python %S/../Utils/extract-ptx.py %t/c90 --ptxas %ptxas --arch sm_90 | FileCheck %s --check-prefix=CONTRACTION
// RUN: terra-opt %S/window.mlir -terra-lower-to-nvvm="chip=sm_80" | %python %S/../Utils/extract-ptx.py %t/w80 --ptxas %ptxas --arch sm_80 | FileCheck %s --check-prefix=WINDOW
// RUN: terra-opt %S/window.mlir -terra-lower-to-nvvm="chip=sm_90" | %python %S/../Utils/extract-ptx.py %t/w90 --ptxas %ptxas --arch sm_90 | FileCheck %s --check-prefix=WINDOW
// RUN: terra-opt %S/random.mlir -terra-lower-to-nvvm="chip=sm_80" | %python %S/../Utils/extract-ptx.py %t/x80 --ptxas %ptxas --arch sm_80 | FileCheck %s --check-prefix=RANDOM
// RUN: terra-opt %S/random.mlir -terra-lower-to-nvvm="chip=sm_90" | %python %S/../Utils/extract-ptx.py %t/x90 --ptxas %ptxas --arch sm_90 | FileCheck %s --check-prefix=RANDOM

// ELEMENTWISE: assembled 5 PTX modules
// SHAPE: assembled 11 PTX modules
// REDUCTION: assembled 16 PTX modules
// CONTRACTION: assembled 6 PTX modules
// WINDOW: assembled 31 PTX modules
// RANDOM: assembled 3 PTX modules
