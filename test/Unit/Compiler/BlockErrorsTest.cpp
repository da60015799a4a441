//===- BlockErrorsTest.cpp - Unsupported ops, bad specs, cache, dumps -----===//

#include "BlockTestUtils.h"

#include "terra/Runtime/Ops.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace terra;
using namespace terra::testing;
using compiler::Attribute;
using compiler::BlockCache;
using compiler::CompiledBlock;
using compiler::UnsupportedOpError;

namespace {

/// The error of compiling `spec`, which must fail; `unsupported` tells
/// whether it was an UnsupportedOpError.
std::string compileError(const BlockSpec &spec, bool &unsupported) {
  auto block = CompiledBlock::compile(spec);
  EXPECT_FALSE(bool(block)) << "compilation should fail";
  if (block)
    return "";
  unsupported = false;
  std::string message;
  llvm::handleAllErrors(
      block.takeError(),
      [&](const UnsupportedOpError &error) {
        unsupported = true;
        message = error.message();
      },
      [&](const llvm::ErrorInfoBase &error) { message = error.message(); });
  return message;
}

TEST(BlockErrors, UnsupportedOpsAreNamed) {
  Tracer t;
  Traced x = t.input(sample({3}));
  Traced y = t.op("exp", {x}, {}, ops::unary(ops::UnaryOp::Exp, *x));
  t.output(t.op("sin", {y}, {}, ops::unary(ops::UnaryOp::Sin, *y)));
  bool unsupported = false;
  std::string message = compileError(t.spec, unsupported);
  EXPECT_TRUE(unsupported);
  EXPECT_NE(message.find("'sin'"), std::string::npos) << message;
  EXPECT_NE(message.find("op #1"), std::string::npos) << message;

  Tracer masked;
  Traced a = masked.input(sample({4}));
  Traced m = masked.input(sample({4}, DType::Bool));
  masked.output(
      masked.op("masked_select", {a, m}, {}, ops::maskedSelect(*a, *m)));
  message = compileError(masked.spec, unsupported);
  EXPECT_TRUE(unsupported);
  EXPECT_NE(message.find("masked_select"), std::string::npos) << message;

  Tracer unknown;
  Traced u = unknown.input(sample({2}));
  unknown.output(unknown.op("frobnicate", {u}, {}, *u));
  message = compileError(unknown.spec, unsupported);
  EXPECT_TRUE(unsupported);
  EXPECT_NE(message.find("frobnicate"), std::string::npos) << message;

  // max_pool2d_grad of indices from outside the block: the dialect's op
  // recomputes them from the pooling input, which the block does not have.
  Tracer pool;
  ops::Pool2dParams params{2, 2, 2, 2};
  auto [values, indices] = ops::maxPool2d(sample({1, 1, 4, 4}), params);
  Traced grad = pool.input(values);
  Traced where = pool.input(indices);
  pool.output(
      pool.op("max_pool2d_grad", {grad, where},
              {{"input_shape", Attribute(std::vector<int64_t>{1, 1, 4, 4})}},
              ops::maxPool2dGrad(values, indices, {1, 1, 4, 4})));
  message = compileError(pool.spec, unsupported);
  EXPECT_TRUE(unsupported);
  EXPECT_NE(message.find("max_pool2d"), std::string::npos) << message;
}

TEST(BlockErrors, MalformedSpecsGiveCleanErrors) {
  bool unsupported = true;
  {
    Tracer t = squarePlusOne();
    t.spec.ops[0].operands[1] = ValueId::result(1); // a later op
    std::string message = compileError(t.spec, unsupported);
    EXPECT_FALSE(unsupported);
    EXPECT_NE(message.find("malformed"), std::string::npos) << message;
  }
  {
    Tracer t = squarePlusOne();
    t.spec.outputs.push_back(ValueId::input(7));
    std::string message = compileError(t.spec, unsupported);
    EXPECT_NE(message.find("input 7"), std::string::npos) << message;
  }
  {
    Tracer t = squarePlusOne();
    t.spec.ops[1].results[0].shape = {5}; // not what add produces
    std::string message = compileError(t.spec, unsupported);
    EXPECT_NE(message.find("op #1 'add'"), std::string::npos) << message;
  }
  {
    Tracer t = squarePlusOne();
    t.spec.ops[0].operands.pop_back();
    std::string message = compileError(t.spec, unsupported);
    EXPECT_NE(message.find("operands"), std::string::npos) << message;
  }
  {
    Tracer t = squarePlusOne();
    t.spec.ops[1].results.clear();
    std::string message = compileError(t.spec, unsupported);
    EXPECT_NE(message.find("no result"), std::string::npos) << message;
  }
  {
    // A reshape to a different element count fails the terra verifier.
    Tracer t;
    Traced x = t.input(sample({2, 3}));
    t.output(t.op("reshape", {x}, {}, x.value.reshape({3, 2})));
    t.spec.ops[0].results[0].shape = {7};
    std::string message = compileError(t.spec, unsupported);
    EXPECT_FALSE(unsupported);
    EXPECT_NE(message.find("verify"), std::string::npos) << message;
  }
  {
    Tracer t;
    Traced x = t.input(sample({2, 3}));
    t.output(t.op("sum", {x}, {{"axes", Attribute(std::vector<int64_t>{5})}},
                  ops::sum(*x, {}, false)));
    std::string message = compileError(t.spec, unsupported);
    EXPECT_NE(message.find("axis 5"), std::string::npos) << message;
  }
}

TEST(BlockErrors, RunChecksItsInputs) {
  Tracer t = squarePlusOne();
  auto block = CompiledBlock::compile(t.spec);
  ASSERT_TRUE(bool(block)) << errorText(block.takeError());
  auto tooFew = (*block)->run({t.inputs[0]});
  ASSERT_FALSE(bool(tooFew));
  EXPECT_NE(errorText(tooFew.takeError()).find("expects 2 inputs"),
            std::string::npos);
  auto wrongShape = (*block)->run({sample({5}), t.inputs[1]});
  ASSERT_FALSE(bool(wrongShape));
  EXPECT_NE(errorText(wrongShape.takeError()).find("float32[4]"),
            std::string::npos);
  auto wrongType = (*block)->run({sample({4}, DType::Float64), t.inputs[1]});
  ASSERT_FALSE(bool(wrongType));
  llvm::consumeError(wrongType.takeError());
  auto undefined = (*block)->run({Tensor(), t.inputs[1]});
  ASSERT_FALSE(bool(undefined));
  llvm::consumeError(undefined.takeError());
}

TEST(BlockCache, IdenticalSpecsCompileOnce) {
  BlockCache cache;
  Tracer first = squarePlusOne(), second = squarePlusOne();
  ASSERT_EQ(compiler::hashBlockSpec(first.spec),
            compiler::hashBlockSpec(second.spec));
  ASSERT_TRUE(compiler::equalBlockSpecs(first.spec, second.spec));
  auto a = cache.get(first.spec);
  ASSERT_TRUE(bool(a)) << errorText(a.takeError());
  auto b = cache.get(second.spec);
  ASSERT_TRUE(bool(b)) << errorText(b.takeError());
  EXPECT_EQ(a->get(), b->get());
  EXPECT_EQ(cache.compilations(), 1u);

  // Any structural difference is another block: a shape, an attribute,
  // the wiring.
  Tracer other = squarePlusOne();
  other.spec.ops[1].operands = {ValueId::input(1), ValueId::result(0)};
  EXPECT_NE(compiler::hashBlockSpec(first.spec),
            compiler::hashBlockSpec(other.spec));
  auto c = cache.get(other.spec);
  ASSERT_TRUE(bool(c)) << errorText(c.takeError());
  EXPECT_NE(a->get(), c->get());
  EXPECT_EQ(cache.compilations(), 2u);

  BlockSpec padded = first.spec, negativeZero = first.spec;
  padded.ops[0].attributes.push_back({"value", Attribute(0.0)});
  negativeZero.ops[0].attributes.push_back({"value", Attribute(-0.0)});
  EXPECT_FALSE(compiler::equalBlockSpecs(padded, negativeZero));
  BlockSpec nan = first.spec;
  nan.ops[0].attributes.push_back({"value", Attribute(std::nan(""))});
  EXPECT_TRUE(compiler::equalBlockSpecs(nan, nan));

  // Failures are remembered, as the same kind of error.
  Tracer bad;
  Traced x = bad.input(sample({3}));
  bad.output(bad.op("cos", {x}, {}, ops::unary(ops::UnaryOp::Cos, *x)));
  for (int i = 0; i < 2; ++i) {
    auto failed = cache.get(bad.spec);
    ASSERT_FALSE(bool(failed));
    bool unsupported = false;
    llvm::handleAllErrors(
        failed.takeError(),
        [&](const UnsupportedOpError &error) {
          unsupported = error.opName == "cos";
        },
        [](const llvm::ErrorInfoBase &) {});
    EXPECT_TRUE(unsupported);
  }
  EXPECT_EQ(cache.compilations(), 3u);
  EXPECT_EQ(cache.size(), 3u);

  auto outputs = (*a)->run(first.inputs);
  ASSERT_TRUE(bool(outputs)) << errorText(outputs.takeError());
  expectSameTensor((*outputs)[0], first.expected[0], 0, "cached block");
}

/// Runs `command`, returning its exit status and output.
int runCommand(const std::string &command, std::string &output) {
  FILE *pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe)
    return -1;
  char buffer[4096];
  size_t count;
  while ((count = fread(buffer, 1, sizeof buffer, pipe)) > 0)
    output.append(buffer, count);
  return pclose(pipe);
}

