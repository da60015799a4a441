//===- Autograd.h - Reverse-mode differentiation of eager ops ---*- C++ -*-===//
//
// PyTorch's model: every tensor that requires a gradient and was computed by
// an op points at the op's backward Node (its grad_fn); leaves point at
// nothing and receive their gradient in `grad`. backward() walks the Nodes
// from the outputs in reverse creation order, each Node turning the
// gradients of its outputs into those of its inputs.
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_RUNTIME_AUTOGRAD_H
#define TERRA_RUNTIME_AUTOGRAD_H

#include "terra/Runtime/Tensor.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace terra {
namespace autograd {

class Node;

/// Where a gradient flows: input `inputNr` of `node`.
struct Edge {
  std::shared_ptr<Node> node;
  int inputNr = 0;
  bool valid() const { return node != nullptr; }
};

/// The backward function of one op application.
class Node : public std::enable_shared_from_this<Node> {
public:
  Node();
  virtual ~Node() = default;

  /// PyTorch's name of the node, e.g. "AddBackward0".
  virtual std::string name() const = 0;
  /// Gradients of the op's inputs (undefined where an input needs none)
  /// from those of its outputs (undefined where an output got none).
  virtual std::vector<Tensor> apply(std::vector<Tensor> gradOutputs) = 0;
  /// Drops the tensors saved for backward (after backward without
  /// retain_graph).
  virtual void releaseSaved() {}

  /// One edge per differentiable input, in input order.
  std::vector<Edge> nextEdges;
  /// Creation order: later nodes run first.
  uint64_t sequenceNr;
  /// Per output, the state of a non-leaf tensor that retains its gradient
  /// (Tensor.retain_grad()).
  std::vector<std::weak_ptr<AutogradMeta>> retainedGrads;
  bool savedReleased = false;
  int numOutputs = 1;
};

/// The autograd state of a tensor.
struct AutogradMeta {
  bool requiresGrad = false;
  bool retainsGrad = false;
  Tensor grad;
  std::shared_ptr<Node> gradFn; // Null for leaves.
  int outputNr = 0;
  /// The node that accumulates into a leaf's `grad` (shared by all ops that
  /// use the leaf during one graph's life).
  std::weak_ptr<Node> accumulator;
};

/// Whether ops record backward nodes on this thread (torch.no_grad turns
/// it off).
bool isGradEnabled();
void setGradEnabled(bool enabled);

/// Disables recording for a scope.
class NoGradGuard {
public:
  NoGradGuard() : previous_(isGradEnabled()) { setGradEnabled(false); }
  ~NoGradGuard() { setGradEnabled(previous_); }

private:
  bool previous_;
};

bool requiresGrad(const Tensor &tensor);
bool isLeaf(const Tensor &tensor);
/// Marks a leaf as requiring a gradient; errors as PyTorch for non-leaves
/// (turning it off) and for non-floating tensors.
void setRequiresGrad(Tensor &tensor, bool requires);
const std::shared_ptr<Node> &gradFn(const Tensor &tensor);
/// The accumulated gradient of a leaf (or a tensor that retains its grad).
Tensor grad(const Tensor &tensor);
void setGrad(Tensor &tensor, const Tensor &grad);
void retainGrad(Tensor &tensor);

/// The edge that a gradient for `tensor` should flow along: its grad_fn's
/// input, or the accumulator of a leaf. Invalid when it needs no gradient.
Edge gradientEdge(const Tensor &tensor);

/// Sets `output`'s grad_fn to `node` (as output `outputNr`) and marks it
/// as requiring a gradient.
void setHistory(Tensor &output, const std::shared_ptr<Node> &node,
                int outputNr = 0);

/// Whether an op with these inputs must record a node.
bool anyRequiresGrad(std::initializer_list<const Tensor *> inputs);

/// Runs backward from `outputs`; `gradOutputs[i]` may be undefined for a
/// one-element output (it is then 1). Errors as PyTorch for non-scalar
/// outputs without a gradient, outputs that do not require grad, and a
/// second backward through freed buffers.
void backward(const std::vector<Tensor> &outputs,
              const std::vector<Tensor> &gradOutputs, bool retainGraph);

/// A gradient of `grad`'s values summed down to `shape` (undoing NumPy
/// broadcasting).
Tensor sumToShape(const Tensor &grad, const Shape &shape);

} // namespace autograd
} // namespace terra

#endif // TERRA_RUNTIME_AUTOGRAD_H
