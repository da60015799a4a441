//===- ShapeStorageTest.cpp - Shape against std::vector's behaviour -------===//

#include "terra/Runtime/Shape.h"

#include <gtest/gtest.h>

using namespace terra;

namespace {

std::vector<int64_t> asVector(const Shape &shape) {
  return std::vector<int64_t>(shape.begin(), shape.end());
}

TEST(ShapeStorage, GrowsFromInlineToHeapAndKeepsItsElements) {
  Shape shape;
  std::vector<int64_t> expected;
  for (int64_t i = 0; i < 40; ++i) {
    shape.push_back(i * 3 - 7);
    expected.push_back(i * 3 - 7);
    ASSERT_EQ(asVector(shape), expected);
  }
  EXPECT_GE(shape.capacity(), 40u);
  shape.resize(3);
  EXPECT_EQ(asVector(shape), (std::vector<int64_t>{-7, -4, -1}));
  shape.resize(5, 9);
  EXPECT_EQ(asVector(shape), (std::vector<int64_t>{-7, -4, -1, 9, 9}));
}

TEST(ShapeStorage, CopiesAndMovesOfInlineAndHeapShapes) {
  for (size_t size : {size_t(0), size_t(4), Shape::kInline, size_t(11)}) {
    Shape original;
    for (size_t i = 0; i < size; ++i)
      original.push_back(int64_t(i) + 1);
    Shape copy = original;
    EXPECT_EQ(copy, original);
    Shape moved = std::move(copy);
    EXPECT_EQ(moved, original);
    EXPECT_TRUE(copy.empty());
    copy = moved; // A moved-from shape is usable again.
    EXPECT_EQ(copy, original);
    Shape assigned{42};
    assigned = std::move(moved);
    EXPECT_EQ(assigned, original);
    std::vector<int64_t> vector = assigned;
    EXPECT_EQ(Shape(vector), original);
  }
}

TEST(ShapeStorage, InsertAndEraseLikeStdVector) {
  for (size_t size : {size_t(2), size_t(5), size_t(9)}) {
    Shape shape;
    std::vector<int64_t> expected;
    for (size_t i = 0; i < size; ++i) {
      shape.push_back(int64_t(i));
      expected.push_back(int64_t(i));
    }
    shape.insert(shape.begin() + 1, 2, -1);
    expected.insert(expected.begin() + 1, 2, -1);
    ASSERT_EQ(asVector(shape), expected);
    shape.insert(shape.begin(), {7, 8});
    expected.insert(expected.begin(), {7, 8});
    ASSERT_EQ(asVector(shape), expected);
    // A range from the shape itself, across a reallocation.
    shape.insert(shape.end(), shape.begin(), shape.end());
    std::vector<int64_t> doubled = expected;
    expected.insert(expected.end(), doubled.begin(), doubled.end());
    ASSERT_EQ(asVector(shape), expected);
    shape.erase(shape.begin() + 1, shape.begin() + 3);
    expected.erase(expected.begin() + 1, expected.begin() + 3);
    ASSERT_EQ(asVector(shape), expected);
    shape.erase(shape.end() - 1);
    expected.erase(expected.end() - 1);
    ASSERT_EQ(asVector(shape), expected);
    // Assigned a part of itself.
    shape.assign(shape.begin() + 1, shape.end());
    expected.assign(expected.begin() + 1, expected.end());
    ASSERT_EQ(asVector(shape), expected);
  }
}

TEST(ShapeStorage, ComparesByElements) {
  EXPECT_EQ(Shape({2, 3}), Shape(std::vector<int64_t>{2, 3}));
  EXPECT_NE(Shape({2, 3}), Shape({2, 3, 1}));
  EXPECT_LT(Shape({2, 3}), Shape({2, 4}));
  EXPECT_EQ(Shape(3, 1), Shape({1, 1, 1}));
}

} // namespace
