"""Nuisances: changes to a rendered video that must not change any probe verdict.

``apply_nuisance(name, level, video, truth, rng) -> (video, truth)`` applies one nuisance
after rendering.  Levels are in the nuisance's own unit (``NUISANCES[name].unit``), with
standard ``levels`` for sweeps and a ``default``.  The annotations (existence, identity,
visibility intervals, counts, the violation record) are left unchanged; the geometric
nuisances transform the geometric annotations consistently:

==========  ===========  ==================  ===================================================
name        unit         levels (default*)   effect; truth
==========  ===========  ==================  ===================================================
h264        CRF          18, 28*, 38         H.264 yuv420p re-encode (``bench.video.encode_bytes_h264``);
                                             truth unchanged
resize      factor       0.5, 0.75*, 1.5     frames resized to round(f H) x round(f W) (area filter
                                             down, bilinear up); pixel coordinates
                                             x' = (x + 0.5) W'/W - 0.5 (rows alike), px_per_m and
                                             origin scaled, masks resampled and thresholded at 0.5
fps         factor       0.5*, 0.75, 2       frame rate f x fps over the same duration: new frame i
                                             shows the nearest old frame round(i / f); every per-frame
                                             annotation is indexed the same way (times are the new
                                             frame times; ``world_times`` the world time shown),
                                             the violation record's frames remapped
shake       px           0.5, 1*, 2          each frame translated by (dx, dy) uniform in [-a, a]^2
                                             (bilinear, edge pixels replicated); pixel coordinates,
                                             masks and occluder boxes shifted alike, the offsets
                                             stored in ``camera_offset``
jitter      fraction     0.05, 0.1*, 0.2     per frame brightness gain 1 + j u and per channel gain
                                             1 + j u / 5 (u uniform in [-1, 1]: a colour cast of at
                                             most 4 % at j = 0.2); truth unchanged
noise       grey levels  2, 5*, 10           i.i.d. Gaussian noise of that sigma; truth unchanged
texture     grey levels  8, 16*, 32          a smooth static grey texture of that amplitude added
                                             where the plain backdrop shows (weighted by the
                                             backdrop's coverage); truth unchanged
==========  ===========  ==================  ===================================================

Random draws come from the ``rng`` passed in (the oracle seeds it from (seed, k, probe,
nuisance)), so a nuisance is reproducible.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Callable

import cv2
import numpy as np

from bench.video import Video, encode_bytes_h264
from bench.world.truth import Truth


@dataclass(frozen=True)
class NuisanceSpec:
    name: str
    unit: str
    levels: tuple[float, ...]
    default: float
    lo: float
    hi: float
    description: str
    apply: Callable[[Video, Truth, float, np.random.Generator], tuple[Video, Truth, dict[str, Any]]]


def _h264(video: Video, truth: Truth, crf: float, rng: np.random.Generator):
    return encode_bytes_h264(video, int(round(crf))), truth, {"crf": int(round(crf))}


def _resample_masks(masks: np.ndarray, fn: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Apply an image transform to each (N, T) bool mask as float, threshold at 0.5."""
    N, T = masks.shape[:2]
    out = [fn(masks[n, t].astype(np.float32)) >= 0.5 for n in range(N) for t in range(T)]
    if not out:
        return masks
    return np.stack(out).reshape(N, T, *out[0].shape)


