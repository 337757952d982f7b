"""``temporal.motion_smoothness_flow``: re-interpolate dropped frames by flow warping and compare.

Not VBench's ``motion_smoothness`` (which re-interpolates with the AMT network and gives different
numbers); the id says so.
"""

from __future__ import annotations

import numpy as np

from bench.metrics.base import METRICS, MetricSpec, MetricValue, Sample
from bench.metrics.temporal.flow import FlowMetric, warp
from bench.video import Video

SPEC = MetricSpec(
    id="temporal.motion_smoothness_flow",
    version="1",
    needs=("frames",),
    direction="higher",
    range=(0.0, 1.0),
    kind="standard",
    min_frames=3,
    description=(
        "Drop every odd frame t and predict it from its neighbours t−1, t+1 alone: with F01 the flow "
        "t−1→t+1 and F10 the flow t+1→t−1, the midpoint flows are F_t0 = (F10 − F01)/4 and "
        "F_t1 = (F01 − F10)/4 (linear motion, Jiang et al. 2018 eq. 4 at t = ½), and "
        "Î_t = ½[warp(I_t−1, F_t0) + warp(I_t+1, F_t1)] (bilinear, edges replicated). "
        "Score = (255 − mean_t MAE(Î_t, I_t)) / 255 on the uint8 scale: 1 when the motion is exactly "
        "linear and flow-explained, lower for jerky or incoherent motion."
    ),
    reference=(
        "VBench motion_smoothness (drop odd frames, re-interpolate with AMT, (255 − MAE)/255). Differs: the "
        "interpolator is a flow-warp midpoint on our optical flow (OpenCV DIS by default), not AMT, so the "
        "numbers are not comparable with VBench's."
    ),
)


def midpoint(prev: np.ndarray, nxt: np.ndarray, f01: np.ndarray, f10: np.ndarray) -> np.ndarray:
    """The predicted middle frame (float32, 0–255) from its two neighbours and their flows."""
    ft0 = 0.25 * (f10 - f01)
    ft1 = 0.25 * (f01 - f10)
    return 0.5 * (warp(prev.astype(np.float32), ft0) + warp(nxt.astype(np.float32), ft1))


@METRICS.register(SPEC.id)
class MotionSmoothnessFlow(FlowMetric):
    spec = SPEC

    def compute(self, video: Video, sample: Sample) -> MetricValue:
        t_odd = list(range(1, video.T - 1, 2))
        if not t_odd:
            return MetricValue(float("nan"), verdict="setup_failed", reason="fewer than 3 frames")
        f01 = self.flows(video, [(t - 1, t + 1) for t in t_odd])
        f10 = self.flows(video, [(t + 1, t - 1) for t in t_odd])
        maes = []
        for k, t in enumerate(t_odd):
            pred = midpoint(video.frames[t - 1], video.frames[t + 1], f01[k], f10[k])
            maes.append(float(np.abs(pred - video.frames[t]).mean(dtype=np.float64)))
        mae = float(np.mean(maes))
        return MetricValue((255.0 - mae) / 255.0, extra={**self.flow_info(), "mae": mae, "frames_predicted": len(t_odd)})
