"""``temporal.motion``: mean optical-flow magnitude, the motion covariate shown beside consistency scores."""

from __future__ import annotations

import numpy as np

from bench.metrics.base import METRICS, MetricSpec, MetricValue, Sample
from bench.metrics.temporal.flow import FlowMetric, consecutive
from bench.video import Video

SPEC = MetricSpec(
    id="temporal.motion",
    version="1",
    needs=("frames",),
    direction="none",
    range=(0.0, None),
    kind="covariate",
    min_frames=2,
    description=(
        "Mean over consecutive pairs and pixels of the optical-flow magnitude |f_t→t+1(x)|, in pixels per "
        "frame at the video's own resolution (extra: the same divided by min(H, W), and per second). "
        "Consistency metrics (SSIM, PSNR, flicker, CLIP/DINO similarity) reward static videos; this is the "
        "covariate to read beside them."
    ),
    reference="No reference implementation; the flow is the one shared with temporal.warping_error.",
)


@METRICS.register(SPEC.id)
class Motion(FlowMetric):
    spec = SPEC

    def compute(self, video: Video, sample: Sample) -> MetricValue:
        pairs = consecutive(video.T)
        if not pairs:
            return MetricValue(float("nan"), verdict="setup_failed", reason="fewer than 2 frames")
        mags = [float(np.hypot(f[..., 0], f[..., 1]).mean(dtype=np.float64)) for f in self.flows(video, pairs)]
        m = float(np.mean(mags))
        return MetricValue(m, extra={**self.flow_info(), "per_min_side": m / min(video.H, video.W),
                                     "px_per_second": m * video.fps, "max_pair": float(np.max(mags))})
