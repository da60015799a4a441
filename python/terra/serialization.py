"""terra.serialization: checkpoints (torch.serialization).

``terra.save`` / ``terra.load`` and the allow-list of globals that
``terra.load(..., weights_only=True)`` (the default) accepts. The format is
described in docs/serialization.md.
"""

from ._serialization import (DEFAULT_PROTOCOL, WeightsOnlyError,
                             add_safe_globals, clear_safe_globals,
                             get_safe_globals, load, safe_globals, save)

__all__ = ["DEFAULT_PROTOCOL", "WeightsOnlyError", "add_safe_globals",
           "clear_safe_globals", "get_safe_globals", "load", "safe_globals",
           "save"]
