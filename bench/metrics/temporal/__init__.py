"""Temporal-consistency metrics that need no learned weights (and LPIPS, which does)."""
