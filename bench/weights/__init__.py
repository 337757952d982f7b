"""The weights registry: the one place that resolves model weights."""
