//===- generate-only.cpp - The generator alone, for sanitizer builds ------===//
//
// terra-fuzz-eager generates random blocks like terra-fuzz but does not
// compile them: every proposed op, well-typed or not, goes through the
// eager kernels, which must either compute it or reject it with a
// terra::Error. Built without MLIR, it is what `make test-asan` runs under
// AddressSanitizer and UndefinedBehaviorSanitizer.
//
//===----------------------------------------------------------------------===//

#include "ProgramGenerator.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

int main(int argc, char **argv) {
  uint64_t programs = 200, seed = 1, ops = 24;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--programs") == 0)
      programs = std::strtoull(argv[i + 1], nullptr, 10);
    else if (std::strcmp(argv[i], "--seed") == 0)
      seed = std::strtoull(argv[i + 1], nullptr, 10);
    else if (std::strcmp(argv[i], "--ops") == 0)
      ops = std::strtoull(argv[i + 1], nullptr, 10);
    else {
      std::fprintf(stderr, "usage: terra-fuzz-eager [--programs N] [--seed S] "
                           "[--ops N]\n");
      return 2;
    }
  }
  uint64_t generated = 0;
  for (uint64_t i = 0; i < programs; ++i)
    generated +=
        terra::fuzz::ProgramGenerator(seed + i).generate(ops).spec.ops.size();
  std::printf("terra-fuzz-eager: %llu programs, %llu ops through the eager "
              "kernels\n",
              (unsigned long long)programs, (unsigned long long)generated);
  return 0;
}
