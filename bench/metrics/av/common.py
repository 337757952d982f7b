"""What the audio-visual checks share: applicability and the no-audio result."""

from __future__ import annotations

import math

from bench.metrics.base import MetricValue, Sample, VideoMetric
from bench.video import Video


class AVCheck(VideoMetric):
    """Applies to probes with a scene's named objects whose manifest row records an audio track
    (``row["audio"]``), so silent runs get no rows at all; called directly on a video without
    audio it returns NaN with a reason (unavailable, no verdict)."""

    def applies(self, sample: Sample) -> bool:
        p = sample.probe or {}
        return bool(p.get("objects")) and bool(sample.row.get("audio"))


def no_audio(video: Video) -> MetricValue | None:
    if video.audio is None:
        return MetricValue(math.nan, None, "unavailable: the video has no audio track")
    return None
