//===- ShapeTest.cpp - cat, stack, pad, indexSelect, indexAdd, masks ------===//

#include "TensorTestUtils.h"

using namespace terra;
using namespace terra::testing;

namespace {

/// Element `idx` of `t` by multi-index.
double at(const Tensor &t, const std::vector<int64_t> &idx) {
  return t.elementAsDouble(ravel(idx, t.shape()));
}

TEST(Shape, CatAlongEveryAxisAndLayout) {
  Tensor a = sampleTensor({2, 3, 4}, DType::Float32, 1);
  Tensor b = sampleTensor({4, 2, 3}, DType::Float32, 2).permute({1, 2, 0});
  Tensor c = sampleTensor({2, 1, 4}, DType::Float32, 3).expand({2, 3, 4});
  for (int64_t axis : {0, 1, 2, -1, -3}) {
    Tensor r = ops::cat({a, b, c}, axis);
    int64_t ax = axis < 0 ? axis + 3 : axis;
    Shape shape = a.shape();
    shape[ax] *= 3;
    std::vector<double> expected;
    for (int64_t i = 0; i < numElements(shape); ++i) {
      std::vector<int64_t> idx = unravel(i, shape);
      int64_t part = idx[ax] / a.shape()[ax];
      idx[ax] %= a.shape()[ax];
      expected.push_back(at(part == 0 ? a : part == 1 ? b : c, idx));
    }
    expectTensor(r, shape, DType::Float32, expected);
  }
  // Unequal sizes along the axis, a size-0 part, skipped legacy [0] tensors.
  Tensor r = ops::cat(
      {makeTensor({1, 2}, {1, 2}), Tensor::empty({0, 2}, DType::Float32),
       Tensor::empty({0}, DType::Float32), makeTensor({2, 2}, {3, 4, 5, 6})},
      0);
  expectTensor(r, {3, 2}, DType::Float32, {1, 2, 3, 4, 5, 6});
  expectTensor(ops::cat({Tensor::empty({0}, DType::Int64)}, 0), {0},
               DType::Int64, {});
}

TEST(Shape, CatPromotesDtypes) {
  Tensor r = ops::cat({makeTensor({2}, {1, 0}, DType::Bool),
                       makeTensor({1}, {7}, DType::Int32)},
                      0);
  expectTensor(r, {3}, DType::Int32, {1, 0, 7});
  r = ops::cat({makeTensor({1}, {3}, DType::Int64),
                makeTensor({1}, {0.5}, DType::Float32)},
               0);
  expectTensor(r, {2}, DType::Float32, {3, 0.5});
  r = ops::stack({makeTensor({1}, {3}, DType::Float32),
                  makeTensor({1}, {0.25}, DType::Float64)},
                 0);
  expectTensor(r, {2, 1}, DType::Float64, {3, 0.25});
}

TEST(Shape, Stack) {
  Tensor a = makeTensor({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor b = makeTensor({3, 2}, {10, 40, 20, 50, 30, 60}).transpose(0, 1);
  expectTensor(ops::stack({a, b}, 0), {2, 2, 3}, DType::Float32,
               {1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 60});
  expectTensor(ops::stack({a, b}, 1), {2, 2, 3}, DType::Float32,
               {1, 2, 3, 10, 20, 30, 4, 5, 6, 40, 50, 60});
  expectTensor(ops::stack({a, b}, -1), {2, 3, 2}, DType::Float32,
               {1, 10, 2, 20, 3, 30, 4, 40, 5, 50, 6, 60});
  expectTensor(ops::stack({makeTensor({}, {1}), makeTensor({}, {2})}, 0), {2},
               DType::Float32, {1, 2});
  expectTensor(ops::stack({Tensor::empty({0, 2}, DType::Float32)}, 1),
               {0, 1, 2}, DType::Float32, {});
}

TEST(Shape, Pad) {
  Tensor a = makeTensor({2, 3}, {1, 2, 3, 4, 5, 6});
  expectTensor(ops::pad(a, {0, 1}, {0, 2}, 9), {2, 6}, DType::Float32,
               {9, 1, 2, 3, 9, 9, 9, 4, 5, 6, 9, 9});
  expectTensor(ops::pad(a, {1, 0}, {0, 0}, 0), {3, 3}, DType::Float32,
               {0, 0, 0, 1, 2, 3, 4, 5, 6});
  // Negative padding crops.
  expectTensor(ops::pad(a, {0, -1}, {-1, 1}, 0), {1, 3}, DType::Float32,
               {2, 3, 0});
  expectTensor(ops::pad(a.transpose(0, 1), {1, 0}, {0, 1}, -1), {4, 3},
               DType::Float32, {-1, -1, -1, 1, 4, -1, 2, 5, -1, 3, 6, -1});
  expectTensor(ops::pad(makeTensor({2}, {1, 2}, DType::Int64), {1}, {1}, 2.5),
               {4}, DType::Int64, {2, 1, 2, 2});
  expectTensor(ops::pad(a, {0, -3}, {0, 1}, 7), {2, 1}, DType::Float32, {7, 7});
  expectTensor(
      ops::pad(Tensor::empty({0, 2}, DType::Float32), {1, 0}, {0, 0}, 3),
      {1, 2}, DType::Float32, {3, 3});
  expectTensor(ops::pad(makeTensor({}, {4}), {}, {}, 0), {}, DType::Float32,
               {4});
}

TEST(Shape, IndexSelect) {
  Tensor a = makeTensor({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor idx = makeTensor({3}, {2, 0, 2}, DType::Int64);
  expectTensor(ops::indexSelect(a, 1, idx), {2, 3}, DType::Float32,
               {3, 1, 3, 6, 4, 6});
  expectTensor(ops::indexSelect(a, -2, makeTensor({1}, {1}, DType::Int32)),
               {1, 3}, DType::Float32, {4, 5, 6});
  // Embedding: 2-D indices give numpy.take's shape; negatives wrap.
  Tensor weight = makeTensor({3, 2}, {0, 1, 10, 11, 20, 21});
  expectTensor(ops::indexSelect(
                   weight, 0, makeTensor({2, 2}, {2, 0, -1, 1}, DType::Int64)),
               {2, 2, 2}, DType::Float32, {20, 21, 0, 1, 20, 21, 10, 11});
  expectTensor(ops::indexSelect(a.transpose(0, 1), 0, idx), {3, 2},
               DType::Float32, {3, 6, 1, 4, 3, 6});
  expectTensor(ops::indexSelect(makeTensor({3}, {1, 0, 1}, DType::Bool), 0,
                                makeTensor({2}, {1, 2}, DType::Int64)),
               {2}, DType::Bool, {0, 1});
  expectTensor(ops::indexSelect(a, 1, Tensor::empty({0}, DType::Int64)), {2, 0},
               DType::Float32, {});
  expectTensor(ops::indexSelect(makeTensor({}, {5}), 0,
                                makeTensor({2}, {0, 0}, DType::Int64)),
               {2}, DType::Float32, {5, 5});
}

TEST(Shape, IndexAddIsTheGradientOfIndexSelect) {
  Tensor idx = makeTensor({4}, {2, 0, 2, 2}, DType::Int64);
  Tensor src = makeTensor({2, 4}, {1, 2, 3, 4, 5, 6, 7, 8});
  expectTensor(ops::indexAdd({2, 3}, 1, idx, src), {2, 3}, DType::Float32,
               {2, 0, 8, 6, 0, 20});
  expectTensor(ops::indexAdd({2, 3}, 1, idx, src.to(DType::Int64)), {2, 3},
               DType::Int64, {2, 0, 8, 6, 0, 20});
  // Embedding gradient with 2-D indices and a transposed source.
  Tensor grad = makeTensor({2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  expectTensor(ops::indexAdd({3, 2}, 0,
                             makeTensor({2, 2}, {1, 1, 0, -1}, DType::Int32),
                             grad),
               {3, 2}, DType::Float32, {5, 6, 4, 6, 7, 8});
  Tensor wide = sampleTensor({3000, 2});
  Tensor big =
      ops::indexAdd({2, 3000}, 0, makeTensor({2}, {1, 1}, DType::Int64),
                    wide.transpose(0, 1));
  EXPECT_NEAR(big.elementAsDouble(3000 + 2999),
              wide.elementAsDouble(2 * 2999) +
                  wide.elementAsDouble(2 * 2999 + 1),
              1e-5);
  EXPECT_EQ(big.elementAsDouble(17), 0);
}

TEST(Shape, MaskedSelect) {
  Tensor a = makeTensor({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor m = makeTensor({2, 3}, {1, 0, 1, 0, 0, 1}, DType::Bool);
  expectTensor(ops::maskedSelect(a, m), {3}, DType::Float32, {1, 3, 6});
  expectTensor(ops::maskedSelect(a, makeTensor({3}, {0, 1, 1}, DType::Bool)),
               {4}, DType::Float32, {2, 3, 5, 6});
  expectTensor(ops::maskedSelect(a.transpose(0, 1),
                                 makeTensor({3, 1}, {1, 0, 1}, DType::Bool)),
               {4}, DType::Float32, {1, 4, 3, 6});
  expectTensor(ops::maskedSelect(makeTensor({1}, {7}, DType::Int64),
                                 makeTensor({3}, {1, 0, 1}, DType::Bool)),
               {2}, DType::Int64, {7, 7});
  expectTensor(ops::maskedSelect(a, makeTensor({}, {0}, DType::Bool)), {0},
               DType::Float32, {});
}

TEST(Shape, Errors) {
  Tensor a = sampleTensor({2, 3});
  EXPECT_TERRA_ERROR(ops::cat({}, 0), Runtime,
                     "torch.cat(): expected a non-empty list of Tensors");
  EXPECT_TERRA_ERROR(ops::cat({a, sampleTensor({2, 4})}, 0), Runtime,
                     "Sizes of tensors must match except in dimension 0. "
                     "Expected size 3 but got size 4 for tensor number 1 in "
                     "the list.");
  EXPECT_TERRA_ERROR(ops::cat({a, sampleTensor({2})}, 0), Runtime,
                     "Tensors must have same number of dimensions: got 2 and "
                     "1");
  EXPECT_TERRA_ERROR(ops::cat({makeTensor({}, {1}), a}, 0), Runtime,
                     "zero-dimensional tensor (at position 0) cannot be "
                     "concatenated");
  EXPECT_TERRA_ERROR(ops::cat({a, a}, 2), Index, "Dimension out of range");
  EXPECT_TERRA_ERROR(ops::stack({}, 0), Runtime,
                     "stack expects a non-empty TensorList");
  EXPECT_TERRA_ERROR(ops::stack({a, sampleTensor({2, 4})}, 0), Runtime,
                     "stack expects each tensor to be equal size, but got "
                     "[2, 3] at entry 0 and [2, 4] at entry 1");
  EXPECT_TERRA_ERROR(ops::stack({a, a}, 3), Index, "Dimension out of range");
  EXPECT_TERRA_ERROR(ops::pad(a, {-3, 0}, {-1, 0}, 0), Runtime,
                     "The input size 2, plus negative padding -3 and -1 "
                     "resulted in a negative output size, which is invalid. "
                     "Check dimension 0 of your input.");
  EXPECT_TERRA_ERROR(ops::pad(a, {1}, {1}, 0), Runtime,
                     "pad: expected 2 low and high paddings");
  EXPECT_TERRA_ERROR(
      ops::indexSelect(a, 1, makeTensor({2}, {0, 3}, DType::Int64)), Index,
      "index 3 is out of bounds for dimension 1 with size 3");
  EXPECT_TERRA_ERROR(
      ops::indexSelect(a, 1, makeTensor({1}, {-4}, DType::Int64)), Index,
      "index_select(): index out of range in self");
  EXPECT_TERRA_ERROR(ops::indexSelect(a, 1, makeTensor({1}, {0})), Runtime,
                     "index_select(): Expected dtype int32 or int64 for index");
  EXPECT_TERRA_ERROR(ops::indexSelect(a, 2, makeTensor({1}, {0}, DType::Int64)),
                     Index, "Dimension out of range");
  EXPECT_TERRA_ERROR(ops::indexAdd({2, 3}, 1,
                                   makeTensor({2}, {0, 1}, DType::Int64),
                                   sampleTensor({2, 3})),
                     Runtime,
                     "index_add(): source of shape [2, 3] does not match the "
                     "shape [2, 2]");
  EXPECT_TERRA_ERROR(ops::indexAdd({2, 3}, 1,
                                   makeTensor({2}, {0, 5}, DType::Int64),
                                   sampleTensor({2, 2})),
                     Index, "index 5 is out of bounds");
  EXPECT_TERRA_ERROR(
      ops::maskedSelect(a, makeTensor({3}, {1, 0, 1}, DType::Int64)), Runtime,
      "masked_select: expected BoolTensor or ByteTensor for mask");
  EXPECT_TERRA_ERROR(
      ops::maskedSelect(a, makeTensor({2}, {1, 0}, DType::Bool)), Runtime,
      "must match the size of tensor b (2) at non-singleton dimension 1");
}

} // namespace
