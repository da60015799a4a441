//===- OpBuilderTest.cpp - Building terra ops from C++ --------------------===//
//
// The tracer builds terra ops from C++ (not from text), relying on result-type
// inference and on folding while it builds. These tests use the same builders.
//
//===----------------------------------------------------------------------===//

#include "terra/TerraDialect.h"
#include "terra/TerraUtils.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Verifier.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::terra;

namespace {

class OpBuilderTest : public ::testing::Test {
protected:
  OpBuilderTest() : builder(&context) {
    context.loadDialect<TerraDialect, func::FuncDialect>();
    module = ModuleOp::create(builder.getUnknownLoc());
    builder.setInsertionPointToEnd(module->getBody());
  }

  /// Starts a function taking f32 tensors of the given shapes and returns
  /// its arguments; ops built next go into its body.
  SmallVector<Value> arguments(ArrayRef<SmallVector<int64_t>> shapes) {
    SmallVector<Type> types;
    for (ArrayRef<int64_t> shape : shapes)
      types.push_back(RankedTensorType::get(shape, builder.getF32Type()));
    builder.setInsertionPointToEnd(module->getBody());
    auto function = func::FuncOp::create(builder, loc,
                                         "f" + std::to_string(functionCount++),
                                         builder.getFunctionType(types, {}));
    Block *entry = function.addEntryBlock();
    builder.setInsertionPointToEnd(entry);
    return SmallVector<Value>(entry->getArguments());
  }

  static SmallVector<int64_t> shapeOf(Value value) {
    return llvm::to_vector(cast<RankedTensorType>(value.getType()).getShape());
  }

  MLIRContext context;
  OpBuilder builder;
  Location loc = builder.getUnknownLoc();
  OwningOpRef<ModuleOp> module;
  int functionCount = 0;
};

TEST_F(OpBuilderTest, MatmulInfersTransposedShapes) {
  SmallVector<Value> args = arguments({{8, 4}, {16, 8}});
  auto product = MatmulOp::create(builder, loc, args[0], args[1],
                                  builder.getUnitAttr(), builder.getUnitAttr());
  EXPECT_EQ(shapeOf(product), (SmallVector<int64_t>{4, 16}));
}

TEST_F(OpBuilderTest, Conv2DInfersOutputSize) {
  SmallVector<Value> args = arguments({{2, 6, 11, 9}, {4, 3, 3, 3}});
  auto output = Conv2DOp::create(
      builder, loc, args[0], args[1], builder.getDenseI64ArrayAttr({2, 1}),
      builder.getDenseI64ArrayAttr({1, 0}),
      builder.getDenseI64ArrayAttr({1, 2}), builder.getI64IntegerAttr(2));
  // H: (11 + 2 - 3) / 2 + 1 = 6; W: (9 - 5) / 1 + 1 = 5.
  EXPECT_EQ(shapeOf(output), (SmallVector<int64_t>{2, 4, 6, 5}));
}

TEST_F(OpBuilderTest, SumInfersKeepdimShape) {
  Value input = arguments({{3, 5, 7}})[0];
  auto kept =
      SumOp::create(builder, loc, input, builder.getDenseI64ArrayAttr({0, 2}),
                    builder.getUnitAttr());
  auto dropped = SumOp::create(builder, loc, input,
                               builder.getDenseI64ArrayAttr({1}), UnitAttr());
  EXPECT_EQ(shapeOf(kept), (SmallVector<int64_t>{1, 5, 1}));
  EXPECT_EQ(shapeOf(dropped), (SmallVector<int64_t>{3, 7}));
}

TEST_F(OpBuilderTest, ConstantOperandsFoldWhileBuilding) {
  arguments({});
  auto type = RankedTensorType::get({2}, builder.getF32Type());
  Value lhs = ConstantOp::create(builder, loc,
                                 DenseElementsAttr::get(type, {1.5f, -2.0f}));
  Value rhs = ConstantOp::create(builder, loc,
                                 DenseElementsAttr::get(type, {0.5f, 4.0f}));
  Value sum = builder.createOrFold<AddOp>(loc, lhs, rhs);
  auto constant = sum.getDefiningOp<ConstantOp>();
  ASSERT_TRUE(constant) << "add of two constants did not fold";
  auto values = llvm::to_vector(
      cast<DenseElementsAttr>(constant.getValue()).getValues<float>());
  EXPECT_EQ(values, (SmallVector<float>{2.0f, 2.0f}));
}

TEST_F(OpBuilderTest, BuiltModuleVerifies) {
  Value input = arguments({{4, 4}})[0];
  Value exp = ExpOp::create(builder, loc, input);
  Value sum = AddOp::create(builder, loc, exp, input);
  func::ReturnOp::create(builder, loc);
  (void)sum;
  EXPECT_TRUE(succeeded(verify(*module)));
}

TEST(WindowOutputSize, MatchesTorchFormula) {
  // floor((in + 2 * pad - dilation * (kernel - 1) - 1) / stride) + 1
  EXPECT_EQ(windowOutputSize(32, 3, 1, 1, 1), 32);
  EXPECT_EQ(windowOutputSize(32, 3, 2, 1, 1), 16);
  EXPECT_EQ(windowOutputSize(7, 3, 2, 0, 2), 2);
  EXPECT_EQ(windowOutputSize(2, 5, 1, 0, 1), 0);
  EXPECT_EQ(windowOutputSize(ShapedType::kDynamic, 3, 1, 1, 1),
            ShapedType::kDynamic);
}

TEST(ReducedShape, KeepdimAndDrop) {
  EXPECT_EQ(reducedShape({2, 3, 4}, {1}, false), (SmallVector<int64_t>{2, 4}));
  EXPECT_EQ(reducedShape({2, 3, 4}, {0, 2}, true),
            (SmallVector<int64_t>{1, 3, 1}));
  EXPECT_EQ(reducedShape({5}, {0}, false), (SmallVector<int64_t>{}));
}

} // namespace
