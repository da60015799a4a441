//===- GpuCheck.cpp - A GPU block compiled and run end to end -------------===//

#include "terra/Compiler/GpuCheck.h"

#include "CompilerRegistry.h"
#include "NativeCode.h"

#include "terra/Conversion/Pipelines.h"
#include "terra/Runtime/Cuda.h"
#include "terra/Runtime/Tensor.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace terra {
namespace compiler {

namespace {

constexpr int kRows = 4, kColumns = 64;

// An elementwise kernel, a reduction, and an intermediate buffer (the exp
// before its copy to the output) between them.
constexpr const char *kCheckBlock = R"mlir(
func.func @block(%arg0: memref<4x64xf32>, %arg1: memref<4x64xf32>, %arg2: memref<4xf32>) {
  %x = bufferization.to_tensor %arg0 restrict : memref<4x64xf32> to tensor<4x64xf32>
  %e = terra.exp %x : tensor<4x64xf32>
  %s = terra.sum %e axes [1] : tensor<4x64xf32> -> tensor<4xf32>
  bufferization.materialize_in_destination %e in restrict writable %arg1 : (tensor<4x64xf32>, memref<4x64xf32>) -> ()
  bufferization.materialize_in_destination %s in restrict writable %arg2 : (tensor<4xf32>, memref<4xf32>) -> ()
  return
}
)mlir";

llvm::Error checkError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "GPU check: " + message);
}

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

/// The compute capability of device 0 as the NVVM pipeline names it.
std::string deviceChip(const cuda::DeviceProperties &device) {
  return "sm_" + std::to_string(device.major) + std::to_string(device.minor);
}

/// Parses a block module in `context`.
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
parseBlock(mlir::MLIRContext &context, const std::string &text) {
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(text, &context);
  if (!module)
    return checkError("the block does not parse");
  return std::move(module);
}

/// Lowers a clone of `module` with `build` and links it; `launches`, if
/// given, counts its gpu.launch_func ops.
template <typename Build>
llvm::Expected<std::unique_ptr<LoadedObject>>
lowerAndLink(mlir::ModuleOp module, Build build, int *launches) {
  mlir::OwningOpRef<mlir::ModuleOp> clone = module.clone();
  mlir::PassManager pm(module.getContext());
  build(pm);
  if (mlir::failed(pm.run(*clone)))
    return checkError("the block does not lower");
  if (launches) {
    *launches = 0;
    clone->walk([&](mlir::gpu::LaunchFuncOp) { ++*launches; });
  }
  auto object = emitObjectCode(*clone, "block", 2);
  if (!object)
    return object.takeError();
  return LoadedObject::load(*object);
}

llvm::Expected<std::unique_ptr<LoadedObject>>
lowerForGpuAndLink(mlir::ModuleOp module, const std::string &chip,
                   int *launches) {
  mlir::terra::NvvmPipelineOptions options;
  options.chip = chip;
  return lowerAndLink(
      module,
      [&](mlir::PassManager &pm) {
        mlir::terra::buildTerraLowerToNvvmPipeline(pm, options);
      },
      launches);
}

/// Runs `loaded` on row-major buffers, one per block argument.
void runOnBuffers(LoadedObject &loaded, llvm::ArrayRef<void *> data,
                  llvm::ArrayRef<llvm::SmallVector<int64_t>> shapes) {
  std::vector<std::vector<int64_t>> descriptors;
  std::vector<void *> descriptorPointers, packed;
  for (size_t i = 0; i < data.size(); ++i) {
    descriptors.emplace_back(descriptorWords(shapes[i].size()));
    describeRowMajor(data[i], shapes[i], descriptors.back().data());
  }
  for (auto &words : descriptors)
    descriptorPointers.push_back(words.data());
  for (void *&pointer : descriptorPointers)
    packed.push_back(&pointer);
  loaded.entry()(packed.data());
}

} // namespace

