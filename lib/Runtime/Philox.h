//===- Philox.h - Philox-4x32-10, as the terra random ops define it -*- C++
//-*-===//
//
// Salmon et al., SC'11; the same rounds as the lowering in
// lib/Conversion/TerraToLinalg/RandomPatterns.cpp and the reference in
// test/Execution/Inputs/philox.py.
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_LIB_RUNTIME_PHILOX_H
#define TERRA_LIB_RUNTIME_PHILOX_H

#include <array>
#include <cstdint>

namespace terra {
namespace detail {

/// The four output words for the 128-bit counter `c` (low word first) under
/// the 64-bit key (k0 low, k1 high).
inline std::array<uint32_t, 4> philox4x32(std::array<uint32_t, 4> c,
                                          uint32_t k0, uint32_t k1) {
  constexpr uint64_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;
  constexpr uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k0 += kW0;
      k1 += kW1;
    }
    uint64_t p0 = kM0 * c[0], p1 = kM1 * c[2];
    c = {static_cast<uint32_t>(p1 >> 32) ^ c[1] ^ k0, static_cast<uint32_t>(p1),
         static_cast<uint32_t>(p0 >> 32) ^ c[3] ^ k1,
         static_cast<uint32_t>(p0)};
  }
  return c;
}

/// Philox at the counter (counter + index, 0) under `key`: the words of
/// element `index` of a terra.random_* op.
inline std::array<uint32_t, 4> philoxAt(uint64_t key, uint64_t counter,
                                        uint64_t index) {
  uint64_t c = counter + index; // Wraps modulo 2^64, as the i64 add does.
  return philox4x32(
      {static_cast<uint32_t>(c), static_cast<uint32_t>(c >> 32), 0, 0},
      static_cast<uint32_t>(key), static_cast<uint32_t>(key >> 32));
}

} // namespace detail
} // namespace terra

#endif // TERRA_LIB_RUNTIME_PHILOX_H
