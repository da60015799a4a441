//===- ProgramGenerator.h - Random well-typed blocks ------------*- C++ -*-===//
//
// Generates random blocks (BlockSpecs) over every op family the compiler
// takes, with random shapes (size-1 and broadcast dims, 0-d scalars), dtypes
// and attributes. Each proposed op is run with the eager kernels first: one
// they reject (a shape that does not broadcast, an axis out of range) is
// dropped, so every generated op is one the imperative phase could have
// recorded, and its eager results are the reference the compiled block is
// compared with. The same seed gives the same block.
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_TOOLS_TERRA_FUZZ_PROGRAMGENERATOR_H
#define TERRA_TOOLS_TERRA_FUZZ_PROGRAMGENERATOR_H

#include "terra/Compiler/BlockSpec.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace terra {
namespace fuzz {

/// A generated block with its inputs and every op's eager results.
struct Program {
  compiler::BlockSpec spec;
  std::vector<Tensor> inputs;
  /// results[op][result], from the eager kernels.
  std::vector<std::vector<Tensor>> results;
};

/// Runs `op` alone on `operands` with the eager kernels (its operand ids
/// are ignored); throws what the kernels throw.
std::vector<Tensor> runEagerly(const compiler::OpSpec &op,
                               const std::vector<Tensor> &operands);

class ProgramGenerator {
public:
  explicit ProgramGenerator(uint64_t seed) : rng_(seed) {}
  /// The same seed with another `varyingSize` gives the same block where
  /// the generator's choices do not depend on sizes, with `varyingSize`
  /// wherever one of the random sizes would be 5 and `varyingSize` + 1
  /// where it would be 7 (terra-fuzz --dynamic).
  ProgramGenerator(uint64_t seed, int64_t varyingSize)
      : rng_(seed), valueRng_(seed), varyingSize_(varyingSize) {}

  /// A block of about `numOps` ops; its outputs are the results no later op
  /// uses, plus a random third of the others.
  Program generate(size_t numOps);

private:
  /// A value the next op may use: block input or op result.
  struct Value {
    compiler::ValueId id;
    Tensor tensor;
    /// Computed without rounding from the inputs (views, copies, max/min,
    /// comparisons...): ops with discontinuous results (comparisons,
    /// argmax, conversion to integers) take only such values, so that
    /// float reassociation in compiled code cannot flip them.
    bool exact;
  };

  uint64_t below(uint64_t n) { return n ? rng_() % n : 0; }
  bool chance(double p) {
    return std::uniform_real_distribution<double>(0, 1)(rng_) < p;
  }
  Shape randomShape(size_t minRank = 0, size_t maxRank = 4);
  /// `shape` with some dims set to 1 and some leading dims dropped: a shape
  /// that broadcasts against it.
  Shape broadcastableTo(const Shape &shape);
  Tensor randomTensor(const Shape &shape, DType dtype);
  /// A new block input.
  size_t addInput(const Shape &shape, DType dtype);
  /// A value of a floating dtype (a new input when there is none, or by
  /// chance).
  size_t pickFloat(bool exactOnly = false);
  size_t pickAny(bool exactOnly = false);

  /// Runs `op` on `operands` eagerly; appends it when the kernels take it.
  bool tryAdd(compiler::OpSpec op, const std::vector<size_t> &operands,
              bool exact);
  /// One random op of a random family.
  void proposeOp();

  /// Tensor values: a stream of their own with a varying size, so that the
  /// structure's choices stay aligned whatever the element counts.
  std::mt19937_64 &valueRng() { return varyingSize_ ? valueRng_ : rng_; }

  std::mt19937_64 rng_;
  std::mt19937_64 valueRng_;
  int64_t varyingSize_ = 0;
  Program program_;
  std::vector<Value> values_;
};

} // namespace fuzz
} // namespace terra

#endif // TERRA_TOOLS_TERRA_FUZZ_PROGRAMGENERATOR_H
