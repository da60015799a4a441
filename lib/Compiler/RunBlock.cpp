//===- RunBlock.cpp - Calling a compiled block on runtime tensors ---------===//
//
// Plain C++ without MLIR headers, compiled with exceptions (unlike the rest
// of lib/Compiler): the runtime reports allocation failures and the like by
// throwing terra::Error, and no exception may leave this library.
//
//===----------------------------------------------------------------------===//

#include "terra/Compiler/BlockCompiler.h"

#include <cstdint>
#include <exception>
#include <string>
#include <vector>

namespace terra {
namespace compiler {

namespace {

/// A ranked memref descriptor laid out as StridedMemRefType<T, rank>:
/// {allocated, aligned, offset, sizes[rank], strides[rank]}, all 8 bytes
/// wide, so one int64 array describes any rank and element type.
std::vector<int64_t> describe(const Tensor &tensor) {
  const Shape &shape = tensor.shape();
  size_t rank = shape.size();
  std::vector<int64_t> descriptor(3 + 2 * rank);
  auto address = static_cast<int64_t>(reinterpret_cast<intptr_t>(
      tensor.numel() == 0 ? nullptr : tensor.data()));
  descriptor[0] = descriptor[1] = address;
  // The block declares identity layouts, whose offset is statically 0: the
  // aligned pointer already points at the first element.
  descriptor[2] = 0;
  Shape strides = contiguousStrides(shape);
  for (size_t d = 0; d < rank; ++d) {
    descriptor[3 + d] = shape[d];
    descriptor[3 + rank + d] = strides[d];
  }
  return descriptor;
}

std::string describeType(DType dtype, const Shape &shape) {
  return std::string(dtypeName(dtype)) + formatShape(shape);
}

} // namespace

llvm::Expected<std::vector<Tensor>>
CompiledBlock::run(const std::vector<Tensor> &inputs) const {
  std::string error;
  try {
    if (inputs.size() != inputTypes_.size())
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "compiled block expects " + std::to_string(inputTypes_.size()) +
              " inputs, got " + std::to_string(inputs.size()));
    // The compiled code reads contiguous buffers (static strides vectorise
    // and feed BLAS directly); views are copied, which the runtime rarely
    // needs since eager and compiled results are contiguous.
    std::vector<Tensor> arguments;
    arguments.reserve(inputs.size() + outputTypes_.size());
    for (size_t i = 0; i < inputs.size(); ++i) {
      const Tensor &input = inputs[i];
      const TensorType &expected = inputTypes_[i];
      if (!input.defined() || input.dtype() != expected.dtype ||
          input.shape() != expected.shape)
        return llvm::createStringError(
            llvm::inconvertibleErrorCode(),
            "compiled block input " + std::to_string(i) + " should be " +
                describeType(expected.dtype, expected.shape) + ", got " +
                (input.defined() ? describeType(input.dtype(), input.shape())
                                 : std::string("an undefined tensor")));
      arguments.push_back(input.isContiguous() ? input : input.contiguous());
    }
    std::vector<Tensor> outputs;
    outputs.reserve(outputTypes_.size());
    for (const TensorType &type : outputTypes_) {
      outputs.push_back(Tensor::empty(type.shape, type.dtype));
      arguments.push_back(outputs.back());
    }

    std::vector<std::vector<int64_t>> descriptors;
    descriptors.reserve(arguments.size());
    for (const Tensor &argument : arguments)
      descriptors.push_back(describe(argument));
    // The packed entry wants, per argument, a pointer to the argument value,
    // which is itself a pointer to the descriptor.
    std::vector<void *> descriptorPointers(arguments.size());
    std::vector<void *> packed(arguments.size());
    for (size_t i = 0; i < arguments.size(); ++i) {
      descriptorPointers[i] = descriptors[i].data();
      packed[i] = &descriptorPointers[i];
    }
    entry_(packed.data());
    return std::move(outputs);
  } catch (const std::exception &exception) {
    error = exception.what();
  } catch (...) {
    error = "unknown exception";
  }
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "running a compiled block failed: " + error);
}

} // namespace compiler
} // namespace terra
