"""Measurements of the book: classifier and extractor quality, and build speed.

`make bench` runs them; ``python -m benchmarks.build_speed`` is the build-speed benchmark.
Project copies and the strict build come from ``notes.testing``, shared with the tests.
"""
