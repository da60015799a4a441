//===- Autograd.cpp - Autograd state and the backward engine --------------===//

#include "terra/Runtime/Autograd.h"

#include "terra/Runtime/Ops.h"
#include "terra/Runtime/Recording.h"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <memory_resource>
#include <queue>
#include <unordered_map>
#include <unordered_set>

namespace terra {
namespace autograd {
namespace {

thread_local bool gradEnabled = true;
std::atomic<uint64_t> nextSequenceNr{0};

AutogradMeta &meta(Tensor &tensor) {
  if (!tensor.autograd())
    tensor.autograd() = std::make_shared<AutogradMeta>();
  return *tensor.autograd();
}

/// Adds a gradient into a leaf's `grad`.
class AccumulateGrad : public Node {
public:
  explicit AccumulateGrad(std::shared_ptr<AutogradMeta> leaf)
      : leaf_(std::move(leaf)) {
    // As in PyTorch, a leaf's gradient is accumulated as soon as it is
    // ready. The node is cached while a graph holds it and made again
    // otherwise; a creation-time priority would make the backward order
    // (and so the traced op order) depend on which graphs Python kept.
    sequenceNr = UINT64_MAX;
  }

  std::string name() const override { return "AccumulateGrad"; }

  std::vector<Tensor> apply(std::vector<Tensor> gradOutputs) override {
    Tensor &incoming = gradOutputs[0];
    if (!incoming.defined())
      return {};
    // The gradient is the leaf's own, contiguous tensor: optimisers update
    // it in place. It is a clone to the tracer whether or not memory had to
    // be copied (a lazy tensor never shares memory), so that the traced ops
    // do not depend on how the eager kernels laid out their results.
    if (!leaf_->grad.defined()) {
      recording::Scope scope;
      leaf_->grad = scope.op("clone", {&incoming}, [&] {
        return incoming.storage().use_count() > 1 || !incoming.isContiguous()
                   ? incoming.clone()
                   : incoming;
      });
    } else
      leaf_->grad = ops::binary(ops::BinaryOp::Add, leaf_->grad, incoming);
    return {};
  }

private:
  std::shared_ptr<AutogradMeta> leaf_;
};

/// Gradients waiting for a node: one slot per node output.
struct PendingGrads {
  std::vector<Tensor> grads;
  void add(int slot, const Tensor &grad, int slots) {
    if (grads.empty())
      grads.resize(slots);
    Tensor &existing = grads[slot];
    existing = existing.defined()
                   ? ops::binary(ops::BinaryOp::Add, existing, grad)
                   : grad;
  }
};

} // namespace

Node::Node() : sequenceNr(nextSequenceNr++) {}

bool isGradEnabled() { return gradEnabled; }
void setGradEnabled(bool enabled) { gradEnabled = enabled; }

bool requiresGrad(const Tensor &tensor) {
  return tensor.autograd() && tensor.autograd()->requiresGrad;
}

bool isLeaf(const Tensor &tensor) {
  return !tensor.autograd() || !tensor.autograd()->gradFn;
}

void setRequiresGrad(Tensor &tensor, bool requires) {
  if (!isLeaf(tensor)) {
    if (!requires)
      throwError(Error::Kind::Runtime,
                 "you can only change requires_grad flags of leaf variables. "
                 "If you want to use a computed variable in a subgraph that "
                 "doesn't require differentiation use var_no_grad = "
                 "var.detach().");
    return;
  }
  if (requires && !isFloating(tensor.dtype()))
    throwError(Error::Kind::Runtime,
               "only Tensors of floating point dtype can require gradients");
  meta(tensor).requiresGrad =
    requires;
}

const std::shared_ptr<Node> &gradFn(const Tensor &tensor) {
  static const std::shared_ptr<Node> none;
  return tensor.autograd() ? tensor.autograd()->gradFn : none;
}

Tensor grad(const Tensor &tensor) {
  return tensor.autograd() ? tensor.autograd()->grad : Tensor();
}

void setGrad(Tensor &tensor, const Tensor &grad) {
  if (grad.defined() && grad.shape() != tensor.shape())
    throwError(Error::Kind::Runtime,
               "assigned grad has data of a different size: " +
                   formatShape(grad.shape()) + " vs " +
                   formatShape(tensor.shape()));
  meta(tensor).grad = grad;
}

void retainGrad(Tensor &tensor) {
  if (!requiresGrad(tensor))
    throwError(Error::Kind::Runtime,
               "can't retain_grad on Tensor that has requires_grad=False");
  AutogradMeta &state = meta(tensor);
  state.retainsGrad = true;
  if (!state.gradFn)
    return; // Leaves keep their gradient anyway.
  auto &retained = state.gradFn->retainedGrads;
  retained.resize(state.gradFn->numOutputs);
  retained[state.outputNr] = tensor.autograd();
}

Edge gradientEdge(const Tensor &tensor) {
  if (!requiresGrad(tensor))
    return {};
  AutogradMeta &state = *tensor.autograd();
  if (state.gradFn)
    return {state.gradFn, state.outputNr};
  std::shared_ptr<Node> accumulator = state.accumulator.lock();
  if (!accumulator) {
    accumulator = std::make_shared<AccumulateGrad>(tensor.autograd());
    state.accumulator = accumulator;
  }
  return {accumulator, 0};
}

void setHistory(Tensor &output, const std::shared_ptr<Node> &node,
                int outputNr) {
  // A fresh state: outputs of an op never share autograd state with its
  // inputs, even when they share storage (views).
  output.autograd() = std::make_shared<AutogradMeta>();
  output.autograd()->requiresGrad = true;
  output.autograd()->gradFn = node;
  output.autograd()->outputNr = outputNr;
}

bool anyRequiresGrad(std::initializer_list<const Tensor *> inputs) {
  if (!gradEnabled)
    return false;
  for (const Tensor *input : inputs)
    if (input && input->defined() && requiresGrad(*input))
      return true;
  return false;
}

Tensor sumToShape(const Tensor &grad, const Shape &shape) {
  if (grad.shape() == shape)
    return grad;
  size_t lead = grad.dim() - shape.size();
  std::vector<int64_t> axes;
  bool leadingOnly = true;
  for (size_t d = 0; d < static_cast<size_t>(grad.dim()); ++d)
    if (d < lead || (shape[d - lead] == 1 && grad.shape()[d] != 1)) {
      axes.push_back(static_cast<int64_t>(d));
      leadingOnly &= d < lead;
    }
  // A bias's gradient (leading axes only) needs no reshape after the sum.
  Tensor summed = ops::sum(grad, axes, /*keepdim=*/!leadingOnly);
  if (summed.dtype() != grad.dtype())
    summed = summed.to(grad.dtype());
  return leadingOnly ? summed : summed.reshape(shape);
}

void backward(const std::vector<Tensor> &outputs,
              const std::vector<Tensor> &gradOutputs, bool retainGraph) {
  NoGradGuard noGrad;
  // The engine's maps, sets and queue live in one arena for the call: with
  // the heap they made about 60 allocations for a small MLP's backward.
  alignas(std::max_align_t) std::byte arenaBuffer[16384];
  std::pmr::monotonic_buffer_resource arena(arenaBuffer, sizeof(arenaBuffer));
  // Seed the roots.
  std::pmr::unordered_map<Node *, PendingGrads> pending(&arena);
  std::vector<std::shared_ptr<Node>> roots;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor &output = outputs[i];
    if (!requiresGrad(output))
      throwError(Error::Kind::Runtime,
                 "element " + std::to_string(i) +
                     " of tensors does not require grad and does not have a "
                     "grad_fn");
    Tensor seed = i < gradOutputs.size() ? gradOutputs[i] : Tensor();
    if (!seed.defined()) {
      if (output.numel() != 1)
        throwError(Error::Kind::Runtime,
                   "grad can be implicitly created only for scalar outputs");
      seed = Tensor::full(output.shape(), output.dtype(), 1.0);
    } else if (seed.shape() != output.shape()) {
      throwError(Error::Kind::Runtime,
                 "Mismatch in shape: grad_output[" + std::to_string(i) +
                     "] has a shape of " + formatShape(seed.shape()) +
                     " and output[" + std::to_string(i) + "] has a shape of " +
                     formatShape(output.shape()) + ".");
    }
    Edge edge = gradientEdge(output);
    pending[edge.node.get()].add(edge.inputNr, seed, edge.node->numOutputs);
    roots.push_back(edge.node);
  }

