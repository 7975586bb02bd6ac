"""Benchmarks that print figures. Not tests: nothing here asserts a timing."""
