"""``temporal.psnr``: mean PSNR between consecutive frames (identical pairs capped)."""

from __future__ import annotations

import math

import numpy as np

from bench.metrics.base import METRICS, MetricSpec, MetricValue, Sample, VideoMetric
from bench.video import Video

#: PSNR given to a pair of identical frames (MSE = 0, where PSNR is infinite)
PSNR_CAP_DB = 100.0

SPEC = MetricSpec(
    id="temporal.psnr",
    version="1",
    needs=("frames",),
    direction="higher",
    range=(0.0, PSNR_CAP_DB),
    kind="standard",
    min_frames=2,
    description=(
        "Mean over consecutive pairs of PSNR(I_t, I_t+1) = 10·log10(255² / MSE) in dB on uint8 RGB (MSE over "
        "all pixels and channels), each pair capped at 100 dB: identical frames (MSE = 0) would be ∞, and "
        "100 dB is far beyond any visible difference (one level of error everywhere is 48 dB). The number "
        "of identical pairs is in extra. Rewards static video: read beside temporal.motion."
    ),
    reference=(
        "scikit-image skimage.metrics.peak_signal_noise_ratio(data_range=255) per pair, which returns inf "
        "for identical frames; differs only by the 100 dB cap per pair."
    ),
)


def psnr_pair(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR in dB of two uint8 frames; ``inf`` when identical (the metric caps it)."""
    d = a.astype(np.float64) - b.astype(np.float64)
    mse = float(np.mean(d * d))
    return math.inf if mse == 0.0 else 10.0 * math.log10(255.0 ** 2 / mse)


@METRICS.register(SPEC.id)
class TemporalPSNR(VideoMetric):
    spec = SPEC

    def compute(self, video: Video, sample: Sample) -> MetricValue:
        f = video.frames
        if f.shape[0] < 2:
            return MetricValue(float("nan"), verdict="setup_failed", reason="fewer than 2 frames")
        raw = [psnr_pair(f[i], f[i + 1]) for i in range(f.shape[0] - 1)]
        capped = [min(v, PSNR_CAP_DB) for v in raw]
        return MetricValue(float(np.mean(capped)),
                           extra={"identical_pairs": int(sum(math.isinf(v) for v in raw)), "cap_db": PSNR_CAP_DB})
