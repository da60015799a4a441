//===- MatmulTest.cpp - torch.matmul semantics on every layout ------------===//
//
// Each product is compared with a naive sum over the broadcast batch, for
// contiguous, transposed, row-strided and expanded operands, which the
// kernel hands to BLAS with their strides, copies, or folds.
//
//===----------------------------------------------------------------------===//

#include "TensorTestUtils.h"

using namespace terra;
using namespace terra::testing;

namespace {

struct Expected {
  Shape shape;
  std::vector<double> values;
};

/// torch.matmul by definition: promote 1-D operands, broadcast the batch,
/// sum over k, drop the promoted dimensions.
Expected naiveMatmul(const Tensor &lhs, const Tensor &rhs) {
  Tensor a = lhs.dim() == 1 ? lhs.unsqueeze(0) : lhs;
  Tensor b = rhs.dim() == 1 ? rhs.unsqueeze(1) : rhs;
  int64_t m = a.shape()[a.dim() - 2], k = a.shape().back(),
          n = b.shape().back();
  Shape batchA(a.shape().begin(), a.shape().end() - 2);
  Shape batchB(b.shape().begin(), b.shape().end() - 2);
  Shape batch = broadcastShapes("test", batchA, batchB);
  Shape fullA = batch, fullB = batch;
  fullA.insert(fullA.end(), {m, k});
  fullB.insert(fullB.end(), {k, n});
  Tensor ea = a.expand(fullA), eb = b.expand(fullB);
  Expected e;
  e.shape = batch;
  if (lhs.dim() > 1)
    e.shape.push_back(m);
  if (rhs.dim() > 1)
    e.shape.push_back(n);
  for (int64_t bi = 0; bi < numElements(batch); ++bi)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double s = 0;
        for (int64_t p = 0; p < k; ++p)
          s += ea.elementAsDouble((bi * m + i) * k + p) *
               eb.elementAsDouble((bi * k + p) * n + j);
        e.values.push_back(s);
      }
  return e;
}

void check(const Tensor &lhs, const Tensor &rhs, double tolerance = 1e-4) {
  Expected e = naiveMatmul(lhs, rhs);
  SCOPED_TRACE(formatShape(lhs.shape()) + " @ " + formatShape(rhs.shape()));
  expectTensor(ops::matmul(lhs, rhs), e.shape, lhs.dtype(), e.values,
               tolerance);
}

TEST(Matmul, VectorAndMatrixCases) {
  for (DType dtype :
       {DType::Float32, DType::Float64, DType::Int32, DType::Int64}) {
    Tensor v3 = sampleTensor({3}, dtype, 1), w3 = sampleTensor({3}, dtype, 2);
    Tensor m23 = sampleTensor({2, 3}, dtype, 3);
    Tensor m34 = sampleTensor({3, 4}, dtype, 4);
    Tensor m43 = sampleTensor({4, 3}, dtype, 5);
    Tensor wide = sampleTensor({5, 9}, dtype, 6);
    check(v3, w3);                                         // dot
    check(sampleTensor({7}, dtype).slice(0, 0, 7, 3), w3); // strided dot
    check(v3, makeTensor({1}, {2}, dtype).expand({3}));    // stride 0
    check(m23, m34);
    check(sampleTensor({3, 2}, dtype).transpose(0, 1), m34); // transposed
    check(m23, m43.transpose(0, 1));                         // transposed rhs
    check(m34.transpose(0, 1), m23.transpose(0, 1));         // both
    check(wide.slice(1, 2, 5, 1), wide.slice(1, 1, 9, 2).slice(0, 1, 4, 1));
    check(wide.slice(1, 0, 9, 3).slice(0, 0, 2, 1), m34); // col stride 3
    check(makeTensor({1, 3}, {1, 2, 3}, dtype).expand({2, 3}), m34);
    check(v3, m34); // 1-D @ 2-D
    check(v3, m43.transpose(0, 1));
    check(m23, v3); // 2-D @ 1-D
    check(m34.transpose(0, 1), v3);
    check(m23, wide.slice(1, 0, 9, 3).select(0, 1)); // strided vector
    check(sampleTensor({1, 3}, dtype), m34);         // m == 1
    check(m23, sampleTensor({3, 1}, dtype));         // n == 1
    check(sampleTensor({1, 1}, dtype), sampleTensor({1, 1}, dtype, 9));
  }
}

