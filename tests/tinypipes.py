"""Shared helpers for the tests of real generators and imports.

- ``tiny_dir`` (session fixture): ``BENCH_TINY_DIR`` pointed at one temp folder for the whole
  session, so each tiny pipeline (:mod:`bench.generators.diffusion.tiny`) is built and saved
  once and every test loads it back with ``from_pretrained``, offline.
- ``PROBE`` / ``PROBES``: small probes (prompt text only, and one with a scene).
- ``write_video_file``: encode a test video as mp4 / webm / mov / mkv / gif with PyAV.
- ``StubOracle``: a stand-in first-frame source for image-to-video tests while the real oracle
  world is not registered.

Import the fixtures into a test module with ``from tests.tinypipes import tiny_dir  # noqa: F401``.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bench.generators.base import Generator, GeneratorInfo
from bench.video import Video

#: Every tiny generator and the diffusers class it exercises.
TINY_CLASSES = {
    "tiny-wan": "WanPipeline",
    "tiny-cogvideox": "CogVideoXPipeline",
    "tiny-ltx": "LTXPipeline",
    "tiny-animatediff": "AnimateDiffPipeline",
    "tiny-t2vsd": "TextToVideoSDPipeline",
}

PROBE: dict[str, Any] = {
    "id": "physics.test.red_ball_drop", "suite": "physics", "category": "P1",
    "prompt": "A red ball falls onto the floor.", "objects": [], "expect": {"gravity": "down"},
    "checks": [], "scene": None,
}
PROBE_SCENE: dict[str, Any] = {**PROBE, "id": "physics.test.red_ball_scene", "scene": {"stub": True}}


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("tiny")
    old = os.environ.get("BENCH_TINY_DIR")
    os.environ["BENCH_TINY_DIR"] = str(d)
    yield d
    if old is None:
        os.environ.pop("BENCH_TINY_DIR", None)
    else:
        os.environ["BENCH_TINY_DIR"] = old


def ramp_frames(t: int = 6, h: int = 32, w: int = 32, seed: int = 0) -> np.ndarray:
    """A moving gradient with a little noise: decodable, nontrivial content."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    out = np.empty((t, h, w, 3), np.uint8)
    for i in range(t):
        out[i, ..., 0] = (x * 255 // max(w - 1, 1) + 9 * i) % 256
        out[i, ..., 1] = (y * 255 // max(h - 1, 1)) % 256
        out[i, ..., 2] = rng.integers(0, 256, (h, w))
    return out


def write_video_file(path: Path, frames: np.ndarray, fps: float = 8.0) -> Path:
    """Encode ``frames`` (uint8 T x H x W x 3) by the extension of ``path``."""
    import av

    codec, pix = {".mp4": ("libx264", "yuv420p"), ".mov": ("libx264", "yuv420p"),
                  ".mkv": ("ffv1", "bgr0"), ".webm": ("libvpx-vp9", "yuv420p"),
                  ".gif": ("gif", "rgb8")}[path.suffix.lower()]
    if pix == "yuv420p" and (frames.shape[1] % 2 or frames.shape[2] % 2):
        raise ValueError("yuv420p needs even sizes")
    c = av.open(str(path), mode="w")
    try:
        s = c.add_stream(codec, rate=Fraction(fps).limit_denominator(1001))
        s.pix_fmt = pix
        s.width, s.height = frames.shape[2], frames.shape[1]
        for f in frames:
            vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(f), format="rgb24")
            for pkt in s.encode(vf):
                c.mux(pkt)
        for pkt in s.encode():
            c.mux(pkt)
    finally:
        c.close()
    return path


class StubOracle(Generator):
    """Renders a red disc on grey: enough of a first frame to drive an image-to-video pipeline."""

    info = GeneratorInfo(name="oracle", kind="oracle", access="local", description="test stub")

    def supports(self, probe: dict[str, Any]) -> tuple[bool, str]:
        return (True, "") if probe.get("scene") else (False, "no scene")

    def generate(self, probe: dict[str, Any], seed: int, settings: dict[str, Any]) -> Video:
        h, w = int(settings.get("height", 32)), int(settings.get("width", 32))
        y, x = np.mgrid[0:h, 0:w]
        f = np.full((int(settings.get("frames", 2)), h, w, 3), 128, np.uint8)
        f[:, (y - h / 2) ** 2 + (x - w / 2 - seed % 5) ** 2 < (min(h, w) / 4) ** 2] = (220, 30, 30)
        return Video(f, fps=8.0, provenance={"source": "rendered"})


def build_sd15_base_and_adapter(base_dir: Path, adapter_dir: Path) -> None:
    """A tiny Stable-Diffusion-1.5-shaped text-to-image folder and a separate tiny MotionAdapter:
    the two repositories the real AnimateDiff card combines."""
    import torch
    from diffusers import DDIMScheduler, MotionAdapter, StableDiffusionPipeline

    from bench.generators.diffusion.tiny import _clip_text, build_tokenizer, tiny_sd_unet, tiny_sd_vae

    torch.manual_seed(0)
    tok = build_tokenizer("clip", 77)
    unet = tiny_sd_unet()
    vae = tiny_sd_vae()
    sd = StableDiffusionPipeline(vae=vae, text_encoder=_clip_text(len(tok)), tokenizer=tok, unet=unet,
                                 scheduler=DDIMScheduler(), safety_checker=None, feature_extractor=None,
                                 requires_safety_checker=False)
    sd.save_pretrained(str(base_dir))
    MotionAdapter(block_out_channels=(8, 16), motion_layers_per_block=1, motion_norm_num_groups=2,
                  motion_num_attention_heads=2, motion_max_seq_length=32).save_pretrained(str(adapter_dir))
