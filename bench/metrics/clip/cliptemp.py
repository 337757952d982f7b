"""``clip.temp``: CLIP-Temp, the mean cosine between consecutive frames' CLIP image embeddings."""

from __future__ import annotations


import numpy as np

from bench.metrics.base import METRICS, MetricSpec, MetricValue, Sample
from bench.metrics.clip.model import ClipMetric
from bench.video import Video

SPEC = MetricSpec(
    id="clip.temp",
    version="1",
    needs=("frames",),
    weights=("clip-vit-base-patch32",),
    direction="higher",
    range=(-1.0, 1.0),
    kind="standard",
    min_frames=2,
    description=(
        "CLIP-Temp = mean_t cos(E_img(I_t), E_img(I_t+1)) over consecutive frames, CLIP ViT-B/32 by default "
        "(BENCH_CLIP_MODEL), the checkpoint's CLIPProcessor on uint8-range frames. Saturates near 1 and "
        "rewards static videos: read beside temporal.motion."
    ),
    reference=(
        "EvalCrafter CLIP-Temp (mean consecutive-frame cosine). Differs: frames are normalised by the CLIP "
        "processor (EvalCrafter fed raw 0–255 pixels without normalisation, a bug), and the cosine is not "
        "scaled or clamped."
    ),
)


@METRICS.register(SPEC.id)
class ClipTemp(ClipMetric):
    """Options: ``model`` (registry name, env ``BENCH_CLIP_MODEL``), ``weights`` (explicit folder)."""

    spec = SPEC

    def compute(self, video: Video, sample: Sample) -> MetricValue:
        if video.T < 2:
            return MetricValue(float("nan"), verdict="setup_failed", reason="fewer than 2 frames")
        e = self.opts.encoder(SPEC.id).images(video.frames)
        cos = np.einsum("td,td->t", e[:-1], e[1:])
        return MetricValue(float(cos.mean()), extra={"model": self.opts.model_name, "min_pair": float(cos.min())})
