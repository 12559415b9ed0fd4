"""icsvc: internal customer service as code."""

__version__ = "0.2.0"