def _resize(video: Video, truth: Truth, f: float, rng: np.random.Generator):
    H, W = video.H, video.W
    H2, W2 = max(8, int(round(H * f))), max(8, int(round(W * f)))
    interp = cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR

    def rs(img: np.ndarray) -> np.ndarray:
        return cv2.resize(img, (W2, H2), interpolation=interp)

    frames = np.stack([rs(fr) for fr in video.frames])
    sx, sy = W2 / W, H2 / H
    scale = np.array([sx, sy])
    t = dataclasses.replace(
        truth, height=H2, width=W2, px_per_m=truth.px_per_m * sx,
        origin=(truth.origin[0] * sx, truth.origin[1] * sy),
        pixel=(truth.pixel + 0.5) * scale - 0.5,
        visible=_resample_masks(truth.visible, rs), amodal=_resample_masks(truth.amodal, rs),
        occluders=[{**o, "box": (o["box"] + 0.5) * np.tile(scale, 2) - 0.5} for o in truth.occluders],
        camera_offset=truth.camera_offset * scale,
        background=None if truth.background is None else np.stack([rs(b) for b in truth.background]))
    return Video(frames, video.fps, dict(video.provenance)), t, {"height": H2, "width": W2}


def _fps(video: Video, truth: Truth, f: float, rng: np.random.Generator):
    T = video.T
    T2 = max(2, int(round(T * f)))
    idx = np.clip(np.rint(np.arange(T2) / f).astype(int), 0, T - 1)
    fps2 = video.fps * f
    viol = truth.violation
    if viol and viol.get("frames"):
        a, b = viol["frames"]
        hit = np.flatnonzero((idx >= a) & (idx <= b))
        viol = {**viol, "frames": [int(hit[0]), int(hit[-1])] if len(hit) else []}
    t = dataclasses.replace(
        truth, fps=fps2, times=np.arange(T2) / fps2, world_times=truth.world_times[idx],
        world=truth.world[:, idx], velocity=truth.velocity[:, idx], pixel=truth.pixel[:, idx],
        exists=truth.exists[:, idx], opacity=truth.opacity[:, idx],
        colour=[[row[i] for i in idx] for row in truth.colour], shape=[[row[i] for i in idx] for row in truth.shape],
        rgb=truth.rgb[:, idx], shape_mix=truth.shape_mix[:, idx], visible=truth.visible[:, idx],
        amodal=truth.amodal[:, idx], visible_fraction=truth.visible_fraction[:, idx],
        occluders=[{**o, "box": o["box"][idx]} for o in truth.occluders],
        camera_offset=truth.camera_offset[idx], violation=viol,
        background=None if truth.background is None else truth.background[idx])
    return Video(video.frames[idx], fps2, dict(video.provenance)), t, {"fps": fps2, "source_frames": idx.tolist()}


def _shake(video: Video, truth: Truth, amp: float, rng: np.random.Generator):
    T = video.T
    off = rng.uniform(-amp, amp, size=(T, 2))

    def warp(img: np.ndarray, t: int, border: int) -> np.ndarray:
        M = np.array([[1, 0, off[t, 0]], [0, 1, off[t, 1]]], np.float64)
        return cv2.warpAffine(img, M, (img.shape[1], img.shape[0]), flags=cv2.INTER_LINEAR, borderMode=border)

    frames = np.stack([warp(video.frames[t], t, cv2.BORDER_REPLICATE) for t in range(T)])
    N = truth.visible.shape[0]

    def warp_masks(m: np.ndarray) -> np.ndarray:
        return np.stack([np.stack([warp(m[n, t].astype(np.float32), t, cv2.BORDER_CONSTANT) >= 0.5
                                   for t in range(T)]) for n in range(N)]) if N else m

    t = dataclasses.replace(
        truth, pixel=truth.pixel + off[None], visible=warp_masks(truth.visible), amodal=warp_masks(truth.amodal),
        occluders=[{**o, "box": o["box"] + np.tile(off, 2)} for o in truth.occluders],
        camera_offset=truth.camera_offset + off,
        background=None if truth.background is None else
        np.stack([warp(truth.background[i], i, cv2.BORDER_REPLICATE) for i in range(T)]))
    return Video(frames, video.fps, dict(video.provenance)), t, {"offsets": off.tolist()}


