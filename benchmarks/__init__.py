"""Benchmarks of siting against networkx/osmnx, scipy, pandana and spopt (run: python -m benchmarks)."""
