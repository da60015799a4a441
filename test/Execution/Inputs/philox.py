"""A reference Philox-4x32-10 and the terra random ops, written from their
descriptions in dialects/terra/RandomOps.td (used by random.mlir)."""

import numpy as np

M0, M1 = 0xD2511F53, 0xCD9E8D57
W0, W1 = 0x9E3779B9, 0xBB67AE85
MASK = 0xFFFFFFFF


def philox4x32_10(counter, key):
    """The four output words for a 128-bit counter (4 words, low first) and a
    64-bit key (2 words, low first), per Salmon et al., SC'11."""
    c0, c1, c2, c3 = counter
    k0, k1 = key
    for round_ in range(10):
        if round_:
            k0, k1 = (k0 + W0) & MASK, (k1 + W1) & MASK
        p0, p1 = M0 * c0, M1 * c2
        hi0, lo0, hi1, lo1 = p0 >> 32, p0 & MASK, p1 >> 32, p1 & MASK
        c0, c1, c2, c3 = hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0
    return c0, c1, c2, c3


def words(key, counter, i):
    """Philox at the 128-bit counter (counter + i, 0) under the 64-bit key."""
    c = (counter + i) & 0xFFFFFFFFFFFFFFFF
    return philox4x32_10((c & MASK, c >> 32, 0, 0), (key & MASK, key >> 32))


def uniform(key, counter, n, low=0.0, high=1.0, dtype=np.float32):
    """terra.random_uniform: u = (w0 >> 8) / 2^24; low + (high - low) * u."""
    u = np.array([(words(key, counter, i)[0] >> 8) * 2.0**-24 for i in range(n)])
    return (low + (high - low) * u).astype(dtype)


def normal(key, counter, n, mean=0.0, std=1.0, dtype=np.float32):
    """terra.random_normal: Box-Muller of u1 = ((w0 >> 8) + 1) / 2^24 and
    u2 = (w1 >> 8) / 2^24."""
    out = []
    for i in range(n):
        w = words(key, counter, i)
        u1 = ((w[0] >> 8) + 1) * 2.0**-24
        u2 = (w[1] >> 8) * 2.0**-24
        out.append(mean + std * np.sqrt(-2.0 * np.log(u1)) * np.cos(2 * np.pi * u2))
    return np.array(out).astype(dtype)


def bernoulli(key, counter, probs, dtype=np.float32):
    """terra.random_bernoulli: 1 where the uniform at the same position is
    below probs[i]."""
    probs = np.asarray(probs, dtype=dtype)
    u = uniform(key, counter, probs.size, dtype=dtype).reshape(probs.shape)
    return (u < probs).astype(dtype)


if __name__ == "__main__":
    # Known-answer tests of Random123's kat_vectors for philox4x32_10.
    assert philox4x32_10((0, 0, 0, 0), (0, 0)) == (
        0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)
    assert philox4x32_10((MASK,) * 4, (MASK, MASK)) == (
        0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)
    assert philox4x32_10((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344),
                         (0xA4093822, 0x299F31D0)) == (
        0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)
    print("philox4x32_10 known-answer tests pass")
