// REQUIRES: ptxas
// RUN: rm -rf %t && terra-opt %s -terra-lower-to-nvvm="chip=sm_80" | %python %S/../Utils/extract-ptx.py %t --ptxas %ptxas --arch sm_80 | FileCheck %s

// 80 inputs fused into one elementwise kernel: its parameters (seven per
// 2-D buffer) take more than the 4352 bytes PTX 8.0 allows. The default
// +ptx81 allows 32 KiB, as blocks with many buffers need (a BERT block's
// kernel took 4384 bytes).
// CHECK: assembled 1 PTX modules

func.func @many_parameters(%a0: tensor<4x8xf32>, %a1: tensor<4x8xf32>, %a2: tensor<4x8xf32>, %a3: tensor<4x8xf32>, %a4: tensor<4x8xf32>, %a5: tensor<4x8xf32>, %a6: tensor<4x8xf32>, %a7: tensor<4x8xf32>, %a8: tensor<4x8xf32>, %a9: tensor<4x8xf32>, %a10: tensor<4x8xf32>, %a11: tensor<4x8xf32>, %a12: tensor<4x8xf32>, %a13: tensor<4x8xf32>, %a14: tensor<4x8xf32>, %a15: tensor<4x8xf32>, %a16: tensor<4x8xf32>, %a17: tensor<4x8xf32>, %a18: tensor<4x8xf32>, %a19: tensor<4x8xf32>, %a20: tensor<4x8xf32>, %a21: tensor<4x8xf32>, %a22: tensor<4x8xf32>, %a23: tensor<4x8xf32>, %a24: tensor<4x8xf32>, %a25: tensor<4x8xf32>, %a26: tensor<4x8xf32>, %a27: tensor<4x8xf32>, %a28: tensor<4x8xf32>, %a29: tensor<4x8xf32>, %a30: tensor<4x8xf32>, %a31: tensor<4x8xf32>, %a32: tensor<4x8xf32>, %a33: tensor<4x8xf32>, %a34: tensor<4x8xf32>, %a35: tensor<4x8xf32>, %a36: tensor<4x8xf32>, %a37: tensor<4x8xf32>, %a38: tensor<4x8xf32>, %a39: tensor<4x8xf32>, %a40: tensor<4x8xf32>, %a41: tensor<4x8xf32>, %a42: tensor<4x8xf32>, %a43: tensor<4x8xf32>, %a44: tensor<4x8xf32>, %a45: tensor<4x8xf32>, %a46: tensor<4x8xf32>, %a47: tensor<4x8xf32>, %a48: tensor<4x8xf32>, %a49: tensor<4x8xf32>, %a50: tensor<4x8xf32>, %a51: tensor<4x8xf32>, %a52: tensor<4x8xf32>, %a53: tensor<4x8xf32>, %a54: tensor<4x8xf32>, %a55: tensor<4x8xf32>, %a56: tensor<4x8xf32>, %a57: tensor<4x8xf32>, %a58: tensor<4x8xf32>, %a59: tensor<4x8xf32>, %a60: tensor<4x8xf32>, %a61: tensor<4x8xf32>, %a62: tensor<4x8xf32>, %a63: tensor<4x8xf32>, %a64: tensor<4x8xf32>, %a65: tensor<4x8xf32>, %a66: tensor<4x8xf32>, %a67: tensor<4x8xf32>, %a68: tensor<4x8xf32>, %a69: tensor<4x8xf32>, %a70: tensor<4x8xf32>, %a71: tensor<4x8xf32>, %a72: tensor<4x8xf32>, %a73: tensor<4x8xf32>, %a74: tensor<4x8xf32>, %a75: tensor<4x8xf32>, %a76: tensor<4x8xf32>, %a77: tensor<4x8xf32>, %a78: tensor<4x8xf32>, %a79: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %s1 = terra.add %a0, %a1 : tensor<4x8xf32>
  %s2 = terra.add %s1, %a2 : tensor<4x8xf32>
  %s3 = terra.add %s2, %a3 : tensor<4x8xf32>
  %s4 = terra.add %s3, %a4 : tensor<4x8xf32>
  %s5 = terra.add %s4, %a5 : tensor<4x8xf32>
  %s6 = terra.add %s5, %a6 : tensor<4x8xf32>
  %s7 = terra.add %s6, %a7 : tensor<4x8xf32>
  %s8 = terra.add %s7, %a8 : tensor<4x8xf32>
  %s9 = terra.add %s8, %a9 : tensor<4x8xf32>
  %s10 = terra.add %s9, %a10 : tensor<4x8xf32>
  %s11 = terra.add %s10, %a11 : tensor<4x8xf32>
  %s12 = terra.add %s11, %a12 : tensor<4x8xf32>
  %s13 = terra.add %s12, %a13 : tensor<4x8xf32>
  %s14 = terra.add %s13, %a14 : tensor<4x8xf32>
  %s15 = terra.add %s14, %a15 : tensor<4x8xf32>
  %s16 = terra.add %s15, %a16 : tensor<4x8xf32>
  %s17 = terra.add %s16, %a17 : tensor<4x8xf32>
  %s18 = terra.add %s17, %a18 : tensor<4x8xf32>
  %s19 = terra.add %s18, %a19 : tensor<4x8xf32>
  %s20 = terra.add %s19, %a20 : tensor<4x8xf32>
  %s21 = terra.add %s20, %a21 : tensor<4x8xf32>
  %s22 = terra.add %s21, %a22 : tensor<4x8xf32>
  %s23 = terra.add %s22, %a23 : tensor<4x8xf32>
  %s24 = terra.add %s23, %a24 : tensor<4x8xf32>
  %s25 = terra.add %s24, %a25 : tensor<4x8xf32>
  %s26 = terra.add %s25, %a26 : tensor<4x8xf32>
  %s27 = terra.add %s26, %a27 : tensor<4x8xf32>
  %s28 = terra.add %s27, %a28 : tensor<4x8xf32>
  %s29 = terra.add %s28, %a29 : tensor<4x8xf32>
  %s30 = terra.add %s29, %a30 : tensor<4x8xf32>
  %s31 = terra.add %s30, %a31 : tensor<4x8xf32>
  %s32 = terra.add %s31, %a32 : tensor<4x8xf32>
  %s33 = terra.add %s32, %a33 : tensor<4x8xf32>
  %s34 = terra.add %s33, %a34 : tensor<4x8xf32>
  %s35 = terra.add %s34, %a35 : tensor<4x8xf32>
  %s36 = terra.add %s35, %a36 : tensor<4x8xf32>
  %s37 = terra.add %s36, %a37 : tensor<4x8xf32>
  %s38 = terra.add %s37, %a38 : tensor<4x8xf32>
  %s39 = terra.add %s38, %a39 : tensor<4x8xf32>
  %s40 = terra.add %s39, %a40 : tensor<4x8xf32>
  %s41 = terra.add %s40, %a41 : tensor<4x8xf32>
  %s42 = terra.add %s41, %a42 : tensor<4x8xf32>
  %s43 = terra.add %s42, %a43 : tensor<4x8xf32>
  %s44 = terra.add %s43, %a44 : tensor<4x8xf32>
  %s45 = terra.add %s44, %a45 : tensor<4x8xf32>
  %s46 = terra.add %s45, %a46 : tensor<4x8xf32>
  %s47 = terra.add %s46, %a47 : tensor<4x8xf32>
  %s48 = terra.add %s47, %a48 : tensor<4x8xf32>
  %s49 = terra.add %s48, %a49 : tensor<4x8xf32>
  %s50 = terra.add %s49, %a50 : tensor<4x8xf32>
  %s51 = terra.add %s50, %a51 : tensor<4x8xf32>
  %s52 = terra.add %s51, %a52 : tensor<4x8xf32>
  %s53 = terra.add %s52, %a53 : tensor<4x8xf32>
  %s54 = terra.add %s53, %a54 : tensor<4x8xf32>
  %s55 = terra.add %s54, %a55 : tensor<4x8xf32>
  %s56 = terra.add %s55, %a56 : tensor<4x8xf32>
  %s57 = terra.add %s56, %a57 : tensor<4x8xf32>
  %s58 = terra.add %s57, %a58 : tensor<4x8xf32>
  %s59 = terra.add %s58, %a59 : tensor<4x8xf32>
  %s60 = terra.add %s59, %a60 : tensor<4x8xf32>
  %s61 = terra.add %s60, %a61 : tensor<4x8xf32>
  %s62 = terra.add %s61, %a62 : tensor<4x8xf32>
  %s63 = terra.add %s62, %a63 : tensor<4x8xf32>
  %s64 = terra.add %s63, %a64 : tensor<4x8xf32>
  %s65 = terra.add %s64, %a65 : tensor<4x8xf32>
  %s66 = terra.add %s65, %a66 : tensor<4x8xf32>
  %s67 = terra.add %s66, %a67 : tensor<4x8xf32>
  %s68 = terra.add %s67, %a68 : tensor<4x8xf32>
  %s69 = terra.add %s68, %a69 : tensor<4x8xf32>
  %s70 = terra.add %s69, %a70 : tensor<4x8xf32>
  %s71 = terra.add %s70, %a71 : tensor<4x8xf32>
  %s72 = terra.add %s71, %a72 : tensor<4x8xf32>
  %s73 = terra.add %s72, %a73 : tensor<4x8xf32>
  %s74 = terra.add %s73, %a74 : tensor<4x8xf32>
  %s75 = terra.add %s74, %a75 : tensor<4x8xf32>
  %s76 = terra.add %s75, %a76 : tensor<4x8xf32>
  %s77 = terra.add %s76, %a77 : tensor<4x8xf32>
  %s78 = terra.add %s77, %a78 : tensor<4x8xf32>
  %s79 = terra.add %s78, %a79 : tensor<4x8xf32>
  return %s79 : tensor<4x8xf32>
}