  // Count, for every node reachable from the roots, how many edges lead to
  // it, so that it runs once all its gradients have arrived.
  std::pmr::unordered_map<Node *, int> dependencies(&arena);
  std::pmr::unordered_set<Node *> seen(&arena);
  std::pmr::vector<Node *> stack(&arena);
  for (const auto &root : roots)
    if (seen.insert(root.get()).second)
      stack.push_back(root.get());
  while (!stack.empty()) {
    Node *node = stack.back();
    stack.pop_back();
    for (const Edge &edge : node->nextEdges) {
      if (!edge.valid())
        continue;
      ++dependencies[edge.node.get()];
      if (seen.insert(edge.node.get()).second)
        stack.push_back(edge.node.get());
    }
  }

  // Ready nodes run latest-created first (PyTorch's order on one thread).
  auto later = [](const std::shared_ptr<Node> &a,
                  const std::shared_ptr<Node> &b) {
    return a->sequenceNr < b->sequenceNr;
  };
  std::priority_queue<std::shared_ptr<Node>,
                      std::pmr::vector<std::shared_ptr<Node>>, decltype(later)>
      ready(later, std::pmr::vector<std::shared_ptr<Node>>(&arena));
  std::pmr::unordered_set<Node *> queued(&arena);
  for (const auto &root : roots)
    if (dependencies[root.get()] == 0 && queued.insert(root.get()).second)
      ready.push(root);

