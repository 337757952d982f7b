"""``clip.clipsim``: frame–prompt CLIP similarity (CLIPSIM), in torchmetrics CLIPScore units."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from bench.errors import UserError
from bench.metrics.base import METRICS, MetricSpec, MetricValue, Sample
from bench.metrics.clip.model import ClipMetric, ClipOptions
from bench.video import Video

SPEC = MetricSpec(
    id="clip.clipsim",
    version="1",
    needs=("frames", "prompt"),
    weights=("clip-vit-base-patch32",),
    direction="higher",
    range=(0.0, 100.0),
    kind="standard",
    min_frames=1,
    description=(
        "CLIPSIM = max(0, mean_t 100·cos(E_img(I_t), E_txt(prompt))): every frame against the prompt as "
        "used, CLIP ViT-B/32 by default (BENCH_CLIP_MODEL=clip-vit-large-patch14 for ViT-L/14), the "
        "checkpoint's CLIPProcessor on uint8-range frames. The clamp at 0 is applied after averaging over "
        "frames, as torchmetrics' CLIPScore.compute() does. Per-frame scores' min and std are in extra."
    ),
    reference=(
        "torchmetrics.multimodal.CLIPScore (100·cos, clamp after averaging; tested equal within 1e-4 when "
        "fed the same frames with the prompt repeated). T2V papers' CLIPSIM is the same mean of frame–prompt "
        "cosines (often reported ×1 instead of ×100). Hessel et al.'s CLIP-S is 2.5·max(cos, 0) per image. "
        "Differs from torchmetrics only for prompts over 77 tokens (we truncate keeping the end token)."
    ),
)


@METRICS.register(SPEC.id)
class ClipSim(ClipMetric):
    """Options: ``model`` (registry name, env ``BENCH_CLIP_MODEL``), ``weights`` (explicit folder)."""

    spec = SPEC

    def compute(self, video: Video, sample: Sample) -> MetricValue:
        prompt = (sample.prompt or "").strip()
        if not prompt:
            raise UserError(f"{SPEC.id}: sample {sample.model}/{sample.probe_id}/{sample.sample} has no prompt text")
        enc = self.opts.encoder(SPEC.id)
        scores = 100.0 * (enc.images(video.frames) @ enc.text(prompt))
        extra: dict[str, Any] = {"model": self.opts.model_name, "frames": int(scores.size),
                                 "min_frame": float(scores.min()), "std_frames": float(scores.std())}
        return MetricValue(max(float(scores.mean()), 0.0), extra=extra)


def clip_scores(frames: np.ndarray, prompt: str, model: str | None = None,
                weights: str | os.PathLike | None = None) -> np.ndarray:
    """Per-frame 100·cos(frame, prompt), unclamped (for analysis)."""
    enc = ClipOptions(model, weights).encoder(SPEC.id)
    return 100.0 * (enc.images(frames) @ enc.text(prompt))
