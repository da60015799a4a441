//===- Pass.cpp - A pass through a compiled block, on the runner ----------===//

#include "Pass.h"

#include "terra/Runtime/EagerBlock.h"

#include <cstring>

namespace terra {
namespace coexec {

bool isViewOp(const char *name) {
  static const char *const views[] = {
      "reshape", "permute",   "transpose", "expand",     "slice",
      "select",  "unsqueeze", "squeeze",   "contiguous", "as_strided"};
  for (const char *view : views)
    if (std::strcmp(name, view) == 0)
      return true;
  return false;
}

namespace {

/// Gives `storage` the value `value` (a contiguous copy if it is not).
void fulfilWith(Storage &storage, const Tensor &value) {
  Tensor contiguous = value.isContiguous() ? value : value.contiguous();
  storage.fulfil(contiguous.storage(), contiguous.data());
}

} // namespace

void publishEagerResults(Pass &pass,
                         const std::vector<std::vector<Tensor>> &results) {
  for (size_t op = 0; op < results.size(); ++op) {
    for (size_t r = 0; r < results[op].size(); ++r)
      if (std::shared_ptr<Storage> storage = pass.lazy(op, r).storage.lock())
        if (storage->isPending())
          fulfilWith(*storage, results[op][r]);
    if (pass.writeBacks[op].defined())
      pass.writeBacks[op].copyFrom(results[op][0]);
  }
}

compiler::BlockSpec concreteSpec(const Pass &pass) {
  const compiler::BlockSpec &spec = pass.block->traced.spec;
  return pass.block->symbolic ? compiler::specializeSymbols(spec, pass.symbols)
                              : spec;
}

void releaseInUse(Pass &pass) {
  for (const std::shared_ptr<Storage> &storage : pass.inUse) {
    storage->releasePendingWrite();
    storage->releasePassHold();
  }
  pass.inUse.clear();
}

Pass::~Pass() {
  releaseInUse(*this);
  releaseHeld();
}

void Pass::bindInput(uint32_t input, Tensor value) {
  if (inputs[input].defined())
    inputs[input].storage()->releasePassHold();
  if (value.defined())
    value.storage()->addPassHold();
  inputs[input] = std::move(value);
}

void Pass::writeBackTo(uint32_t op, const Tensor &target) {
  if (writeBacks[op].defined())
    writeBacks[op].storage()->releasePassHold();
  target.storage()->addPassHold();
  writeBacks[op] = target;
}

void Pass::keepInUse(const std::shared_ptr<Storage> &storage) {
  storage->addPendingWrite();
  storage->addPassHold();
  inUse.push_back(storage);
}

void Pass::releaseHeld() {
  for (std::vector<Tensor> *held : {&inputs, &writeBacks})
    for (const Tensor &tensor : *held)
      if (tensor.defined())
        tensor.storage()->releasePassHold();
  inputs.clear();
  writeBacks.clear();
}

void Pass::start(std::shared_ptr<BlockState> started) {
  block = std::move(started);
  compiled = std::atomic_load(&block->slot->compiled);
  next = 0;
  size_t numOps = block->traced.spec.ops.size();
  releaseHeld();
  inputs.resize(block->traced.spec.inputs.size());
  results.clear();
  results.resize(block->firstResult.back());
  inUse.clear();
  inUse.reserve(inputs.size() + 8);
  visits.resize(numOps);
  writeBacks.resize(numOps);
  symbols.clear();
}

void runPass(Pass &pass, bool eagerly) {
  struct Release {
    Pass &pass;
    ~Release() { releaseInUse(pass); }
  } release{pass};
  const trace::TracedBlock &traced = pass.block->traced;
  if (eagerly) {
    publishEagerResults(pass, runOpsEagerly(concreteSpec(pass), pass.inputs));
    return;
  }
  llvm::Expected<std::vector<Tensor>> outputs =
      pass.compiled->run(pass.inputs, pass.symbols);
  if (!outputs)
    throwError(Error::Kind::Runtime, "a compiled block failed: " +
                                         llvm::toString(outputs.takeError()));
  for (size_t i = 0; i < outputs->size(); ++i) {
    const trace::BlockOutput &output = traced.outputs[i];
    const Tensor &value = (*outputs)[i];
    if (std::shared_ptr<Storage> storage =
            pass.lazy(output.op, output.result).storage.lock())
      if (storage->isPending())
        fulfilWith(*storage, value);
    if (pass.writeBacks[output.op].defined())
      pass.writeBacks[output.op].copyFrom(value);
  }
}

} // namespace coexec
} // namespace terra
