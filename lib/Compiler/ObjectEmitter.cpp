//===- ObjectEmitter.cpp - Lowered blocks to relocatable object code ------===//

#include "NativeCode.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Analysis/TargetLibraryInfo.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
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
/// The code generator optimises fully at both tiers: the quick tier's code
/// runs until the optimised code is ready (seconds for a training step's
/// block), and its fast path saved no measurable compile time.
llvm::Expected<llvm::orc::JITTargetMachineBuilder> hostMachineBuilder() {
  auto builder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!builder)
    return builder.takeError();
  builder->setRelocationModel(llvm::Reloc::PIC_);
  builder->setCodeModel(llvm::CodeModel::Small);
  builder->setCodeGenOptLevel(llvm::CodeGenOptLevel::Aggressive);
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

/// Replaces the global array `arrayName` (llvm.global_ctors or
/// llvm.global_dtors) with a function `functionName` that calls its entries
/// by priority (reversed for destructors).
void moveToFunction(llvm::Module &module, llvm::StringRef arrayName,
                    llvm::StringRef functionName, bool reversed) {
  llvm::GlobalVariable *array = module.getGlobalVariable(arrayName);
  if (!array)
    return;
  llvm::SmallVector<std::pair<uint64_t, llvm::Function *>> entries;
  if (auto *elements =
          llvm::dyn_cast_or_null<llvm::ConstantArray>(array->getInitializer()))
    for (llvm::Value *element : elements->operands()) {
      auto *entry = llvm::cast<llvm::ConstantStruct>(element);
      auto *priority = llvm::cast<llvm::ConstantInt>(entry->getOperand(0));
      if (auto *function = llvm::dyn_cast<llvm::Function>(entry->getOperand(1)))
        entries.emplace_back(priority->getZExtValue(), function);
    }
  array->eraseFromParent();
  llvm::stable_sort(
      entries, [](const auto &a, const auto &b) { return a.first < b.first; });
  if (reversed)
    std::reverse(entries.begin(), entries.end());
  llvm::LLVMContext &context = module.getContext();
  auto *function = llvm::Function::Create(
      llvm::FunctionType::get(llvm::Type::getVoidTy(context), false),
      llvm::GlobalValue::ExternalLinkage, functionName, module);
  llvm::IRBuilder<> builder(
      llvm::BasicBlock::Create(context, "entry", function));
  for (auto &[priority, callee] : entries)
    builder.CreateCall(callee);
  builder.CreateRetVoid();
}

/// The math functions lowered blocks call (convert-math-to-libm), f64 and
/// f32 names.
bool isMathFunction(llvm::StringRef name) {
  static const llvm::StringSet<> names = {
      "acos",  "acosh", "asin", "asinh", "atan", "atan2", "atanh", "cbrt",
      "cos",   "cosh",  "erf",  "erfc",  "exp",  "exp2",  "expm1", "log",
      "log10", "log1p", "log2", "pow",   "sin",  "sinh",  "tan",   "tanh"};
  return names.contains(name) ||
         (name.ends_with("f") && names.contains(name.drop_back()));
}

/// glibc's vector math library (libmvec, AVX2 variants) for the loop
/// vectoriser: the functions LLVM's own LIBMVEC table has (exp, log, pow,
/// sin, cos, tan) and those it lacks that transformer blocks call per
/// element (erf for GELU, tanh).
std::unique_ptr<llvm::TargetLibraryInfoImpl>
vectorMathLibrary(const llvm::Triple &triple) {
  auto library = std::make_unique<llvm::TargetLibraryInfoImpl>(
      triple, llvm::VectorLibrary::LIBMVEC);
  auto fixed = [](unsigned lanes) {
    return llvm::ElementCount::getFixed(lanes);
  };
  library->addVectorizableFunctions({
      {"erff", "_ZGVdN8v_erff", fixed(8), false, "_ZGV_LLVM_N8v", std::nullopt},
      {"erf", "_ZGVdN4v_erf", fixed(4), false, "_ZGV_LLVM_N4v", std::nullopt},
      {"tanhf", "_ZGVdN8v_tanhf", fixed(8), false, "_ZGV_LLVM_N8v",
       std::nullopt},
      {"tanh", "_ZGVdN4v_tanh", fixed(4), false, "_ZGV_LLVM_N4v", std::nullopt},
  });
  return library;
}

/// LLVM's default pipeline at `optLevel` (as mlir::makeOptimizingTransformer
/// builds it), with libmvec for the vectoriser. Math functions are marked
/// as touching no memory first: blocks never read errno (the eager kernels
/// are built with -fno-math-errno too), and a call that may write errno is
/// not vectorised.
void optimize(llvm::Module &module, unsigned optLevel,
              llvm::TargetMachine &machine) {
  for (llvm::Function &function : module)
    if (function.isDeclaration() && isMathFunction(function.getName())) {
      function.setDoesNotAccessMemory();
      function.setDoesNotThrow();
      function.setWillReturn();
    }
  llvm::LoopAnalysisManager loops;
  llvm::FunctionAnalysisManager functions;
  llvm::CGSCCAnalysisManager sccs;
  llvm::ModuleAnalysisManager modules;
  llvm::PipelineTuningOptions tuning;
  tuning.LoopUnrolling = optLevel > 0;
  tuning.LoopInterleaving = optLevel > 0;
  tuning.LoopVectorization = optLevel > 1;
  tuning.SLPVectorization = optLevel > 1;
  llvm::PassBuilder builder(&machine, tuning);
  std::unique_ptr<llvm::TargetLibraryInfoImpl> library =
      vectorMathLibrary(machine.getTargetTriple());
  functions.registerPass([&] { return llvm::TargetLibraryAnalysis(*library); });
  builder.registerModuleAnalyses(modules);
  builder.registerCGSCCAnalyses(sccs);
  builder.registerFunctionAnalyses(functions);
  builder.registerLoopAnalyses(loops);
  builder.crossRegisterProxies(loops, functions, sccs, modules);
  static const llvm::OptimizationLevel levels[] = {
      llvm::OptimizationLevel::O0, llvm::OptimizationLevel::O1,
      llvm::OptimizationLevel::O2, llvm::OptimizationLevel::O3};
  llvm::OptimizationLevel level = levels[std::min(optLevel, 3u)];
  llvm::ModulePassManager pipeline =
      optLevel == 0 ? builder.buildO0DefaultPipeline(level)
                    : builder.buildPerModuleDefaultPipeline(level);
  pipeline.run(module, modules);
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
  auto builder = hostMachineBuilder();
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
  moveToFunction(*llvmModule, "llvm.global_ctors", kInitializeName, false);
  moveToFunction(*llvmModule, "llvm.global_dtors", kFinalizeName, true);
  optimize(*llvmModule, optLevel, machine);

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
