//===- Iteration.h - Strided loops over several operands --------*- C++ -*-===//
//
// Every eager elementwise kernel walks its operands with forEachElement:
// the dimensions are coalesced where the strides allow, and the kernel's
// inner loop sees one run along the innermost dimension with a byte stride
// per operand (0 for a broadcast operand). Large iteration spaces are split
// across threads by their outer index.
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_LIB_RUNTIME_ITERATION_H
#define TERRA_LIB_RUNTIME_ITERATION_H

#include "terra/Runtime/Tensor.h"

#include "Parallel.h"

#include <array>
#include <cstdint>
#include <initializer_list>
#include <vector>

namespace terra {
namespace detail {

constexpr int kMaxOperands = 4;

/// Calls `inner(pointers, count, byteStrides)` for every innermost run of
/// `shape`, where operand k has element strides `strides[k]` (already
/// broadcast to `shape`), base address `bases[k]` and element size
/// `itemSizes[k]`.
template <typename Inner>
void forEachElement(const Shape &shape, std::initializer_list<Shape> strides,
                    std::initializer_list<char *> bases,
                    std::initializer_list<size_t> itemSizes, Inner &&inner) {
  const int operands = static_cast<int>(bases.size());
  // Byte strides per dimension and operand, dropping size-1 dimensions.
  std::vector<int64_t> sizes;
  std::vector<std::array<int64_t, kMaxOperands>> byteStrides;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 0)
      return;
    if (shape[d] == 1)
      continue;
    std::array<int64_t, kMaxOperands> row{};
    int k = 0;
    auto item = itemSizes.begin();
    for (const Shape &s : strides)
      row[k++] = s[d] * static_cast<int64_t>(*item++);
    sizes.push_back(shape[d]);
    byteStrides.push_back(row);
  }
  // Merge dimension d into d+1 when stepping over d's whole extent equals
  // one step of the outer dimension, for every operand.
  for (size_t d = sizes.size(); d-- > 1;) {
    bool mergeable = true;
    for (int k = 0; k < operands; ++k)
      mergeable &= byteStrides[d - 1][k] == byteStrides[d][k] * sizes[d];
    if (!mergeable)
      continue;
    sizes[d - 1] *= sizes[d];
    byteStrides[d - 1] = byteStrides[d];
    sizes.erase(sizes.begin() + d);
    byteStrides.erase(byteStrides.begin() + d);
  }
  std::array<char *, kMaxOperands> base{};
  {
    int k = 0;
    for (char *b : bases)
      base[k++] = b;
  }
  if (sizes.empty()) {
    std::array<int64_t, kMaxOperands> zero{};
    inner(base.data(), 1, zero.data());
    return;
  }
  const int64_t innerSize = sizes.back();
  const std::array<int64_t, kMaxOperands> innerStrides = byteStrides.back();
  const int outerRank = static_cast<int>(sizes.size()) - 1;
  if (outerRank == 0) {
    // One run: split the run itself across threads.
    parallelFor(innerSize, 1, [&](int64_t begin, int64_t end) {
      std::array<char *, kMaxOperands> pointers = base;
      for (int k = 0; k < operands; ++k)
        pointers[k] += begin * innerStrides[k];
      inner(pointers.data(), end - begin, innerStrides.data());
    });
    return;
  }
  int64_t outerCount = 1;
  for (int d = 0; d < outerRank; ++d)
    outerCount *= sizes[d];
  parallelFor(outerCount, innerSize, [&](int64_t begin, int64_t end) {
    std::array<char *, kMaxOperands> pointers;
    for (int64_t outer = begin; outer < end; ++outer) {
      pointers = base;
      int64_t rest = outer;
      for (int d = outerRank - 1; d >= 0; --d) {
        int64_t index = rest % sizes[d];
        rest /= sizes[d];
        for (int k = 0; k < operands; ++k)
          pointers[k] += index * byteStrides[d][k];
      }
      inner(pointers.data(), innerSize, innerStrides.data());
    }
  });
}

/// The strides of `tensor` broadcast to `shape` (0 where it is broadcast).
inline Shape broadcastStrides(const Tensor &tensor, const Shape &shape) {
  Shape strides(shape.size(), 0);
  size_t lead = shape.size() - tensor.shape().size();
  for (size_t i = 0; i < tensor.shape().size(); ++i)
    strides[lead + i] = tensor.shape()[i] == 1 ? 0 : tensor.strides()[i];
  return strides;
}

} // namespace detail
} // namespace terra

#endif // TERRA_LIB_RUNTIME_ITERATION_H
