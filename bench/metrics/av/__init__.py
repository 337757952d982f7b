"""Audio-visual checks (weight-free): ``av.sync``, ``av.silence_when_still`` and the standard
AV-Align (``av.av_align``).  They apply only to videos whose manifest row records audio."""

from bench.metrics.av import av_align, silence, sync  # noqa: F401  (each module registers its metric)
