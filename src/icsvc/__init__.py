"""icsvc: internal customer service as code."""

from icsvc import dataclass_cache

__version__ = "0.2.0"

dataclass_cache.install()
