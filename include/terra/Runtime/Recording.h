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
};

/// The calling thread's observer (null: not recording).
Observer *observer();
/// Installs `observer` for the calling thread; returns the previous one.
Observer *setObserver(Observer *observer);

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

  /// Announces `result = name(operands)` if this is the outermost op;
  /// `attributes` is a callable returning the Attributes, called only then.
  template <typename AttributesFn>
  Tensor &&op(const char *name, Tensor &&result, Operands operands,
              AttributesFn &&attributes) {
    if (observer_ && outermost_) {
      Tensor *results[] = {&result};
      observer_->op(name, attributes(), operands, Results(results, 1));
    }
    return std::move(result);
  }
  Tensor &&op(const char *name, Tensor &&result, Operands operands) {
    return op(name, std::move(result), operands, [] { return Attributes(); });
  }

  /// The observer, if this is the outermost op (for ops with several
  /// results or in-place ops).
  Observer *outermost() const { return outermost_ ? observer_ : nullptr; }

private:
  static int &depth();

  Observer *observer_;
  bool outermost_ = false;
};

} // namespace recording
} // namespace terra

#endif // TERRA_RUNTIME_RECORDING_H
