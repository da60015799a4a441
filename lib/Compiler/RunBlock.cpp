//===- RunBlock.cpp - Calling a compiled block on runtime tensors ---------===//
//
// Plain C++ without MLIR headers, compiled with exceptions (unlike the rest
// of lib/Compiler): the runtime reports allocation failures and the like by
// throwing terra::Error, and no exception may leave this library.
//
//===----------------------------------------------------------------------===//

#include "terra/Compiler/BlockCompiler.h"

#include "NativeCode.h"

#include <cstdint>
#include <exception>
#include <string>
#include <vector>

namespace terra {
namespace compiler {

namespace {

/// Writes the descriptor of contiguous `tensor` at `descriptor`.
void describe(const Tensor &tensor, int64_t *descriptor) {
  const Shape &shape = tensor.shape();
  describeRowMajor(tensor.numel() == 0 ? nullptr : tensor.data(),
                   llvm::ArrayRef<int64_t>(shape.data(), shape.size()),
                   descriptor);
}

std::string describeType(DType dtype, const Shape &shape) {
  return std::string(dtypeName(dtype)) + formatShape(shape);
}

} // namespace

llvm::Expected<std::vector<Tensor>>
CompiledBlock::run(const std::vector<Tensor> &inputs,
                   const std::vector<int64_t> &symbols) const {
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
    // Called for every pass of a block on the runner: a few allocations,
    // whatever the number of arguments.
    size_t numArguments =
        inputs.size() + outputTypes_.size() + (sizeArguments_.empty() ? 0 : 1);
    std::vector<const Tensor *> arguments(numArguments);
    std::vector<Tensor> copies;
    size_t words = 0;
    std::vector<int64_t> values = symbols;
    for (size_t i = 0; i < inputs.size(); ++i) {
      const Tensor &input = inputs[i];
      const TensorType &expected = inputTypes_[i];
      if (!input.defined() || input.dtype() != expected.dtype ||
          !bindSymbols(expected.shape, input.shape(), values))
        return llvm::createStringError(
            llvm::inconvertibleErrorCode(),
            "compiled block input " + std::to_string(i) + " should be " +
                describeType(expected.dtype, expected.shape) + ", got " +
                (input.defined() ? describeType(input.dtype(), input.shape())
                                 : std::string("an undefined tensor")));
      if (input.isContiguous()) {
        arguments[i] = &input;
      } else {
        if (copies.empty())
          copies.reserve(inputs.size());
        copies.push_back(input.contiguous());
        arguments[i] = &copies.back();
      }
      words += descriptorWords(expected.shape.size());
    }
    std::vector<Tensor> outputs;
    outputs.reserve(outputTypes_.size());
    for (size_t i = 0; i < outputTypes_.size(); ++i) {
      const TensorType &type = outputTypes_[i];
      Shape shape = substituteSymbols(type.shape, values);
      for (int64_t size : shape)
        if (size < 0)
          return llvm::createStringError(
              llvm::inconvertibleErrorCode(),
              "compiled block output " + std::to_string(i) + " " +
                  describeType(type.dtype, type.shape) +
                  " has a size that no input or symbol gives");
      outputs.push_back(Tensor::empty(shape, type.dtype));
      arguments[inputs.size() + i] = &outputs.back();
      words += descriptorWords(shape.size());
    }
    // Sizes no input has: given by the caller (the pass's symbols).
    Tensor sizes;
    if (!sizeArguments_.empty()) {
      sizes = Tensor::empty({int64_t(sizeArguments_.size())}, DType::Int64);
      for (size_t i = 0; i < sizeArguments_.size(); ++i) {
        uint32_t symbol = symbolOf(sizeArguments_[i]);
        if (symbol >= values.size() || values[symbol] < 0)
          return llvm::createStringError(
              llvm::inconvertibleErrorCode(),
              "compiled block needs the value of a dynamic size that no "
              "input gives");
        sizes.data<int64_t>()[i] = values[symbol];
      }
      arguments[numArguments - 1] = &sizes;
      words += descriptorWords(sizes.shape().size());
    }

    std::vector<int64_t> descriptors(words);
    // The packed entry wants, per argument, a pointer to the argument value,
    // which is itself a pointer to the descriptor.
    std::vector<void *> pointers(2 * numArguments);
    void **descriptorPointers = pointers.data();
    void **packed = pointers.data() + numArguments;
    int64_t *next = descriptors.data();
    for (size_t i = 0; i < numArguments; ++i) {
      describe(*arguments[i], next);
      descriptorPointers[i] = next;
      packed[i] = &descriptorPointers[i];
      next += descriptorWords(arguments[i]->shape().size());
    }
    entry_(packed);
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
