//===- ObjectEmitter.cpp - Lowered blocks to relocatable object code ------===//

#include "NativeCode.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

namespace terra {
namespace compiler {

namespace {

llvm::Error emitError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// The host's description; position-independent, so the linker can place
/// the code anywhere and reach the runtime's functions through the GOT.
/// `optimise`: the code generator's full optimisation (instruction
/// scheduling, the greedy register allocator), else its fast path, for
/// the quick tier.
llvm::Expected<llvm::orc::JITTargetMachineBuilder>
hostMachineBuilder(bool optimise = true) {
  auto builder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!builder)
    return builder.takeError();
  builder->setRelocationModel(llvm::Reloc::PIC_);
  builder->setCodeModel(llvm::CodeModel::Small);
  builder->setCodeGenOptLevel(optimise ? llvm::CodeGenOptLevel::Aggressive
                                       : llvm::CodeGenOptLevel::None);
  return builder;
}

/// Adds `void terra_block_packed(void **arguments)`, which loads each
/// argument of `target` from its slot and calls it: one entry whatever the
/// block's arity (the ExecutionEngine's packed convention).
llvm::Error addPackedEntry(llvm::Module &module, llvm::StringRef target) {
  llvm::Function *callee = module.getFunction(target);
  if (!callee)
    return emitError("the lowered block has no function " + target);
  if (!callee->getReturnType()->isVoidTy())
    return emitError(target + " returns a value: block outputs are "
                              "written to their arguments");
  llvm::LLVMContext &context = module.getContext();
  auto *pointerType = llvm::PointerType::getUnqual(context);
  auto *entryType = llvm::FunctionType::get(llvm::Type::getVoidTy(context),
                                            {pointerType}, false);
  auto *entry = llvm::Function::Create(
      entryType, llvm::GlobalValue::ExternalLinkage, kPackedEntryName, module);
  llvm::IRBuilder<> builder(llvm::BasicBlock::Create(context, "entry", entry));
  llvm::SmallVector<llvm::Value *> arguments;
  for (llvm::Argument &parameter : callee->args()) {
    llvm::Value *slot = builder.CreateConstGEP1_64(
        pointerType, entry->getArg(0), parameter.getArgNo());
    llvm::Value *address = builder.CreateLoad(pointerType, slot);
    arguments.push_back(builder.CreateLoad(parameter.getType(), address));
  }
  builder.CreateCall(callee, arguments);
  builder.CreateRetVoid();
  return llvm::Error::success();
}

} // namespace

std::string hostTargetIdentity() {
  std::string identity = "LLVM " LLVM_VERSION_STRING;
  auto builder = hostMachineBuilder();
  if (!builder) {
    llvm::consumeError(builder.takeError());
    return identity + " (host unknown)";
  }
  identity += " " + builder->getTargetTriple().str() + " " + builder->getCPU() +
              " " + builder->getFeatures().getString();
  return identity;
}

llvm::Expected<std::string> emitObjectCode(mlir::ModuleOp module,
                                           const std::string &function,
                                           unsigned optLevel) {
  auto builder = hostMachineBuilder(optLevel > 0);
  if (!builder)
    return builder.takeError();
  auto targetMachine = builder->createTargetMachine();
  if (!targetMachine)
    return targetMachine.takeError();
  llvm::TargetMachine &machine = **targetMachine;

  llvm::LLVMContext context;
  std::unique_ptr<llvm::Module> llvmModule =
      mlir::translateModuleToLLVMIR(module, context, "terra_block");
  if (!llvmModule)
    return emitError("the lowered block does not translate to LLVM IR");
  llvmModule->setDataLayout(machine.createDataLayout());
  llvmModule->setTargetTriple(machine.getTargetTriple());
  if (auto error = addPackedEntry(*llvmModule, "_mlir_ciface_" + function))
    return std::move(error);
  if (auto error = mlir::makeOptimizingTransformer(optLevel, /*sizeLevel=*/0,
                                                   &machine)(llvmModule.get()))
    return std::move(error);

  llvm::SmallVector<char, 0> object;
  llvm::raw_svector_ostream os(object);
  llvm::legacy::PassManager codegen;
  if (machine.addPassesToEmitFile(codegen, os, nullptr,
                                  llvm::CodeGenFileType::ObjectFile))
    return emitError("the host target cannot emit object files");
  codegen.run(*llvmModule);
  return std::string(object.begin(), object.end());
}

} // namespace compiler
} // namespace terra
