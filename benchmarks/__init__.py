"""Benchmarks and fault runs: scripts that print figures, run from the Makefile."""
