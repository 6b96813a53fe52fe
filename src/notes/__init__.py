"""Scaling Notes: turn paper abstracts into Jupyter Book pages and keep those pages honest."""

__version__ = "0.1.0"