double GpuCheckRun::maxRelativeError() const {
  double worst = 0;
  for (int row = 0; row < kRows; ++row) {
    double sum = 0;
    for (int column = 0; column < kColumns; ++column) {
      double expected = std::exp(double(input[row * kColumns + column]));
      worst = std::max(
          worst, std::abs(exps[row * kColumns + column] - expected) / expected);
      sum += expected;
    }
    worst = std::max(worst, std::abs(sums[row] - sum) / sum);
  }
  return worst;
}

llvm::Expected<GpuCheckRun> runGpuCheck() {
  try {
    GpuCheckRun run;
    cuda::DeviceProperties device = cuda::deviceProperties(0);
    std::string chip = deviceChip(device);
    run.device = device.name + " (" + chip + ")";
    auto start = std::chrono::steady_clock::now();
    mlir::MLIRContext context(compilerRegistry());
    auto module = parseBlock(context, kCheckBlock);
    if (!module)
      return module.takeError();
    auto loaded = lowerForGpuAndLink(**module, chip, &run.kernelLaunches);
    if (!loaded)
      return loaded.takeError();
    run.compileSeconds = secondsSince(start);

    run.input.resize(kRows * kColumns);
    for (size_t i = 0; i < run.input.size(); ++i)
      run.input[i] = std::sin(0.1f * float(i));
    size_t bytes = run.input.size() * sizeof(float);
    void *x = cuda::allocate(0, bytes);
    void *e = cuda::allocate(0, bytes);
    void *s = cuda::allocate(0, kRows * sizeof(float));
    cuda::copyToDevice(0, x, run.input.data(), bytes);

    size_t allocatedBefore = cuda::memoryStats(0).allocated;
    start = std::chrono::steady_clock::now();
    runOnBuffers(**loaded, {x, e, s},
                 {{kRows, kColumns}, {kRows, kColumns}, {kRows}});
    cuda::synchronize(0);
    run.runSeconds = secondsSince(start);
    run.leakedBytes =
        (long long)cuda::memoryStats(0).allocated - (long long)allocatedBefore;
    std::string error = cuda::takeHostCodeError();
    if (!error.empty())
      return checkError(error);

    run.exps.resize(run.input.size());
    run.sums.resize(kRows);
    cuda::copyToHost(0, run.exps.data(), e, bytes);
    cuda::copyToHost(0, run.sums.data(), s, kRows * sizeof(float));
    cuda::release(0, x);
    cuda::release(0, e);
    cuda::release(0, s);
    return run;
  } catch (const Error &error) {
    return checkError(error.what());
  }
}

namespace {

/// One argument of a compared block: its memref type and host copy.
struct BlockArgument {
  mlir::MemRefType type;
  bool input = false;
  std::vector<char> host;
  size_t bytes() const { return host.size(); }
};

size_t elementBytes(mlir::Type type) {
  return type.isInteger(1) ? 1 : type.getIntOrFloatBitWidth() / 8;
}

/// The largest difference of two buffers of `type` elements, relative to
/// magnitudes above 1 and absolute below (sums that cancel to near zero
/// differ by rounding), NaNs equal to NaNs and integers compared exactly.
double maxDifference(mlir::Type type, const std::vector<char> &a,
                     const std::vector<char> &b) {
  auto relative = [](double x, double y) {
    if (std::isnan(x) && std::isnan(y))
      return 0.0;
    if (x == y)
      return 0.0;
    return std::abs(x - y) / std::max({std::abs(x), std::abs(y), 1.0});
  };
  double worst = 0;
  if (type.isF32()) {
    auto *x = reinterpret_cast<const float *>(a.data());
    auto *y = reinterpret_cast<const float *>(b.data());
    for (size_t i = 0; i < a.size() / 4; ++i)
      worst = std::max(worst, relative(x[i], y[i]));
  } else if (type.isF64()) {
    auto *x = reinterpret_cast<const double *>(a.data());
    auto *y = reinterpret_cast<const double *>(b.data());
    for (size_t i = 0; i < a.size() / 8; ++i)
      worst = std::max(worst, relative(x[i], y[i]));
  } else if (a != b) {
    worst = 1;
  }
  return worst;
}

} // namespace

