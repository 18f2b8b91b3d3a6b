"""Benchmarks and their data generators; not collected by `make test` (see pyproject addopts)."""
