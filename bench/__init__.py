"""Benchmarks (`make bench`): counts and ratios measured in one run against Azurite and the dev host."""
