"""CLIP alignment metrics (CLIPSIM, CLIP-Temp)."""
