"""``fvd.i3d``: Fréchet Video Distance on I3D Kinetics-400 logits."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from bench.errors import UserError
from bench.metrics.base import METRICS, MetricSpec
from bench.metrics.fvd import stats
from bench.metrics.fvd.common import FLOOR_REPEATS, FLOOR_SEED, I3DSetMetric

SPEC = MetricSpec(
    id="fvd.i3d",
    version="1",
    needs=("frames", "reference"),
    weights=("i3d-styleganv-torchscript",),
    direction="lower",
    range=(0.0, None),
    level="set",
    kind="standard",
    min_frames=9,
    description=(
        "Fréchet Video Distance: FD = ‖μ_g − μ_r‖² + Tr(Σ_g + Σ_r − 2(Σ_r^½ Σ_g Σ_r^½)^½) between "
        "Gaussians fitted to the 400-d Kinetics logits of I3D (averaged over time) of the first 16 "
        "frames of each generated video and of the reference set; float64; biased covariance (÷N). "
        "Reported with N (generated), N_ref, and a real-vs-real floor: the mean FD between N "
        "reference videos and the other N_ref − N, over 5 random disjoint splits (needs N_ref ≥ 2N). "
        "FD is biased upward at small N: compare models only at the same N and against the floor."
    ),
    reference=(
        "StyleGAN-V src/metrics/frechet_video_distance.py (fvd2048_16f): same TorchScript detector and "
        "call (rescale=True, resize=True, return_features=True), same biased covariance. Differs: the "
        "matrix square root takes the symmetric eigen route (same quantity, better conditioned) "
        "instead of scipy sqrtm (selectable); real clips are picked by a seeded shuffle with seeded "
        "offsets instead of sorted order and unseeded offsets; N is whatever the run holds (2048 in "
        "the protocol). google-research frechet_video_distance differs by unbiased covariance and TF1 "
        "bilinear resize (modes cov='unbiased', mode='tf_legacy')."
    ),
)


@METRICS.register(SPEC.id)
class FVD(I3DSetMetric):
    """FVD against a reference set.  ``cov`` (``biased``/``unbiased``, env ``BENCH_FVD_COV``) and
    ``sqrt`` (``eigh``/``scipy``) select the conventions documented in ``bench.metrics.fvd.stats``."""

    spec = SPEC

    def __init__(self, *args: Any, cov: str | None = None, sqrt: str = "eigh", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.cov = cov or os.environ.get("BENCH_FVD_COV", "biased")
        if self.cov not in ("biased", "unbiased"):
            raise UserError(f"FVD covariance must be 'biased' or 'unbiased', got {self.cov!r}")
        self.sqrt = sqrt

    def compute_set(self, feats: np.ndarray, ref_feats: np.ndarray) -> dict[str, Any]:
        """``value`` = FD(generated, reference); ``floor`` = mean FD over random disjoint splits
        of the reference into N and N_ref − N videos (NaN when N_ref < 2N); ``std`` is NaN (FD
        has no per-set spread here; use repeated disjoint subsampling in ``bench.stats``)."""
        x, y = self._check(feats, ref_feats)
        return self.compute_stats(stats.FeatureStats.from_features(x), stats.FeatureStats.from_features(y), ref_feats=y)

    def compute_stats(self, gen: stats.FeatureStats, ref: stats.FeatureStats,
                      ref_feats: np.ndarray | None = None) -> dict[str, Any]:
        """The same from mergeable sufficient statistics (sharded scoring); the floor needs the
        reference features themselves."""
        value = stats.fd_from_stats(gen, ref, self.cov, self.sqrt)
        out: dict[str, Any] = {"value": value, "std": float("nan"), "n": gen.n, "n_ref": ref.n,
                               "floor": float("nan"), "floor_n": 0, "cov": self.cov, "sqrt": self.sqrt,
                               **self.options()}
        if ref_feats is not None and ref.n >= 2 * gen.n:
            y = np.asarray(ref_feats, np.float64)
            vals = [stats.fd(y[a], y[b], self.cov, self.sqrt)
                    for a, b in stats.disjoint_splits(y.shape[0], gen.n, FLOOR_REPEATS, FLOOR_SEED)]
            out["floor"], out["floor_n"] = float(np.mean(vals)), gen.n
        return out
