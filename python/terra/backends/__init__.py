"""terra.backends: backend switches with torch.backends' names.

The settings are accepted so that scripts which set them run unchanged;
on this CPU-only build cudnn and MPS are unavailable and the flags have no
effect.
"""

from . import cpu, cuda, cudnn, mkldnn, mps

__all__ = ["cpu", "cuda", "cudnn", "mkldnn", "mps"]
