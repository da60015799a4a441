"""terra.utils: utilities with torch.utils' names (``terra.utils.data``)."""

from . import data
