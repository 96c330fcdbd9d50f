"""The runner: one read from start to end, its options, background reads, signals."""
