"""Leaderboards, plots, sample strips, HTML; notebooks call into this package."""
