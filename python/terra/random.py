"""terra.random: the default generator's seed and state (torch.random).

The generator itself and the sampling functions live in terra._random,
whose docstring describes the Philox stream they share with compiled code.
"""

from ._random import (Generator, default_generator, fork_rng, get_rng_state,
                      initial_seed, manual_seed, next_key_counter, seed,
                      set_rng_state)

__all__ = ["Generator", "default_generator", "fork_rng", "get_rng_state",
           "initial_seed", "manual_seed", "next_key_counter", "seed",
           "set_rng_state"]