  while (!ready.empty()) {
    std::shared_ptr<Node> node = ready.top();
    ready.pop();
    if (node->savedReleased)
      throwError(Error::Kind::Runtime,
                 "Trying to backward through the graph a second time (or "
                 "directly access saved tensors after they have already been "
                 "freed). Saved intermediate values of the graph are freed "
                 "when you call .backward() or autograd.grad(). Specify "
                 "retain_graph=True if you need to backward through the "
                 "graph a second time or if you need to access saved tensors "
                 "after calling backward.");
    std::vector<Tensor> grads = std::move(pending[node.get()].grads);
    pending.erase(node.get());
    grads.resize(node->numOutputs);
    for (size_t i = 0; i < node->retainedGrads.size(); ++i) {
      std::shared_ptr<AutogradMeta> retained = node->retainedGrads[i].lock();
      if (!retained || !grads[i].defined())
        continue;
      retained->grad =
          retained->grad.defined()
              ? ops::binary(ops::BinaryOp::Add, retained->grad, grads[i])
              : grads[i].clone();
    }
    std::vector<Tensor> inputGrads = node->apply(std::move(grads));
    if (!retainGraph) {
      node->releaseSaved();
      if (node->name() != "AccumulateGrad")
        node->savedReleased = true;
    }
    for (size_t i = 0; i < node->nextEdges.size(); ++i) {
      const Edge &edge = node->nextEdges[i];
      if (!edge.valid())
        continue;
      if (i < inputGrads.size() && inputGrads[i].defined())
        pending[edge.node.get()].add(edge.inputNr, inputGrads[i],
                                     edge.node->numOutputs);
      if (--dependencies[edge.node.get()] == 0 &&
          queued.insert(edge.node.get()).second)
        ready.push(edge.node);
    }
  }
}

} // namespace autograd
} // namespace terra
