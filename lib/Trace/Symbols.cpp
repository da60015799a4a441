//===- Symbols.cpp - Matching concrete sizes against symbolic ones --------===//

#include "terra/Trace/Symbols.h"

namespace terra {
namespace trace {

bool SymbolBindings::bind(uint32_t symbol, int64_t value) {
  if (value < 2)
    return false;
  for (unsigned i = 0; i < count_; ++i)
    if (symbols_[i] == symbol)
      return values_[i] == value;
  if (count_ == kCapacity)
    return false;
  symbols_[count_] = symbol;
  values_[count_] = value;
  ++count_;
  return true;
}

int64_t SymbolBindings::valueOf(uint32_t symbol) const {
  for (unsigned i = 0; i < count_; ++i)
    if (symbols_[i] == symbol)
      return values_[i];
  return -1;
}

bool SymbolBindings::symbolWithValue(int64_t value, uint32_t &symbol) const {
  for (unsigned i = 0; i < count_; ++i)
    if (values_[i] == value) {
      symbol = symbols_[i];
      return true;
    }
  return false;
}

bool matchSizes(const int64_t *pattern, const int64_t *actual, size_t rank,
                SymbolBindings &bindings) {
  for (size_t d = 0; d < rank; ++d) {
    if (pattern[d] == actual[d])
      continue;
    if (!isSymbolicSize(pattern[d]) ||
        !bindings.bind(symbolOf(pattern[d]), actual[d]))
      return false;
  }
  return true;
}

bool matchAttribute(const compiler::Attribute &pattern,
                    const compiler::Attribute &actual,
                    SymbolBindings &bindings) {
  if (pattern == actual)
    return true;
  if (auto *list = std::get_if<std::vector<int64_t>>(&pattern)) {
    auto *values = std::get_if<std::vector<int64_t>>(&actual);
    return values && values->size() == list->size() &&
           matchSizes(list->data(), values->data(), list->size(), bindings);
  }
  if (auto *value = std::get_if<int64_t>(&pattern)) {
    auto *other = std::get_if<int64_t>(&actual);
    return other && matchSizes(value, other, 1, bindings);
  }
  return false;
}

bool resolveSizes(const Shape &pattern, const SymbolBindings &bindings,
                  Shape &sizes) {
  sizes = pattern;
  for (int64_t &size : sizes) {
    if (!isSymbolicSize(size))
      continue;
    size = bindings.valueOf(symbolOf(size));
    if (size < 0)
      return false;
  }
  return true;
}

} // namespace trace
} // namespace terra
