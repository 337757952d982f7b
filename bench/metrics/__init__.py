"""Metrics: one spec per metric (`base.MetricSpec`), one registry (`base.METRICS`)."""
