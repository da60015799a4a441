//===- CompiledBlock.cpp - Lowering and JIT compilation of a block --------===//
//
// BlockSpec -> terra dialect (BlockToMLIR) -> terra-lower-to-cpu -> LLVM IR
// -> object code (ObjectEmitter) -> linked into the process (ObjectLoader).
// With a disk cache, the object code is looked up by a hash of the terra
// module first, and saved after emission. Every block compiles in its own
// MLIRContext, so blocks can compile on any thread, and the context goes
// away once the object code is linked.
//
//===----------------------------------------------------------------------===//

#include "terra/Compiler/BlockCompiler.h"

#include "BlockToMLIR.h"
#include "CompilerRegistry.h"
#include "NativeCode.h"

#include "terra/Compiler/DiskCache.h"

#include "terra/Conversion/Pipelines.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassInstrumentation.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <dlfcn.h>
#include <optional>
#include <sys/stat.h>

using namespace mlir;

namespace terra {
namespace compiler {

char UnsupportedOpError::ID = 0;

void UnsupportedOpError::log(llvm::raw_ostream &os) const {
  os << "unsupported op '" << opName << "'";
  if (opIndex >= 0)
    os << " (op #" << opIndex << ")";
  os << ": " << reason;
}

std::error_code UnsupportedOpError::convertToErrorCode() const {
  return llvm::inconvertibleErrorCode();
}

const DialectRegistry &compilerRegistry() {
  static DialectRegistry *instance = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    mlir::terra::registerPipelinePasses();
    auto *dialects = new DialectRegistry();
    mlir::terra::registerPipelineDialects(*dialects);
    return dialects;
  }();
  return *instance;
}

namespace {

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

llvm::Error compileError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// Writes `module` to `<dir>/<name>.<stage>.mlir`.
llvm::Error dumpModule(const CompileOptions &options, const char *stage,
                       Operation *module) {
  if (options.dumpDir.empty())
    return llvm::Error::success();
  if (std::error_code error =
          llvm::sys::fs::create_directories(options.dumpDir))
    return compileError("cannot create " + options.dumpDir + ": " +
                        error.message());
  llvm::SmallString<256> path(options.dumpDir);
  llvm::sys::path::append(path, options.name + "." + stage + ".mlir");
  std::error_code error;
  llvm::raw_fd_ostream file(path, error, llvm::sys::fs::OF_Text);
  if (error)
    return compileError("cannot write " + path + ": " + error.message());
  module->print(file);
  file << "\n";
  return llvm::Error::success();
}

/// Dumps the module once elementwise fusion has run: the last stage that is
/// still on tensors, where the fused kernels are easiest to read.
class DumpAfterFusion : public PassInstrumentation {
public:
  DumpAfterFusion(const CompileOptions &options, llvm::Error &error)
      : options(options), error(error) {}

  void runAfterPass(Pass *pass, Operation *op) override {
    if (pass->getArgument() != "terra-fuse-elementwise")
      return;
    Operation *module = op->getParentOfType<ModuleOp>();
    if (!module)
      module = op;
    if (auto failure = dumpModule(options, "1-fused", module))
      error = llvm::joinErrors(std::move(error), std::move(failure));
  }

private:
  const CompileOptions &options;
  llvm::Error &error;
};

/// The cache key: a SHA-256 over everything the machine code depends on.
std::string cacheKey(const CompileOptions &options, Operation *module) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << cacheIdentity() << "\nopt " << options.optLevel << " blas "
     << options.useBlas << "\n";
  module->print(os);
  return llvm::toHex(llvm::SHA256::hash(llvm::arrayRefFromStringRef(text)),
                     /*LowerCase=*/true);
}

} // namespace