TEST(Matmul, BatchedAndBroadcast) {
  for (DType dtype : {DType::Float32, DType::Float64, DType::Int64}) {
    Tensor b234 = sampleTensor({2, 3, 4}, dtype, 1);
    Tensor m45 = sampleTensor({4, 5}, dtype, 2);
    check(b234, m45);                    // Folded into one [6, 4] product.
    check(b234.permute({1, 0, 2}), m45); // Not foldable.
    check(sampleTensor({3, 2, 4}, dtype).transpose(1, 2).transpose(0, 2),
          sampleTensor({3, 5}, dtype)); // [4, 2, 3] from a permuted view.
    check(sampleTensor({5, 3}, dtype), b234.transpose(1, 2).transpose(1, 2));
    check(sampleTensor({5, 3}, dtype), sampleTensor({2, 3, 4}, dtype, 5));
    check(sampleTensor({3}, dtype), sampleTensor({2, 3, 4}, dtype, 5));
    check(b234, sampleTensor({4}, dtype, 6));
    check(sampleTensor({2, 1, 3, 4}, dtype), sampleTensor({5, 4, 2}, dtype));
    check(b234, sampleTensor({2, 4, 2}, dtype).transpose(1, 2).transpose(1, 2));
    check(b234, sampleTensor({1, 4, 3}, dtype).expand({2, 4, 3}));
    check(b234.slice(0, 1, 2, 1), sampleTensor({4, 4, 2}, dtype));
    check(sampleTensor({1, 2, 1, 3, 2}, dtype),
          sampleTensor({1, 5, 2, 2}, dtype));
  }
  // Large enough to be split across the thread pool (Gemm.h's splitGemm),
  // and a float32 fold: by columns of C (fewer rows than columns), ...
  Tensor big = sampleTensor({2, 64, 70}, DType::Float32, 3);
  check(big, sampleTensor({2, 70, 66}, DType::Float32, 4), 1e-3);
  check(big, sampleTensor({66, 70}, DType::Float32, 4).transpose(0, 1), 1e-3);
  // ... and by rows, with A or B read transposed, in both float types.
  check(sampleTensor({70, 100}, DType::Float32, 5).transpose(0, 1),
        sampleTensor({70, 40}, DType::Float32, 6), 1e-3);
  check(sampleTensor({100, 70}, DType::Float64, 7),
        sampleTensor({40, 70}, DType::Float64, 8).transpose(0, 1), 1e-9);
}

TEST(Matmul, EmptyOperands) {
  expectTensor(ops::matmul(sampleTensor({0, 3}), sampleTensor({3, 4})), {0, 4},
               DType::Float32, {});
  expectTensor(ops::matmul(sampleTensor({2, 0}), sampleTensor({0, 3})), {2, 3},
               DType::Float32, {0, 0, 0, 0, 0, 0});
  expectTensor(ops::matmul(sampleTensor({2, 0}, DType::Int64),
                           sampleTensor({0, 1}, DType::Int64)),
               {2, 1}, DType::Int64, {0, 0});
  expectTensor(ops::matmul(sampleTensor({0}), sampleTensor({0})), {},
               DType::Float32, {0});
  expectTensor(ops::matmul(sampleTensor({0, 2, 3}), sampleTensor({3, 4})),
               {0, 2, 4}, DType::Float32, {});
  expectTensor(ops::matmul(sampleTensor({0}), sampleTensor({0, 2})), {2},
               DType::Float32, {0, 0});
}

TEST(Matmul, Errors) {
  auto f = [](Shape s) { return sampleTensor(s); };
  EXPECT_TERRA_ERROR(ops::matmul(f({3}), f({4})), Runtime,
                     "inconsistent tensor size, expected tensor [3] and src "
                     "[4] to have the same number of elements, but got 3 and "
                     "4 elements respectively");
  EXPECT_TERRA_ERROR(ops::matmul(f({2, 3}), f({4, 5})), Runtime,
                     "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)");
  EXPECT_TERRA_ERROR(ops::matmul(f({3}), f({4, 5})), Runtime,
                     "mat1 and mat2 shapes cannot be multiplied (1x3 and 4x5)");
  EXPECT_TERRA_ERROR(ops::matmul(f({2, 3}), f({4})), Runtime,
                     "size mismatch, got 2, 2x3,4");
  EXPECT_TERRA_ERROR(ops::matmul(f({6, 2, 3}), f({4, 5})), Runtime,
                     "mat1 and mat2 shapes cannot be multiplied (12x3 and "
                     "4x5)");
  EXPECT_TERRA_ERROR(ops::matmul(f({2, 3}), f({6, 4, 5})), Runtime,
                     "mat1 and mat2 shapes cannot be multiplied (30x4 and "
                     "3x2)");
  EXPECT_TERRA_ERROR(ops::matmul(f({6, 2, 3}), f({4})), Runtime,
                     "size mismatch, got 12, 12x3,4");
  EXPECT_TERRA_ERROR(ops::matmul(f({3}), f({6, 4, 5})), Runtime,
                     "size mismatch, got 30, 30x4,3");
  EXPECT_TERRA_ERROR(ops::matmul(f({7, 2, 2, 3}), f({2, 4, 5})), Runtime,
                     "Expected size for first two dimensions of batch2 tensor "
                     "to be: [14, 3] but got: [14, 4].");
  EXPECT_TERRA_ERROR(ops::matmul(f({2, 2, 3}), f({3, 3, 5})), Runtime,
                     "the size of tensor a (2) must match the size of tensor "
                     "b (3) at non-singleton dimension 0");
  EXPECT_TERRA_ERROR(ops::matmul(f({}), f({3})), Runtime,
                     "both arguments to matmul need to be at least 1D, but "
                     "they are 0D and 1D");
  EXPECT_TERRA_ERROR(
      ops::matmul(f({2, 3}), sampleTensor({3, 4}, DType::Float64)), Runtime,
      "expected scalar type Float but found Double");
  EXPECT_TERRA_ERROR(ops::matmul(f({3}), sampleTensor({3}, DType::Float64)),
                     Runtime,
                     "dot : expected both vectors to have same dtype, but "
                     "found Float and Double");
  EXPECT_TERRA_ERROR(ops::matmul(sampleTensor({2, 3}, DType::Bool),
                                 sampleTensor({3, 4}, DType::Bool)),
                     Runtime, "\"addmm_impl_cpu_\" not implemented for 'Bool'");
  EXPECT_TERRA_ERROR(ops::matmul(sampleTensor({3}, DType::Bool),
                                 sampleTensor({3}, DType::Bool)),
                     Runtime, "\"dot\" not implemented for 'Bool'");
}

} // namespace
