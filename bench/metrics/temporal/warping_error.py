"""``temporal.warping_error``: flow-based warping error (Lai et al. 2018, as EvalCrafter uses it)."""

from __future__ import annotations

import numpy as np

from bench.metrics.base import METRICS, MetricSpec, MetricValue, Sample
from bench.metrics.temporal.flow import FlowMetric, consecutive, inside, sample_maps, warp
from bench.video import Video

SPEC = MetricSpec(
    id="temporal.warping_error",
    version="1",
    needs=("frames",),
    direction="lower",
    range=(0.0, 3.0),
    kind="standard",
    min_frames=2,
    description=(
        "Mean over consecutive pairs (I_t, I_t+1) of Σ_valid ‖warp(I_t+1, f) − I_t‖² / #valid, RGB in [0, 1] "
        "(squared error summed over channels, averaged over pixels), where f is the flow t→t+1, b the "
        "flow t+1→t, warp samples I_t+1 at x + f(x), and a pixel is invalid when occluded "
        "(|b(x+f(x)) + f(x)|² > 0.01(|b(x+f(x))|² + |f(x)|²) + 0.5), on a motion boundary "
        "(|∇f|² > 0.01|f|² + 0.002, forward differences) or when x + f(x) leaves the frame. Flow: OpenCV DIS by default, "
        "torchvision RAFT with BENCH_FLOW=raft_small|raft_large."
    ),
    reference=(
        "Lai et al., Learning Blind Video Temporal Consistency (ECCV 2018), evaluate_WarpError / "
        "detect_occlusion; EvalCrafter's warping error. Differs: classical DIS flow by default (EvalCrafter "
        "ran RAFT on mis-scaled frames); targets outside the frame are excluded; pairs with no valid pixel "
        "are skipped."
    ),
)


def occlusion_mask(fw: np.ndarray, bw: np.ndarray, maps: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """True where pixel x of frame t is occluded / unreliable (Lai et al.'s two tests + out of frame).

    ``fw``: flow t→t+1 on frame t's grid; ``bw``: flow t+1→t on frame t+1's grid; both (x, y).
    """
    maps = maps if maps is not None else sample_maps(fw)
    bw_w = warp(bw, maps=maps)                            # b sampled at x + f(x)
    fw2 = fw[..., 0] ** 2 + fw[..., 1] ** 2
    s2 = (bw_w[..., 0] + fw[..., 0]) ** 2 + (bw_w[..., 1] + fw[..., 1]) ** 2
    occ = s2 > 0.01 * (bw_w[..., 0] ** 2 + bw_w[..., 1] ** 2 + fw2) + 0.5
    grad2 = np.zeros(fw.shape[:2], np.float32)     # |∇f|² with forward differences, as Lai et al.
    d = fw[:, :-1] - fw[:, 1:]
    grad2[:, :-1] += d[..., 0] ** 2 + d[..., 1] ** 2
    d = fw[:-1] - fw[1:]
    grad2[:-1] += d[..., 0] ** 2 + d[..., 1] ** 2
    boundary = grad2 > 0.01 * fw2 + 0.002
    return occ | boundary | ~inside(maps=maps)


def pair_error(i1: np.ndarray, i2: np.ndarray, fw: np.ndarray, bw: np.ndarray) -> tuple[float, int]:
    """(error, #valid pixels) for one pair; uint8 frames ``[H, W, 3]``."""
    if not fw.any() and not bw.any():  # zero flow both ways (e.g. a static pair): nothing is occluded
        d = i2.astype(np.float32) - i1.astype(np.float32)
        return float((d * d).sum(dtype=np.float64) / (255.0 ** 2 * i1.shape[0] * i1.shape[1])), i1.shape[0] * i1.shape[1]
    maps = sample_maps(fw)
    valid = ~occlusion_mask(fw, bw, maps)
    nv = int(valid.sum())
    if nv == 0:
        return float("nan"), 0
    d = warp(i2, maps=maps) - i1.astype(np.float32)
    e = d[..., 0] ** 2 + d[..., 1] ** 2 + d[..., 2] ** 2
    return float(e[valid].sum(dtype=np.float64) / (255.0 ** 2 * nv)), nv


@METRICS.register(SPEC.id)
class WarpingError(FlowMetric):
    spec = SPEC

    def compute(self, video: Video, sample: Sample) -> MetricValue:
        pairs = consecutive(video.T)
        fw = self.flows(video, pairs)
        bw = self.flows(video, [(b, a) for a, b in pairs])
        errs, valid = [], []
        for k, (a, b) in enumerate(pairs):
            e, nv = pair_error(video.frames[a], video.frames[b], fw[k], bw[k])
            valid.append(nv)
            if nv:
                errs.append(e)
        npx = video.H * video.W
        extra = {**self.flow_info(), "pairs": len(pairs), "pairs_used": len(errs),
                 "valid_fraction": float(np.sum(valid) / (npx * max(len(pairs), 1)))}
        if not errs:
            return MetricValue(float("nan"), verdict="setup_failed",
                               reason="every pixel of every frame pair is occluded or leaves the frame", extra=extra)
        return MetricValue(float(np.mean(errs)), extra=extra)