const std::string &cacheIdentity() {
  static const std::string identity = [] {
    std::string build = "terra " TERRA_VERSION;
    // The compiler's own binary: a rebuild with a changed lowering must not
    // load the code the previous build emitted under the same version.
    Dl_info info;
    struct stat status;
    if (dladdr(reinterpret_cast<void *>(&cacheKey), &info) && info.dli_fname &&
        stat(info.dli_fname, &status) == 0)
      build += " build " + std::to_string(status.st_size) + "-" +
               std::to_string(status.st_mtime);
    return build + ", " + hostTargetIdentity();
  }();
  return identity;
}

CompiledBlock::~CompiledBlock() = default;

llvm::Expected<std::unique_ptr<CompiledBlock>>
CompiledBlock::compile(const BlockSpec &spec, const CompileOptions &options) {
  return build(spec, options, /*cachedOnly=*/false);
}

llvm::Expected<std::unique_ptr<CompiledBlock>>
CompiledBlock::loadCached(const BlockSpec &spec,
                          const CompileOptions &options) {
  if (!options.diskCache)
    return nullptr;
  return build(spec, options, /*cachedOnly=*/true);
}

llvm::Expected<std::unique_ptr<CompiledBlock>>
CompiledBlock::build(const BlockSpec &spec, const CompileOptions &options,
                     bool cachedOnly) {
  auto start = std::chrono::steady_clock::now();
  // Threads would only add start-up cost: one small function per module.
  MLIRContext context(compilerRegistry(), MLIRContext::Threading::DISABLED);
  std::string diagnostics;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diagnostic) {
    llvm::raw_string_ostream os(diagnostics);
    os << diagnostic.getLocation() << ": " << diagnostic << "\n";
    for (const Diagnostic &note : diagnostic.getNotes())
      os << "  note: " << note << "\n";
    return success();
  });

  std::unique_ptr<CompiledBlock> block(new CompiledBlock());
  block->inputTypes_ = spec.inputs;
  block->sizeArguments_ = sizeArguments(spec);
  auto module = buildBlockModule(context, spec);
  if (!module)
    return module.takeError();
  for (const ValueId &output : spec.outputs)
    block->outputTypes_.push_back(spec.typeOf(output));
  std::string key;
  std::optional<std::string> object;
  if (options.diskCache) {
    key = cacheKey(options, module->get());
    object = options.diskCache->load(key);
  }
  if (!object && cachedOnly)
    return nullptr;
  if (auto error = dumpModule(options, "0-terra", module->get()))
    return std::move(error);
  block->stats_.buildSeconds = secondsSince(start);
  block->stats_.fromDiskCache = object.has_value();

  if (!object) {
    start = std::chrono::steady_clock::now();
    PassManager pm(&context);
    llvm::Error dumpError = llvm::Error::success();
    if (!options.dumpDir.empty())
      pm.addInstrumentation(
          std::make_unique<DumpAfterFusion>(options, dumpError));
    mlir::terra::CpuPipelineOptions pipelineOptions;
    pipelineOptions.useBlas = options.useBlas;
    mlir::terra::buildTerraLowerToCpuPipeline(pm, pipelineOptions);
    LogicalResult lowered = pm.run(module->get());
    if (dumpError)
      return std::move(dumpError);
    if (failed(lowered))
      return compileError("terra-lower-to-cpu failed on the block:\n" +
                          diagnostics);
    if (auto error = dumpModule(options, "2-llvm", module->get()))
      return std::move(error);
    block->stats_.lowerSeconds = secondsSince(start);

    start = std::chrono::steady_clock::now();
    auto emitted =
        emitObjectCode(module->get(), kBlockFunctionName, options.optLevel);
    if (!emitted)
      return emitted.takeError();
    object = std::move(*emitted);
    if (options.diskCache)
      options.diskCache->store(key, *object);
  } else {
    start = std::chrono::steady_clock::now();
  }
  auto code = LoadedObject::load(*object);
  if (!code)
    return code.takeError();
  block->code_ = std::move(*code);
  block->entry_ = block->code_->entry();
  block->stats_.jitSeconds = secondsSince(start);
  return std::move(block);
}

} // namespace compiler
} // namespace terra
