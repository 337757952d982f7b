"""What the audio-visual checks share: applicability and the no-audio result."""

from __future__ import annotations

import math

from bench.metrics.base import MetricValue, Sample, VideoMetric
from bench.video import Video


class AVCheck(VideoMetric):
    """Applies to probes with named objects when the manifest row records an audio track
    (``row["audio"]``) or the probe asks for sound (``expect.audio``), so silent runs of probes
    that do not ask get no rows at all."""

    def applies(self, sample: Sample) -> bool:
        p = sample.probe or {}
        return bool(p.get("objects")) and (bool(sample.row.get("audio")) or "audio" in (p.get("expect") or {}))


def no_audio(video: Video, probe: dict | None = None) -> MetricValue | None:
    """None when ``video`` has sound.  Without: a fail when the probe asks for sound
    (``expect.audio``), else NaN with the reason (unavailable, no verdict)."""
    if video.audio is not None:
        return None
    want = ((probe or {}).get("expect") or {}).get("audio")
    if want is not None:
        n = want.get("impacts")
        return MetricValue(0.0, "fail", "the video is silent but the probe asks for sound"
                           + (f" ({n} impact sound(s))" if n is not None else ""), {"r": math.inf})
    return MetricValue(math.nan, None, "unavailable: the video has no audio track")
