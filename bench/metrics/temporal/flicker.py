"""``temporal.flicker``: VBench temporal flickering (mean absolute frame difference)."""

from __future__ import annotations

import numpy as np

from bench.metrics.base import METRICS, MetricSpec, MetricValue, Sample, VideoMetric
from bench.video import Video

SPEC = MetricSpec(
    id="temporal.flicker",
    version="1",
    needs=("frames",),
    direction="higher",
    range=(0.0, 1.0),
    kind="standard",
    min_frames=2,
    description=(
        "(255 − mean_t mean_px,c |I_t − I_t+1|) / 255 on uint8 frames: 1 for a static video, lower "
        "the more consecutive frames differ. It also drops with legitimate motion: VBench applies it "
        "to static-scene prompts only; read it beside temporal.motion."
    ),
    reference=(
        "VBench temporal_flickering (mean absolute difference of consecutive frames, (255 − d)/255). "
        "Differs: all frames at the native frame rate, on the decoded uint8 frames as given."
    ),
)


@METRICS.register(SPEC.id)
class Flicker(VideoMetric):
    spec = SPEC

    def compute(self, video: Video, sample: Sample) -> MetricValue:
        f = video.frames
        if f.shape[0] < 2:
            return MetricValue(float("nan"), verdict="setup_failed", reason="fewer than 2 frames")
        diffs = np.abs(np.diff(f.astype(np.int16), axis=0)).reshape(f.shape[0] - 1, -1).mean(axis=1)
        d = float(diffs.mean())
        return MetricValue((255.0 - d) / 255.0, extra={"mean_abs_diff": d, "max_pair_abs_diff": float(diffs.max())})