def _jitter(video: Video, truth: Truth, j: float, rng: np.random.Generator):
    T = video.T
    gain = 1 + j * rng.uniform(-1, 1, size=(T, 1, 1, 1))
    chan = 1 + 0.2 * j * rng.uniform(-1, 1, size=(T, 1, 1, 3))
    frames = np.clip(np.rint(video.frames * (gain * chan)), 0, 255).astype(np.uint8)
    return Video(frames, video.fps, dict(video.provenance)), truth, {"gain": gain.ravel().tolist(),
                                                                     "channel_gain": chan.reshape(T, 3).tolist()}


def _noise(video: Video, truth: Truth, sigma: float, rng: np.random.Generator):
    noisy = video.frames + rng.normal(0.0, sigma, size=video.frames.shape)
    frames = np.clip(np.rint(noisy), 0, 255).astype(np.uint8)
    return Video(frames, video.fps, dict(video.provenance)), truth, {"sigma": sigma}


def _texture(video: Video, truth: Truth, amp: float, rng: np.random.Generator):
    if truth.background is None:
        raise ValueError("the texture nuisance needs the backdrop weights of a fresh render (truth.background)")
    H, W = video.H, video.W
    field = cv2.GaussianBlur(rng.standard_normal((H, W)).astype(np.float32), (0, 0), sigmaX=max(H, W) / 16)
    field /= max(float(np.abs(field).max()), 1e-12)
    add = truth.background[..., None] * (amp * field)[None, :, :, None]
    frames = np.clip(np.rint(video.frames + add), 0, 255).astype(np.uint8)
    return Video(frames, video.fps, dict(video.provenance)), truth, {"amplitude": amp}


#: name -> spec, in a stable order.
NUISANCES: dict[str, NuisanceSpec] = {s.name: s for s in [
    NuisanceSpec("h264", "CRF", (18, 28, 38), 28, 0, 51, "H.264 re-encode", _h264),
    NuisanceSpec("resize", "factor", (0.5, 0.75, 1.5), 0.75, 0.1, 4.0, "frame size scaled", _resize),
    NuisanceSpec("fps", "factor", (0.5, 0.75, 2.0), 0.5, 0.1, 4.0, "frame rate resampled (nearest frame)", _fps),
    NuisanceSpec("shake", "px", (0.5, 1.0, 2.0), 1.0, 0.0, 8.0, "mild camera shake (per-frame translation)", _shake),
    NuisanceSpec("jitter", "fraction", (0.05, 0.1, 0.2), 0.1, 0.0, 0.5, "brightness and colour jitter per frame",
                 _jitter),
    NuisanceSpec("noise", "grey levels", (2, 5, 10), 5, 0.0, 64.0, "Gaussian sensor noise", _noise),
    NuisanceSpec("texture", "grey levels", (8, 16, 32), 16, 0.0, 64.0, "smooth texture on the backdrop", _texture),
]}


def parse_nuisance(spec: str) -> tuple[str, float]:
    """``"name"`` or ``"name:level"`` -> (name, level); ``ValueError`` if malformed."""
    name, _, lv = spec.partition(":")
    if name not in NUISANCES:
        raise ValueError(f"unknown nuisance {name!r} (known: {', '.join(NUISANCES)})")
    n = NUISANCES[name]
    if not lv:
        return name, float(n.default)
    try:
        level = float(lv)
    except ValueError:
        raise ValueError(f"nuisance level {lv!r} is not a number") from None
    if not n.lo <= level <= n.hi:
        raise ValueError(f"nuisance {name} level {level} is outside [{n.lo}, {n.hi}] ({n.unit})")
    return name, level


def apply_nuisance(name: str, level: float, video: Video, truth: Truth,
                   rng: np.random.Generator) -> tuple[Video, Truth]:
    """Apply nuisance ``name`` at ``level``; the record goes to ``truth.nuisance``."""
    spec = NUISANCES[name]
    v, t, params = spec.apply(video, truth, float(level), rng)
    t = dataclasses.replace(t, nuisance={"name": name, "level": float(level), "unit": spec.unit, "params": params})
    return v, t
