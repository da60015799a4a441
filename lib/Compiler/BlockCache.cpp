//===- BlockCache.cpp - Compiled blocks keyed by structure ----------------===//
//
// The in-process cache, in front of the disk cache (CompileOptions) that
// CompiledBlock consults.
//
//===----------------------------------------------------------------------===//

#include "terra/Compiler/BlockCompiler.h"

namespace terra {
namespace compiler {

namespace {

/// The entry's outcome: its block, or its failure as the same kind of error.
template <typename Entry>
llvm::Expected<std::shared_ptr<CompiledBlock>> replay(const Entry &entry) {
  if (entry.block)
    return entry.block;
  if (entry.unsupported)
    return llvm::make_error<UnsupportedOpError>(entry.opName, entry.opIndex,
                                                entry.error);
  return llvm::createStringError(llvm::inconvertibleErrorCode(), entry.error);
}

} // namespace

llvm::Expected<std::shared_ptr<CompiledBlock>>
BlockCache::get(const BlockSpec &spec) {
  return get(spec, /*cachedOnly=*/false);
}

llvm::Expected<std::shared_ptr<CompiledBlock>>
BlockCache::getIfCached(const BlockSpec &spec) {
  return get(spec, /*cachedOnly=*/true);
}

llvm::Expected<std::shared_ptr<CompiledBlock>>
BlockCache::get(const BlockSpec &spec, bool cachedOnly) {
  size_t hash = hashBlockSpec(spec);
  auto find = [&]() -> std::shared_ptr<Entry> {
    auto range = entries_.equal_range(hash);
    for (auto it = range.first; it != range.second; ++it)
      if (equalBlockSpecs(it->second->spec, spec))
        return it->second;
    return nullptr;
  };
  CompileOptions options;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (std::shared_ptr<Entry> entry = find())
      return replay(*entry);
    options = options_;
    options.name += std::to_string(compilations_);
  }

  // Compile without the lock: other blocks stay available meanwhile.
  auto entry = std::make_shared<Entry>();
  entry->spec = spec;
  auto compiled = cachedOnly ? CompiledBlock::loadCached(spec, options)
                             : CompiledBlock::compile(spec, options);
  if (compiled && !*compiled)
    return nullptr; // Not on disk: nothing to remember.
  if (compiled) {
    entry->block = std::move(*compiled);
  } else {
    llvm::handleAllErrors(
        compiled.takeError(),
        [&](const UnsupportedOpError &error) {
          entry->unsupported = true;
          entry->opName = error.opName;
          entry->opIndex = error.opIndex;
          entry->error = error.reason;
        },
        [&](const llvm::ErrorInfoBase &error) {
          entry->error = error.message();
        });
  }

  std::lock_guard<std::mutex> lock(mutex_);
  // Another thread may have compiled the same block meanwhile: keep one.
  if (std::shared_ptr<Entry> existing = find())
    return replay(*existing);
  entries_.emplace(hash, entry);
  ++compilations_;
  return replay(*entry);
}

size_t BlockCache::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

size_t BlockCache::compilations() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return compilations_;
}

} // namespace compiler
} // namespace terra
