//===- ObjectEmitterTest.cpp - LLVM IR to object code ---------------------===//
//
// The optimising pipeline vectorises per-element math through glibc's
// libmvec (erf is not in LLVM's own table): the object calls the 8-wide
// variant, and the quick tier's does not.
//
//===----------------------------------------------------------------------===//

#include "NativeCode.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "llvm/Support/TargetSelect.h"

#include <gtest/gtest.h>

namespace {

/// x[i] = erff(x[i]) over 1024 floats, as lowered blocks call libm.
constexpr const char *kErfLoop = R"mlir(
llvm.func @erff(f32) -> f32
llvm.func @block(%data: !llvm.ptr) {
  %zero = llvm.mlir.constant(0 : i64) : i64
  %one = llvm.mlir.constant(1 : i64) : i64
  %count = llvm.mlir.constant(1024 : i64) : i64
  llvm.br ^loop(%zero : i64)
^loop(%i: i64):
  %done = llvm.icmp "sge" %i, %count : i64
  llvm.cond_br %done, ^exit, ^body
^body:
  %address = llvm.getelementptr %data[%i] : (!llvm.ptr, i64) -> !llvm.ptr, f32
  %x = llvm.load %address : !llvm.ptr -> f32
  %y = llvm.call @erff(%x) : (f32) -> f32
  llvm.store %y, %address : f32, !llvm.ptr
  %next = llvm.add %i, %one : i64
  llvm.br ^loop(%next : i64)
^exit:
  llvm.return
}
llvm.func @_mlir_ciface_block(%data: !llvm.ptr) {
  llvm.call @block(%data) : (!llvm.ptr) -> ()
  llvm.return
}
)mlir";

std::string objectAt(unsigned optLevel) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  mlir::DialectRegistry registry;
  registry.insert<mlir::LLVM::LLVMDialect>();
  mlir::registerBuiltinDialectTranslation(registry);
  mlir::registerLLVMDialectTranslation(registry);
  mlir::MLIRContext context(registry);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(kErfLoop, &context);
  EXPECT_TRUE(module);
  if (!module)
    return "";
  llvm::Expected<std::string> object =
      terra::compiler::emitObjectCode(*module, "block", optLevel);
  EXPECT_TRUE(bool(object)) << llvm::toString(object.takeError());
  return object ? *object : "";
}

TEST(ObjectEmitter, OptimisedCodeCallsLibmvecForErf) {
  std::string optimised = objectAt(2);
  EXPECT_NE(optimised.find("_ZGVdN8v_erff"), std::string::npos)
      << "the loop over erff was not vectorised through libmvec";
  std::string quick = objectAt(0);
  EXPECT_EQ(quick.find("_ZGVdN8v_erff"), std::string::npos);
  EXPECT_NE(quick.find("erff"), std::string::npos);
}

} // namespace
