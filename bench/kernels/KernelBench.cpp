//===- KernelBench.cpp - Throughput of compiled kernels vs their baselines ===//
//
// Compiles small terra programs with terra-lower-to-cpu, JIT-compiles them
// with the ExecutionEngine and times them against baselines measured in the
// same run: memcpy bandwidth for elementwise work, OpenBLAS sgemm for
// matmul. Prints one line per measurement and a ratio for each.
//
//===----------------------------------------------------------------------===//

#include "terra/Conversion/Passes.h"
#include "terra/Conversion/Pipelines.h"
#include "terra/TerraDialect.h"
#include "terra/Transforms/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/ExecutionEngine/CRunnerUtils.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

using namespace mlir;

/// Compiled functions return memrefs from libterra_runtime's allocator
/// (terra-lower-to-cpu lowers allocations to its generic functions).
extern "C" void _mlir_memref_to_llvm_free(void *data);

namespace {

/// The best of `repeats` timings of `fn`, in seconds.
double bestTime(int repeats, const std::function<void()> &fn) {
  double best = 1e30;
  for (int i = 0; i < repeats; ++i) {
    auto start = std::chrono::steady_clock::now();
    fn();
    auto stop = std::chrono::steady_clock::now();
    best = std::min(best, std::chrono::duration<double>(stop - start).count());
  }
  return best;
}

/// The best time of a direct OpenBLAS call on all its threads, as a program
/// calling OpenBLAS itself runs it: Terra sets OpenBLAS to the calling
/// thread for the whole process and splits products across its own pool.
double bestBlasTime(int repeats, const std::function<void()> &fn) {
  int saved = openblas_get_num_threads();
  openblas_set_num_threads(
      static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  fn(); // OpenBLAS starts its threads.
  double best = bestTime(repeats, fn);
  openblas_set_num_threads(saved);
  return best;
}

template <int N>
StridedMemRefType<float, N> describe(float *data,
                                     std::array<int64_t, N> sizes) {
  StridedMemRefType<float, N> memref;
  memref.basePtr = memref.data = data;
  memref.offset = 0;
  int64_t stride = 1;
  for (int i = N - 1; i >= 0; --i) {
    memref.sizes[i] = sizes[i];
    memref.strides[i] = stride;
    stride *= sizes[i];
  }
  return memref;
}

/// Parses `source`, lowers it with terra-lower-to-cpu and JIT-compiles it.
std::unique_ptr<ExecutionEngine>
compile(MLIRContext &context, const std::string &source, bool useBlas) {
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(source, &context);
  if (!module) {
    llvm::errs() << "terra-kernel-bench: cannot parse the benchmark program\n";
    std::exit(1);
  }
  PassManager pm(&context);
  terra::CpuPipelineOptions options;
  options.useBlas = useBlas;
  terra::buildTerraLowerToCpuPipeline(pm, options);
  if (failed(pm.run(*module))) {
    llvm::errs() << "terra-kernel-bench: lowering failed\n";
    std::exit(1);
  }
  auto targetMachineBuilder = llvm::orc::JITTargetMachineBuilder::detectHost();
  auto targetMachine = cantFail(targetMachineBuilder->createTargetMachine());
  // The options hold a function_ref: the transformer must outlive create().
  std::function<llvm::Error(llvm::Module *)> optimize =
      makeOptimizingTransformer(/*optLevel=*/3, /*sizeLevel=*/0,
                                targetMachine.get());
  ExecutionEngineOptions engineOptions;
  engineOptions.transformer = optimize;
  // memrefCopy (from tensor.pad, ...) lives in the C runner utilities.
  static const StringRef runtimeLibraries[] = {TERRA_RUNTIME_LIBRARY,
                                               MLIR_C_RUNNER_UTILS_LIBRARY};
  engineOptions.sharedLibPaths = runtimeLibraries;
  auto engine = ExecutionEngine::create(*module, engineOptions);
  if (!engine) {
    llvm::errs() << "terra-kernel-bench: JIT failed: "
                 << llvm::toString(engine.takeError()) << "\n";
    std::exit(1);
  }
  return std::move(*engine);
}

template <typename Fn> Fn lookup(ExecutionEngine &engine, const char *name) {
  auto symbol = engine.lookup(name);
  if (!symbol) {
    llvm::errs() << "terra-kernel-bench: no symbol " << name << "\n";
    std::exit(1);
  }
  return reinterpret_cast<Fn>(*symbol);
}

/// A chain of 5 elementwise ops on `n` floats, written into `out` in place.
void benchElementwiseChain(MLIRContext &context, int64_t n) {
  // Destination-passing style, as compiled blocks are called: the inputs
  // and the output are caller-owned buffers, so nothing is allocated.
  std::string tensor = "tensor<" + std::to_string(n) + "xf32>";
  std::string memref = "memref<" + std::to_string(n) + "xf32>";
  std::string source =
      "func.func @chain(%xm: " + memref + ", %ym: " + memref +
      ", %out: " + memref + ") {\n" +
      "  %x = bufferization.to_tensor %xm restrict : " + memref + " to " +
      tensor + "\n" +
      "  %y = bufferization.to_tensor %ym restrict : " + memref + " to " +
      tensor + "\n" + "  %0 = terra.add %x, %y : " + tensor + "\n" +
      "  %1 = terra.mul %0, %x : " + tensor + "\n" +
      "  %2 = terra.sub %1, %y : " + tensor + "\n" +
      "  %3 = terra.maximum %2, %x : " + tensor + "\n" +
      "  %4 = terra.relu %3 : " + tensor + "\n" +
      "  bufferization.materialize_in_destination %4 in restrict writable "
      "%out : (" +
      tensor + ", " + memref + ") -> ()\n" + "  return\n}\n";
  auto engine = compile(context, source, /*useBlas=*/true);
  using ChainFn =
      void (*)(StridedMemRefType<float, 1> *, StridedMemRefType<float, 1> *,
               StridedMemRefType<float, 1> *);
  auto chain = lookup<ChainFn>(*engine, "_mlir_ciface_chain");

  std::vector<float> x(n), y(n), out(n), copy(n);
  for (int64_t i = 0; i < n; ++i) {
    x[i] = static_cast<float>((i % 1000) - 500) * 0.01f;
    y[i] = static_cast<float>((i % 777) - 300) * 0.02f;
  }
  auto mx = describe<1>(x.data(), {n}), my = describe<1>(y.data(), {n}),
       mout = describe<1>(out.data(), {n});
  auto run = [&] { chain(&mx, &my, &mout); };
  run();
  // Check the numbers before timing them.
  for (int64_t i = 0; i < n; i += 9973) {
    float expected =
        std::max(std::max((x[i] + y[i]) * x[i] - y[i], x[i]), 0.0f);
    if (out[i] != expected) {
      std::fprintf(stderr, "terra-kernel-bench: chain[%ld] = %g, expected %g\n",
                   (long)i, out[i], expected);
      std::exit(1);
    }
  }
  double chainTime = bestTime(10, run);
  double memcpyTime = bestTime(
      10, [&] { std::memcpy(copy.data(), x.data(), n * sizeof(float)); });
  double bytes = static_cast<double>(n) * sizeof(float);
  double chainBandwidth = 3 * bytes / chainTime;   // reads x, y; writes out
  double memcpyBandwidth = 2 * bytes / memcpyTime; // reads and writes once
  std::printf("elementwise chain (5 ops, %ld f32): %.2f ms, %.1f GB/s\n",
              (long)n, chainTime * 1e3, chainBandwidth / 1e9);
  std::printf("memcpy (%ld f32): %.2f ms, %.1f GB/s\n", (long)n,
              memcpyTime * 1e3, memcpyBandwidth / 1e9);
  std::printf("ratio chain/memcpy bandwidth: %.2f\n",
              chainBandwidth / memcpyBandwidth);
}

/// A square f32 matmul of size `n`, compiled with or without the BLAS call.
double benchMatmul(MLIRContext &context, int64_t n, bool useBlas) {
  std::string type =
      "tensor<" + std::to_string(n) + "x" + std::to_string(n) + "xf32>";
  std::string source = "func.func @mm(%a: " + type + ", %b: " + type + ") -> " +
                       type + " {\n  %c = terra.matmul %a, %b : (" + type +
                       ", " + type + ") -> " + type +
                       "\n  return %c : " + type + "\n}\n";
  auto engine = compile(context, source, useBlas);
  using MatmulFn =
      void (*)(StridedMemRefType<float, 2> *, StridedMemRefType<float, 2> *,
               StridedMemRefType<float, 2> *);
  auto matmul = lookup<MatmulFn>(*engine, "_mlir_ciface_mm");
  std::vector<float> a(n * n), b(n * n), reference(n * n);
  for (int64_t i = 0; i < n * n; ++i) {
    a[i] = static_cast<float>(i % 17) * 0.1f;
    b[i] = static_cast<float>(i % 13) * 0.1f - 0.5f;
  }
  auto ma = describe<2>(a.data(), {n, n}), mb = describe<2>(b.data(), {n, n});
  StridedMemRefType<float, 2> result;
  auto run = [&] {
    matmul(&result, &ma, &mb);
    _mlir_memref_to_llvm_free(result.basePtr);
  };
  matmul(&result, &ma, &mb);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f,
              a.data(), n, b.data(), n, 0.0f, reference.data(), n);
  for (int64_t i = 0; i < n * n; i += 997)
    if (std::abs(result.data[i] - reference[i]) >
        1e-3f * std::max(1.0f, std::abs(reference[i]))) {
      std::fprintf(stderr, "terra-kernel-bench: matmul mismatch at %ld\n",
                   (long)i);
      std::exit(1);
    }
  _mlir_memref_to_llvm_free(result.basePtr);
  double time = bestTime(useBlas ? 5 : 2, run);
  return 2.0 * n * n * n / time / 1e9;
}

double benchSgemm(int64_t n) {
  std::vector<float> a(n * n, 0.5f), b(n * n, 0.25f), c(n * n);
  auto run = [&] {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f,
                a.data(), n, b.data(), n, 0.0f, c.data(), n);
  };
  return 2.0 * n * n * n / bestBlasTime(5, run) / 1e9;
}

