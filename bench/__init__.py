"""Benchmarks: synthetic partner graphs, curated-view queries, the runner (not tests)."""
