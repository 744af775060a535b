"""Simulators of the failback site that tests, benchmarks and the demo start themselves."""