TEST(BlockDump, StagesAreWrittenAndReRunWithTerraOpt) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() /
                 ("terra-dump-test-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  compiler::CompileOptions options;
  options.dumpDir = dir.string();
  options.name = "mlp";
  Tracer t;
  Traced x = t.input(sample({4, 8}));
  Traced w = t.input(sample({8, 3}, DType::Float32, 2));
  Traced xw = t.op("matmul", {x, w}, {}, ops::matmul(*x, *w));
  t.output(t.op("softmax", {xw}, {{"axis", Attribute(int64_t(-1))}},
                ops::softmax(*xw, -1)));
  ASSERT_TRUE(expectCompiledMatchesEager(t, 1e-5, options));

  const char *stages[] = {"mlp.0-terra.mlir", "mlp.1-fused.mlir",
                          "mlp.2-llvm.mlir"};
  for (const char *stage : stages)
    ASSERT_TRUE(fs::exists(dir / stage)) << stage;
  std::ifstream terraFile(dir / stages[0]);
  std::stringstream terraText;
  terraText << terraFile.rdbuf();
  EXPECT_NE(terraText.str().find("terra.matmul"), std::string::npos);
  EXPECT_NE(terraText.str().find("terra.softmax"), std::string::npos);

  // The terra and fused stages lower again with the same pipeline; the LLVM
  // stage parses and verifies.
  const std::string terraOpt = TERRA_OPT_PATH;
  for (int i = 0; i < 3; ++i) {
    std::string output;
    std::string command = terraOpt + " " + (dir / stages[i]).string() +
                          (i < 2 ? " --terra-lower-to-cpu" : "");
    int status = runCommand(command, output);
    EXPECT_EQ(status, 0) << command << "\n" << output;
    EXPECT_NE(output.find("llvm.func @block"), std::string::npos)
        << command << "\n"
        << output.substr(0, 2000);
  }
  fs::remove_all(dir);
}

} // namespace
