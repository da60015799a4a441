//===- Recording.h - Telling the tracer which eager ops ran -----*- C++ -*-===//
//
// In the imperative phase every DL op runs eagerly and is also recorded
// (lib/Trace). The eager ops and Tensor's views announce themselves here to
// the thread's observer, if one is installed; without one the cost per op is
// one thread-local load.
//
// Only the outermost op is announced: a kernel that calls other ops or views
// internally (matmul transposing an operand, backward formulas composing
// several ops) is one op to the observer, and the ops inside it are not.
// Names and attributes are those of compiler::OpSpec (BlockSpec.h), so that
// a recorded op means exactly what the compiler will build for it.
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_RUNTIME_RECORDING_H
#define TERRA_RUNTIME_RECORDING_H

#include "terra/Compiler/BlockSpec.h"

#include <initializer_list>
#include <type_traits>
#include <utility>
#include <vector>

namespace terra {
namespace recording {

using Attributes = std::vector<compiler::NamedAttribute>;

/// A borrowed array (C++17 has no std::span).
template <typename T> struct Span {
  T *data = nullptr;
  size_t size = 0;
  Span() = default;
  Span(T *data, size_t size) : data(data), size(size) {}
  Span(std::initializer_list<std::remove_const_t<T>> list)
      : data(list.begin()), size(list.size()) {}
  Span(const std::vector<std::remove_const_t<T>> &list)
      : data(list.data()), size(list.size()) {}
  T *begin() const { return data; }
  T *end() const { return data + size; }
  T &operator[](size_t i) const { return data[i]; }
};
using Operands = Span<const Tensor *const>;
using Results = Span<Tensor *const>;

class Observer {
public:
  virtual ~Observer();
  /// Op `name` computed `results` from `operands`. The observer may tag the
  /// results (Tensor::traceTag) to know them when they come back as
  /// operands.
  virtual void op(const char *name, Attributes attributes, Operands operands,
                  Results results) = 0;
  /// Op `name` computed a new value for `target` in place from `operands`
  /// (the first is the target's old value).
  virtual void inPlace(const char *name, Attributes attributes,
                       Operands operands, Tensor &target) = 0;

  /// Co-execution: asked before the op's kernel runs. Returning true means
  /// the observer made `results` itself (lazy tensors that a compiled block
  /// will fill) and the kernel must not run; op() is not called then.
  virtual bool deferOp(const char *name, const Attributes &attributes,
                       Operands operands, Results results);
  /// The same for an in-place op on `target`.
  virtual bool deferInPlace(const char *name, const Attributes &attributes,
                            Operands operands, Tensor &target);
};

/// The calling thread's observer (null: not recording).
Observer *observer();
/// Installs `observer` for the calling thread; returns the previous one.
Observer *setObserver(Observer *observer);

/// Turns the calling thread's observer off for its lifetime (co-execution
/// replaying a block's ops with the eager kernels), keeping the op depth.
class Pause {
public:
  Pause();
  ~Pause();
  Pause(const Pause &) = delete;
  Pause &operator=(const Pause &) = delete;

private:
  Observer *saved_;
};

/// Marks the extent of one op. Ops started while another op's scope is open
/// are internal to it and not announced.
class Scope {
public:
  Scope() : observer_(observer()) {
    if (observer_)
      outermost_ = depth()++ == 0;
  }
  ~Scope() {
    if (observer_)
      --depth();
  }
  Scope(const Scope &) = delete;
  Scope &operator=(const Scope &) = delete;

  /// Runs `kernel` (a callable returning the result) and announces
  /// `result = name(operands)` if this is the outermost op; `attributes` is
  /// a callable returning the Attributes, called only then. In co-execution
  /// the observer may make the result instead, and the kernel does not run.
  template <typename Kernel, typename AttributesFn>
  Tensor op(const char *name, Operands operands, Kernel &&kernel,
            AttributesFn &&attributes) {
    if (!observer_ || !outermost_)
      return kernel();
    Tensor result;
    Tensor *results[] = {&result};
    run(name, attributes(), operands, Results(results, 1),
        [&] { result = kernel(); });
    return result;
  }
  template <typename Kernel>
  Tensor op(const char *name, Operands operands, Kernel &&kernel) {
    return op(name, operands, std::forward<Kernel>(kernel),
              [] { return Attributes(); });
  }

  /// For ops with several results: `kernel` fills `results`. Call only when
  /// outermost() is set.
  template <typename Kernel>
  void run(const char *name, Attributes attributes, Operands operands,
           Results results, Kernel &&kernel) {
    if (observer_->deferOp(name, attributes, operands, results))
      return;
    kernel();
    observer_->op(name, std::move(attributes), operands, results);
  }

  /// Runs `kernel`, which writes `target` in place, and announces it if
  /// this is the outermost op (operands[0] is the target's old value).
  template <typename Kernel, typename AttributesFn>
  void inPlace(const char *name, Operands operands, Tensor &target,
               Kernel &&kernel, AttributesFn &&attributes) {
    if (!observer_ || !outermost_) {
      kernel();
      return;
    }
    Attributes announced = attributes();
    // A write through a view (buffer[:, 0] = x): the trace models values,
    // not memory, so it cannot tell which other tensors see the write; the
    // block holding it stays imperative (BlockToMLIR refuses it).
    if (!target.coversStorage())
      announced.push_back({"through_view", true});
    if (observer_->deferInPlace(name, announced, operands, target))
      return;
    kernel();
    observer_->inPlace(name, std::move(announced), operands, target);
  }
  template <typename Kernel>
  void inPlace(const char *name, Operands operands, Tensor &target,
               Kernel &&kernel) {
    inPlace(name, operands, target, std::forward<Kernel>(kernel),
            [] { return Attributes(); });
  }

  /// The observer, if this is the outermost op.
  Observer *outermost() const { return outermost_ ? observer_ : nullptr; }

private:
  static int &depth();

  Observer *observer_;
  bool outermost_ = false;
};

} // namespace recording
} // namespace terra

#endif // TERRA_RUNTIME_RECORDING_H
