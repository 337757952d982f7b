"""``temporal.dynamic_degree``: VBench's "is this video dynamic" rule, on our optical flow."""

from __future__ import annotations

import numpy as np

from bench.metrics.base import METRICS, MetricSpec, MetricValue, Sample
from bench.metrics.temporal.flow import FlowMetric
from bench.video import Video

SPEC = MetricSpec(
    id="temporal.dynamic_degree",
    version="1",
    needs=("frames",),
    direction="none",
    range=(0.0, 1.0),
    kind="covariate",
    min_frames=2,
    description=(
        "1 if the video is dynamic, else 0 (the mean over videos is VBench's dynamic degree). Frames are "
        "sampled every s = max(1, round(fps/8)) frames; per consecutive sampled pair, m = mean of the top 5% "
        "flow magnitudes (px); the video is dynamic if at least round(4·n/16) pairs (n sampled frames) have "
        "m > max(1, 8/fps)·6·min(H, W)/256. The count of moving pairs is in extra. A covariate, not a "
        "quality score: neither more nor less motion is better in itself."
    ),
    reference=(
        "VBench dynamic_degree.py (RAFT at ~8 fps, the same thresholds and counting). Differs: the flow is "
        "ours (OpenCV DIS by default; torchvision RAFT with BENCH_FLOW=raft_large), and the top-5% cut uses "
        "the unpadded frame size."
    ),
)


def top5_mean(flow: np.ndarray) -> float:
    """Mean of the largest 5% of flow magnitudes (VBench's per-pair motion score)."""
    rad = np.hypot(flow[..., 0], flow[..., 1]).ravel()
    cut = int(rad.size * 0.05)
    if cut < 1:
        return float(rad.max())
    return float(np.partition(rad, rad.size - cut)[rad.size - cut:].mean())


@METRICS.register(SPEC.id)
class DynamicDegree(FlowMetric):
    spec = SPEC

    def compute(self, video: Video, sample: Sample) -> MetricValue:
        stride = max(1, round(video.fps / 8.0))
        idx = list(range(0, video.T, stride))
        pairs = list(zip(idx[:-1], idx[1:]))
        thres = max(1.0, 8.0 / video.fps) * 6.0 * min(video.H, video.W) / 256.0
        need = round(4 * len(idx) / 16.0)
        scores = [top5_mean(f) for f in self.flows(video, pairs)] if pairs else []
        count = int(sum(s > thres for s in scores))
        dynamic = bool(pairs) and count >= need
        return MetricValue(1.0 if dynamic else 0.0, extra={
            **self.flow_info(), "moving_pairs": count, "pairs": len(pairs), "pairs_needed": need,
            "threshold_px": thres, "stride": stride, "top5_mean_px": [round(s, 4) for s in scores]})
