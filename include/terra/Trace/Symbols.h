//===- Symbols.h - Symbolic sizes of generalised nodes ----------*- C++ -*-===//
//
// Automatic dynamic shapes: when a node of the TraceGraph is met again with
// other sizes, the sizes that changed become symbols (terra/Runtime/
// Tensor.h) in its operand and result types and integer attributes. A
// concrete op then matches the node when each symbol takes one value
// throughout the op; the values it takes give the result shapes.
//
// A symbol never takes the value 0 or 1: a size-1 dimension broadcasts, so
// an op that meets one may compute something else than the node recorded.
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_TRACE_SYMBOLS_H
#define TERRA_TRACE_SYMBOLS_H

#include "terra/Compiler/BlockSpec.h"

#include <cstdint>

namespace terra {
namespace trace {

/// The values the symbols of one op call take. Fixed capacity, so that
/// matching allocates nothing.
class SymbolBindings {
public:
  static constexpr unsigned kCapacity = 16;

  void clear() { count_ = 0; }
  /// Gives `symbol` the value `value`, or checks that it has it.
  bool bind(uint32_t symbol, int64_t value);
  /// The value of `symbol`, or -1 when unbound.
  int64_t valueOf(uint32_t symbol) const;
  /// A symbol bound to `value`, if any.
  bool symbolWithValue(int64_t value, uint32_t &symbol) const;

  unsigned size() const { return count_; }
  uint32_t symbol(unsigned i) const { return symbols_[i]; }
  int64_t value(unsigned i) const { return values_[i]; }

private:
  uint32_t symbols_[kCapacity];
  int64_t values_[kCapacity];
  unsigned count_ = 0;
};

/// Whether the `rank` sizes `actual` fit `pattern`: equal, or a symbol
/// that binds.
bool matchSizes(const int64_t *pattern, const int64_t *actual, size_t rank,
                SymbolBindings &bindings);
/// Whether attribute `actual` fits `pattern` the same way.
bool matchAttribute(const compiler::Attribute &pattern,
                    const compiler::Attribute &actual,
                    SymbolBindings &bindings);
/// `pattern` with its symbols' values; false if one is unbound.
bool resolveSizes(const Shape &pattern, const SymbolBindings &bindings,
                  Shape &sizes);

} // namespace trace
} // namespace terra

#endif // TERRA_TRACE_SYMBOLS_H