/// A 3x3 same-padding conv2d (a ResNet stage-2 layer) compiled both ways
/// (im2col + BLAS, and generated loops), against the sgemm an im2col
/// lowering calls (F x C*9 times C*9 x H*W).
void benchConv2d(MLIRContext &context, int64_t channels, int64_t size) {
  std::string c = std::to_string(channels), s = std::to_string(size);
  std::string image = "tensor<1x" + c + "x" + s + "x" + s + "xf32>";
  std::string weight = "tensor<" + c + "x" + c + "x3x3xf32>";
  std::string source = "func.func @conv(%x: " + image + ", %w: " + weight +
                       ") -> " + image + " {\n" +
                       "  %y = terra.conv2d %x, %w stride [1, 1] padding [1, "
                       "1] dilation [1, 1] groups 1 : (" +
                       image + ", " + weight + ") -> " + image +
                       "\n  return %y : " + image + "\n}\n";
  int64_t pixels = size * size, depth = channels * 9;
  std::vector<float> x(channels * pixels), w(channels * depth);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = static_cast<float>(i % 7) * 0.1f;
  for (size_t i = 0; i < w.size(); ++i)
    w[i] = static_cast<float>(i % 5) * 0.1f - 0.2f;
  auto mx = describe<4>(x.data(), {1, channels, size, size});
  auto mw = describe<4>(w.data(), {channels, channels, 3, 3});
  // Times the compiled conv2d and keeps its output, to compare the two
  // lowerings with each other.
  auto timeConv = [&](bool useBlas, std::vector<float> &output) {
    auto engine = compile(context, source, useBlas);
    using ConvFn =
        void (*)(StridedMemRefType<float, 4> *, StridedMemRefType<float, 4> *,
                 StridedMemRefType<float, 4> *);
    auto conv = lookup<ConvFn>(*engine, "_mlir_ciface_conv");
    StridedMemRefType<float, 4> result;
    conv(&result, &mx, &mw);
    output.assign(result.data, result.data + channels * pixels);
    _mlir_memref_to_llvm_free(result.basePtr);
    return bestTime(2, [&] {
      conv(&result, &mx, &mw);
      _mlir_memref_to_llvm_free(result.basePtr);
    });
  };
  std::vector<float> viaMatmul, viaLoops;
  double compiled = timeConv(/*useBlas=*/true, viaMatmul);
  double loops = timeConv(/*useBlas=*/false, viaLoops);
  for (size_t i = 0; i < viaLoops.size(); ++i)
    if (std::abs(viaMatmul[i] - viaLoops[i]) >
        1e-3f * std::max(1.0f, std::abs(viaLoops[i]))) {
      std::fprintf(stderr,
                   "terra-kernel-bench: conv2d lowerings differ at %zu: %g vs "
                   "%g\n",
                   i, viaMatmul[i], viaLoops[i]);
      std::exit(1);
    }
  std::vector<float> columns(depth * pixels, 0.5f), out(channels * pixels);
  double sgemm = bestBlasTime(5, [&] {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, channels, pixels,
                depth, 1.0f, w.data(), depth, columns.data(), pixels, 0.0f,
                out.data(), pixels);
  });
  double flops = 2.0 * channels * depth * pixels;
  std::printf("conv2d 1x%ldx%ldx%ld, %ld 3x3 filters: generated loops "
              "(use-blas=0) %.2f GFLOP/s, im2col + OpenBLAS %.1f GFLOP/s\n",
              (long)channels, (long)size, (long)size, (long)channels,
              flops / loops / 1e9, flops / compiled / 1e9);
  std::printf("its im2col sgemm (%ldx%ldx%ld) on OpenBLAS: %.1f GFLOP/s\n",
              (long)channels, (long)pixels, (long)depth, flops / sgemm / 1e9);
  std::printf("ratio compiled conv2d (im2col)/sgemm: %.2f, loops/sgemm: %.3f\n",
              sgemm / compiled, sgemm / loops);
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  registerAllPasses();
  terra::registerTerraPasses();
  terra::registerTerraConversionPasses();

  DialectRegistry registry;
  registry.insert<terra::TerraDialect>();
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerAllToLLVMIRTranslations(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();

  int64_t elements = argc > 1 ? std::atoll(argv[1]) : 16 * 1024 * 1024;
  benchElementwiseChain(context, elements);

  int64_t size = 1024;
  double compiled = benchMatmul(context, size, /*useBlas=*/true);
  double sgemm = benchSgemm(size);
  std::printf(
      "matmul %ldx%ldx%ld f32, compiled (OpenBLAS call): %.1f GFLOP/s\n",
      (long)size, (long)size, (long)size, compiled);
  std::printf("OpenBLAS sgemm %ld^3 called directly: %.1f GFLOP/s\n",
              (long)size, sgemm);
  std::printf("ratio compiled/sgemm: %.2f\n", compiled / sgemm);
  int64_t loopSize = 256;
  double loops = benchMatmul(context, loopSize, /*useBlas=*/false);
  double blasSmall = benchMatmul(context, loopSize, /*useBlas=*/true);
  std::printf("matmul %ld^3 f32, generated loops (use-blas=0): %.2f GFLOP/s; "
              "with the OpenBLAS call: %.1f GFLOP/s\n",
              (long)loopSize, loops, blasSmall);
  benchConv2d(context, /*channels=*/64, /*size=*/28);
  return 0;
}
