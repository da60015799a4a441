//===- CoExecutorTest.cpp - Co-execution gives the eager values -----------===//
//
// A loop of eager ops at fixed "lines" (LineSites) runs once without an
// observer and once under a CoExecutor that compiles its hot block and
// defers its ops to the runner. Every value Python keeps must be the eager
// one: compiled passes, a divergence in the middle of a block with lazy
// tensors alive, results held across passes, variables written in place.
//
//===----------------------------------------------------------------------===//

#include "terra/CoExecution/CoExecutor.h"
#include "terra/Runtime/Ops.h"

#include "../Trace/LineSites.h"

#include <atomic>
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

using namespace terra;
using terra::trace::testing::LineSites;

namespace {

Tensor filled(const Shape &shape, float start) {
  Tensor tensor = Tensor::empty(shape, DType::Float32);
  for (int64_t i = 0; i < tensor.numel(); ++i)
    tensor.data<float>()[i] = start + 0.01f * float(i % 17);
  return tensor;
}

/// One iteration: returns d; `w` is updated in place (a variable). With
/// `other`, line 3 takes another op (a new path in the middle of the
/// block).
Tensor iteration(LineSites &sites, const Tensor &x, Tensor &w, bool other,
                 std::vector<Tensor> *kept = nullptr) {
  using ops::BinaryOp;
  using ops::UnaryOp;
  sites.line = 1;
  Tensor a = ops::binary(BinaryOp::Add, x, w);
  sites.line = 2;
  Tensor b = ops::binary(BinaryOp::Mul, a, x);
  sites.line = 3;
  Tensor c = ops::unary(other ? UnaryOp::Sigmoid : UnaryOp::Tanh, b);
  sites.line = 4;
  Tensor d = ops::binary(BinaryOp::Sub, c, w);
  sites.line = 5;
  Tensor step =
      ops::binary(BinaryOp::Mul, d, Tensor::full({}, DType::Float32, 0.01));
  sites.line = 6;
  ops::binaryInPlace(BinaryOp::Sub, w, step);
  if (kept) {
    kept->push_back(a);
    kept->push_back(b);
  }
  return d;
}

struct LoopValues {
  std::vector<Tensor> outputs;
  std::vector<Tensor> kept;
  Tensor x, w;
};

/// The loop; iteration `divergeAt` takes the other path.
LoopValues loop(int iterations, int divergeAt, LineSites &sites) {
  LoopValues run;
  run.x = filled({4, 8}, 0.5f);
  run.w = filled({4, 8}, -0.2f);
  for (int i = 0; i < iterations; ++i)
    run.outputs.push_back(iteration(sites, run.x, run.w, i == divergeAt,
                                    i == divergeAt ? &run.kept : nullptr));
  return run;
}

void expectClose(const Tensor &expected, const Tensor &actual) {
  ASSERT_EQ(expected.shape(), actual.shape());
  for (int64_t i = 0; i < expected.numel(); ++i)
    ASSERT_NEAR(expected.elementAsDouble(i), actual.elementAsDouble(i),
                1e-5 * (1 + std::fabs(expected.elementAsDouble(i))))
        << "element " << i;
}

coexec::Options testOptions() {
  coexec::Options options;
  options.checkInterval = 6;
  options.waitForCompile = true;
  // Compiled passes throughout, whichever form measures faster here.
  options.timePasses = false;
  return options;
}

class CoExecution : public ::testing::Test {
protected:
  void TearDown() override {
    recording::setObserver(nullptr);
    Storage::setPendingResolver(nullptr);
  }
};

TEST_F(CoExecution, CompiledPassesGiveTheEagerValues) {
  LineSites sites;
  LoopValues eager = loop(40, -1, sites);

  coexec::CoExecutor executor(sites, testOptions());
  executor.install();
  LoopValues coexecuted = loop(40, -1, sites);
  coexec::Stats stats = executor.stats();
  EXPECT_GT(stats.passesCompiled, 20u);
  EXPECT_GT(stats.opsDeferred, 100u);
  // Reading a lazy tensor waits for the runner.
  for (size_t i = 0; i < eager.outputs.size(); ++i)
    expectClose(eager.outputs[i], coexecuted.outputs[i]);
  expectClose(eager.w, coexecuted.w);
  executor.finish();
}

TEST_F(CoExecution, TimedPassesTryBothFormsAndGiveTheEagerValues) {
  LineSites sites;
  LoopValues eager = loop(40, -1, sites);

  coexec::Options options = testOptions();
  options.timePasses = true;
  coexec::CoExecutor executor(sites, options);
  executor.install();
  LoopValues coexecuted = loop(40, -1, sites);
  coexec::Stats stats = executor.stats();
  // The final code runs three times, then the eager kernels as often on
  // the runner; then the faster of the two, which depends on the machine
  // (the eager kernels run by Python itself, six ops an iteration).
  EXPECT_GE(stats.passesCompiled, 3u);
  EXPECT_GE(stats.passesEagerFaster, 3u);
  EXPECT_GT(stats.passesCompiled + stats.passesEagerFaster +
                stats.opsValidatedEager / 6,
            20u);
  EXPECT_GE(stats.opsDeferredEager, 3 * 6u);
  for (size_t i = 0; i < eager.outputs.size(); ++i)
    expectClose(eager.outputs[i], coexecuted.outputs[i]);
  expectClose(eager.w, coexecuted.w);
  executor.finish();
}

TEST_F(CoExecution, DivergenceInTheMiddleOfABlockReplaysThePrefix) {
  LineSites sites;
  LoopValues eager = loop(40, 30, sites);

  coexec::CoExecutor executor(sites, testOptions());
  executor.install();
  LoopValues coexecuted = loop(40, 30, sites);
  coexec::Stats stats = executor.stats();
  EXPECT_GE(stats.divergences, 1u);
  EXPECT_GE(stats.prefixesReplayed, 1u);
  EXPECT_GT(stats.passesCompiled, 10u);
  ASSERT_EQ(coexecuted.kept.size(), 2u);
  // a and b were lazy when line 3 diverged: the replay gave them values.
  expectClose(eager.kept[0], coexecuted.kept[0]);
  expectClose(eager.kept[1], coexecuted.kept[1]);
  for (size_t i = 0; i < eager.outputs.size(); ++i)
    expectClose(eager.outputs[i], coexecuted.outputs[i]);
  expectClose(eager.w, coexecuted.w);
  executor.finish();
}

TEST_F(CoExecution, RunnerErrorsSurfaceWhenAValueIsRead) {
  LineSites sites;
  coexec::Options options = testOptions();
  // Counted on the runner thread, read on this one.
  std::atomic<int> passes{0};
  options.beforeRunnerPass = [&passes] {
    if (++passes == 5)
      throwError(Error::Kind::Memory, "out of memory (injected)");
  };
  coexec::CoExecutor executor(sites, options);
  executor.install();
  LoopValues coexecuted = loop(30, -1, sites);
  ASSERT_GE(passes.load(), 1);
  try {
    for (const Tensor &output : coexecuted.outputs)
      (void)output.elementAsDouble(0);
    FAIL() << "the runner's error was not reported";
  } catch (const Error &error) {
    EXPECT_EQ(error.kind(), Error::Kind::Memory);
    EXPECT_NE(std::string(error.what()).find("injected"), std::string::npos);
  }
  // The failed pass and those skipped after it released their inputs: a
  // value made before them reads as before (Python may be in the middle of
  // a block that read failed values: reading x ends it).
  EXPECT_NEAR(coexecuted.x.elementAsDouble(1), 0.51, 1e-6);
  EXPECT_FALSE(executor.midBlock());
  // Values that depended on the failed pass are errors, not garbage.
  EXPECT_THROW((void)coexecuted.outputs.back().elementAsDouble(0), Error);
  executor.finish();
}

} // namespace
