"""CLIP metrics on a tiny CLIP built offline, loaded through the registry like a real checkpoint,
checked against torchmetrics' CLIPScore on the same weights."""

from __future__ import annotations

import numpy as np
import pytest

from bench.errors import UserError
from bench.metrics.base import METRICS, Sample
from bench.metrics.clip.clipsim import ClipSim, clip_scores
from bench.metrics.clip.cliptemp import ClipTemp
from bench.video import Video
from tests.tinymodels import build_tiny_clip, moving_pattern

PROMPT = "a red ball falls behind the blue wall"


@pytest.fixture(scope="module")
def tiny_clip(tmp_path_factory):
    # torchmetrics only accepts model paths containing "openai"
    return build_tiny_clip(tmp_path_factory.mktemp("clip") / "openai-tiny-clip", flip_text=True)


def _sample(prompt: str = PROMPT) -> Sample:
    return Sample(model="m", probe_id="p", sample=0, prompt=prompt)


def _torchmetrics_clipscore(folder, frames: np.ndarray, prompt: str) -> tuple[float, float]:
    """torchmetrics CLIPScore over the frames with the prompt repeated: (compute(), the unclamped
    mean from its state)."""
    import torch
    from torchmetrics.multimodal.clip_score import CLIPScore

    metric = CLIPScore(model_name_or_path=str(folder))
    model = metric.model
    # torchmetrics 1.9 expects get_*_features to return tensors; transformers 5 returns an output
    # object whose pooler_output is the projected embedding.  Adapt, changing nothing else.
    for name in ("get_image_features", "get_text_features"):
        orig = getattr(model, name)

        def wrapped(*a, _orig=orig, **k):
            out = _orig(*a, **k)
            return out if isinstance(out, torch.Tensor) else out.pooler_output

        setattr(model, name, wrapped)
    imgs = list(torch.from_numpy(frames).permute(0, 3, 1, 2))
    metric.update(imgs, [prompt] * len(imgs))
    return float(metric.compute()), float(metric.score / metric.n_samples)


def test_clipsim_matches_torchmetrics_clipscore(tiny_clip):
    frames = moving_pattern(t=6, h=40, w=56)
    got = ClipSim(weights=tiny_clip).compute(Video(frames, 8.0), _sample())
    want, want_raw = _torchmetrics_clipscore(tiny_clip, frames, PROMPT)
    assert want > 5.0  # a real comparison, not two clamped zeros
    assert got.value == pytest.approx(want, abs=1e-4)
    # the clamp is applied after averaging (torchmetrics' compute): per-frame scores are unclamped
    per_frame = clip_scores(frames, PROMPT, weights=tiny_clip)
    assert per_frame.mean() == pytest.approx(want_raw, abs=1e-4)
    assert got.value == pytest.approx(max(per_frame.mean(), 0.0), abs=1e-9)
    assert got.extra["frames"] == 6



def test_clipsim_clamps_after_averaging(tmp_path):
    # the same tiny model without the flip scores every frame negatively (≈ −38)
    folder = build_tiny_clip(tmp_path / "openai-neg")
    frames = moving_pattern(t=4, h=32, w=32)
    raw = clip_scores(frames, PROMPT, weights=folder)
    assert (raw < 0).all()
    assert ClipSim(weights=folder).compute(Video(frames, 8.0), _sample()).value == 0.0
    assert _torchmetrics_clipscore(folder, frames, PROMPT)[0] == 0.0


def test_clip_resolves_through_weights_dir(tiny_clip, tmp_path, monkeypatch):
    import shutil

    wdir = tmp_path / "w"
    shutil.copytree(tiny_clip, wdir / "clip-vit-base-patch32")
    monkeypatch.setenv("BENCH_WEIGHTS_DIR", str(wdir))
    m = ClipSim()
    assert m.available()[0]
    v = Video(moving_pattern(t=3, h=32, w=32), 8.0)
    assert m.compute(v, _sample()).value == pytest.approx(ClipSim(weights=tiny_clip).compute(v, _sample()).value, abs=1e-12)


def test_unavailable_here_and_bad_options():
    ok, why = ClipSim().available()
    assert not ok and "clip-vit-base-patch32" in why and "bench weights fetch clip-vit-base-patch32" in why
    assert not ClipTemp(model="clip-vit-large-patch14").available()[0]
    with pytest.raises(UserError, match="unknown weight"):
        ClipSim(model="clip-nonexistent")
    with pytest.raises(UserError, match="not a CLIP model folder entry"):
        ClipSim(model="raft-small")


def test_clip_temp(tiny_clip):
    from transformers import CLIPModel, CLIPProcessor

    static = Video(np.repeat(moving_pattern(t=1, h=32, w=32), 4, axis=0), 8.0)
    assert ClipTemp(weights=tiny_clip).compute(static, _sample()).value == pytest.approx(1.0, abs=1e-9)
    # against a direct computation with transformers on the same weights
    import torch

    frames = moving_pattern(t=4, h=32, w=48, dx=5)
    model = CLIPModel.from_pretrained(tiny_clip).eval()
    proc = CLIPProcessor.from_pretrained(tiny_clip)
    with torch.no_grad():
        pv = proc(images=list(torch.from_numpy(frames).permute(0, 3, 1, 2)), return_tensors="pt")["pixel_values"]
        out = model.get_image_features(pixel_values=pv)
        e = (out if isinstance(out, torch.Tensor) else out.pooler_output).double()
    e = e / e.norm(dim=-1, keepdim=True)
    want = float((e[:-1] * e[1:]).sum(-1).mean())
    got = ClipTemp(weights=tiny_clip).compute(Video(frames, 8.0), _sample()).value
    assert got == pytest.approx(want, abs=1e-6)


def test_empty_prompt_is_an_error(tiny_clip):
    with pytest.raises(UserError, match="no prompt text"):
        ClipSim(weights=tiny_clip).compute(Video(moving_pattern(t=2, h=32, w=32), 8.0), _sample(""))


def test_registered_specs():
    s = METRICS.get("clip.clipsim").spec
    assert s.needs == ("frames", "prompt") and s.weights == ("clip-vit-base-patch32",) and s.range == (0.0, 100.0)
    assert METRICS.get("clip.temp").spec.direction == "higher"
