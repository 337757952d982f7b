"""``kvd.i3d``: Kernel Video Distance (unbiased polynomial-kernel MMD²) on I3D Kinetics-400 logits."""

from __future__ import annotations

from typing import Any

import numpy as np

from bench.metrics.base import METRICS, MetricSpec
from bench.metrics.fvd import stats
from bench.metrics.fvd.common import FLOOR_SEED, I3DSetMetric

SPEC = MetricSpec(
    id="kvd.i3d",
    version="1",
    needs=("frames", "reference"),
    weights=("i3d-styleganv-torchscript",),
    direction="lower",
    range=(None, None),
    level="set",
    kind="standard",
    min_frames=9,
    description=(
        "Kernel Video Distance: unbiased MMD² with k(x,y) = (xᵀy/d + 1)³ on the same I3D features as "
        "fvd.i3d, averaged over 100 random subsets of m = min(N, N_ref, 1000) videos per side "
        "(seeded); std over subsets. Unbiased, so it is negative when the sets match: a set of N videos "
        "against itself (m = N) gives exactly −2(k̄_diag − k̄_offdiag)/N, where k̄_diag is the mean of "
        "k(x_i, x_i) and k̄_offdiag the mean of k(x_i, x_j), i ≠ j (e.g. −0.86 for 16 and −0.22 for 64 "
        "standard-normal 400-d features); values are reported as computed, never clipped to 0. "
        "Floor: KVD between N reference videos and the other N_ref − N (one random split; needs N_ref ≥ 2N)."
    ),
    reference=(
        "KID as in StyleGAN2-ADA metrics/kernel_inception_distance.py and Bińkowski et al. 2018, applied "
        "to I3D features. Differs: subsets are drawn with a fixed seed."
    ),
)


@METRICS.register(SPEC.id)
class KVD(I3DSetMetric):
    spec = SPEC

    def __init__(self, *args: Any, num_subsets: int = 100, max_subset_size: int = 1000, seed: int = 0,
                 **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.num_subsets = num_subsets
        self.max_subset_size = max_subset_size
        self.seed = seed

    def compute_set(self, feats: np.ndarray, ref_feats: np.ndarray) -> dict[str, Any]:
        x, y = self._check(feats, ref_feats)
        value, std, m = stats.kvd(x, y, self.num_subsets, self.max_subset_size, self.seed)
        out: dict[str, Any] = {"value": value, "std": std, "n": x.shape[0], "n_ref": y.shape[0],
                               "subset_size": m, "floor": float("nan"), "floor_n": 0, **self.options()}
        if y.shape[0] >= 2 * x.shape[0]:
            (a, b), = stats.disjoint_splits(y.shape[0], x.shape[0], 1, FLOOR_SEED)
            out["floor"] = stats.kvd(y[a], y[b], self.num_subsets, self.max_subset_size, self.seed)[0]
            out["floor_n"] = x.shape[0]
        return out
