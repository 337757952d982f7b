"""CLIP alignment metrics: ``clipsim`` (``clip.clipsim``, frame–prompt) and ``cliptemp``
(``clip.temp``, consecutive frames), sharing the encoder in ``model``."""

from bench.metrics.clip import clipsim, cliptemp  # noqa: F401  (each module registers its metric)