llvm::Expected<BlockComparison>
compareBlockOnGpu(const std::string &terraModule) {
  try {
    BlockComparison result;
    mlir::MLIRContext context(compilerRegistry());
    auto parsed = parseBlock(context, terraModule);
    if (!parsed)
      return parsed.takeError();
    mlir::ModuleOp module = **parsed;
    auto function = module.lookupSymbol<mlir::func::FuncOp>("block");
    if (!function)
      return checkError("the module has no func.func @block");

    std::vector<BlockArgument> arguments;
    uint64_t seed = 12345;
    for (mlir::BlockArgument argument : function.getArguments()) {
      auto type = mlir::dyn_cast<mlir::MemRefType>(argument.getType());
      if (!type || !type.hasStaticShape()) {
        result.skipped = "dynamic sizes";
        return result;
      }
      mlir::Type element = type.getElementType();
      if (!element.isF32() && !element.isF64() && !element.isInteger(64) &&
          !element.isInteger(32) && !element.isInteger(1)) {
        result.skipped = "an argument of element type other than f32, f64, "
                         "i64, i32 or i1";
        return result;
      }
      BlockArgument block;
      block.type = type;
      block.input =
          llvm::any_of(argument.getUsers(), [](mlir::Operation *user) {
            return mlir::isa<mlir::bufferization::ToTensorOp>(user);
          });
      block.host.assign(type.getNumElements() * elementBytes(element), 0);
      if (block.input && (element.isF32() || element.isF64()))
        for (int64_t i = 0; i < type.getNumElements(); ++i) {
          seed = seed * 6364136223846793005ull + 1442695040888963407ull;
          double value = double(seed >> 11) / double(1ull << 53) * 2 - 1;
          if (element.isF32())
            reinterpret_cast<float *>(block.host.data())[i] = float(value);
          else
            reinterpret_cast<double *>(block.host.data())[i] = value;
        }
      (block.input ? result.inputs : result.outputs) += 1;
      arguments.push_back(std::move(block));
    }

    std::vector<llvm::SmallVector<int64_t>> shapes;
    for (const BlockArgument &argument : arguments)
      shapes.emplace_back(argument.type.getShape());

    // On the CPU, in place.
    std::vector<BlockArgument> onCpu = arguments;
    std::vector<void *> cpuData;
    for (BlockArgument &argument : onCpu)
      cpuData.push_back(argument.host.data());
    auto onCpuCode = lowerAndLink(
        module,
        [](mlir::PassManager &pm) {
          mlir::terra::buildTerraLowerToCpuPipeline(pm, {});
        },
        nullptr);
    if (!onCpuCode)
      return onCpuCode.takeError();
    runOnBuffers(**onCpuCode, cpuData, shapes);

    // On device 0, through device copies of every argument.
    std::vector<void *> deviceData;
    for (const BlockArgument &argument : arguments) {
      deviceData.push_back(cuda::allocate(0, argument.bytes()));
      cuda::copyToDevice(0, deviceData.back(), argument.host.data(),
                         argument.bytes());
    }
    auto runOnGpu = [&]() -> llvm::Error {
      auto code =
          lowerForGpuAndLink(module, deviceChip(cuda::deviceProperties(0)),
                             &result.kernelLaunches);
      if (!code)
        return code.takeError();
      runOnBuffers(**code, deviceData, shapes);
      cuda::synchronize(0);
      std::string error = cuda::takeHostCodeError();
      return error.empty() ? llvm::Error::success() : checkError(error);
    };
    llvm::Error gpuError = runOnGpu();
    for (size_t i = 0; i < arguments.size(); ++i) {
      if (!gpuError && !arguments[i].input) {
        std::vector<char> fromGpu(arguments[i].bytes());
        cuda::copyToHost(0, fromGpu.data(), deviceData[i], fromGpu.size());
        result.maxRelativeError =
            std::max(result.maxRelativeError,
                     maxDifference(arguments[i].type.getElementType(),
                                   onCpu[i].host, fromGpu));
      }
      cuda::release(0, deviceData[i]);
    }
    if (gpuError)
      return std::move(gpuError);
    result.compared = true;
    return result;
  } catch (const Error &error) {
    return checkError(error.what());
  }
}

} // namespace compiler
} // namespace terra
