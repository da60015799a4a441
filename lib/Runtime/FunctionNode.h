//===- FunctionNode.h - Backward nodes of the differentiable ops -*- C++
//-*-===//
//
// What the files defining differentiable eager ops (Functions.cpp,
// Losses.cpp) share: a node whose backward lambda holds exactly what the
// gradient needs, and the constant scalars those lambdas compute with.
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_LIB_RUNTIME_FUNCTIONNODE_H
#define TERRA_LIB_RUNTIME_FUNCTIONNODE_H

#include "terra/Runtime/Autograd.h"

#include <functional>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace terra {
namespace functions {
namespace detail {

using Grads = std::vector<Tensor>;
/// Gradients of a node's inputs from those of its outputs; an input that
/// needs none gets an undefined tensor.
using Backward = std::function<Grads(const Grads &)>;

class FunctionNode : public autograd::Node {
public:
  /// `name` is a string literal (kept as a pointer: most grad_fn names are
  /// too long for std::string's inline buffer).
  FunctionNode(const char *name, Backward backward)
      : name_(name), backward_(std::move(backward)) {}

  std::string name() const override { return name_; }

  std::vector<Tensor> apply(std::vector<Tensor> gradOutputs) override {
    if (!gradOutputs[0].defined())
      return {};
    return backward_(gradOutputs);
  }

  /// Destroys the lambda and with it the saved tensors (after a backward
  /// without retain_graph).
  void releaseSaved() override { backward_ = nullptr; }

private:
  const char *name_;
  Backward backward_;
};

/// Makes `output` the result of a node named `name` (PyTorch's grad_fn
/// name) over `inputs`; a null input has no gradient edge.
void record(Tensor &output, const char *name,
            std::initializer_list<const Tensor *> inputs, Backward backward);

/// A 0-d constant (traced as a constant, not fed).
Tensor scalar(double value, DType dtype);

} // namespace detail
} // namespace functions
} // namespace terra

#endif // TERRA_LIB_RUNTIME_FUNCTIONNODE_H
