//===- EagerBlock.h - Running a block's ops with the eager kernels -*- C++
//-*-===//
//
// A traced block can always be run op by op with the kernels that produced
// it: co-execution does so after a divergence (replaying the validated
// prefix of a block so that every lazy tensor gets its value) and for blocks
// that have no compiled form. Each OpSpec is dispatched by name to the same
// ops:: entry point or Tensor view the imperative phase called, with the
// recorded attributes, so the values are those of the imperative run, bit
// for bit.
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_RUNTIME_EAGERBLOCK_H
#define TERRA_RUNTIME_EAGERBLOCK_H

#include "terra/Compiler/BlockSpec.h"

#include <vector>

namespace terra {

/// Runs the first `count` ops of `spec` (all of them by default) on
/// `inputs`; returns each op's results. Throws terra::Error for an op name
/// it does not know or a missing attribute, and whatever the kernels throw.
std::vector<std::vector<Tensor>>
runOpsEagerly(const compiler::BlockSpec &spec,
              const std::vector<Tensor> &inputs, size_t count = SIZE_MAX);

} // namespace terra

#endif // TERRA_RUNTIME_EAGERBLOCK_H
