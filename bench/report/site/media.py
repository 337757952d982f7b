"""Media of the results site: MP4 previews copied in, frame strips with tracks and masks drawn on.

``strip_image(frames, ...)`` returns an RGB strip (H' x W' x 3 uint8) of evenly spaced frames
(plus the frames a failing reason names, framed in red), scaled up with nearest-neighbour
sampling so small renders stay legible, with:

- each object's **track** up to that frame as a polyline in its colour with a dark outline, the
  current position as a dot: the ground-truth trajectory for oracle videos (``<stem>.truth.json``,
  exact and free), otherwise what the probe checks' weight-free tracker found
  (``bench.metrics.probes.analysis``, ~0.1 s a video), i.e. what the checks judged;
- the **ground-truth visible masks** (oracle videos only, ``<stem>.truth.npz``): their outlines in
  yellow.

Images are encoded with OpenCV (WebP; PNG if the build lacks WebP).  A video without an MP4
preview gets an animated WebP made with Pillow (``animation``) instead.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path
from typing import Any, Sequence

import numpy as np

#: strips are scaled so a frame is at least this many pixels high
MIN_TILE = 112
MAX_FRAMES = 8


def regular_file(p: Path) -> bool:
    """True for an existing regular file (not a link, device or folder)."""
    try:
        return stat.S_ISREG(os.lstat(p).st_mode)
    except OSError:
        return False


def copy_file(src: Path, dest: Path) -> int:
    """Copy a regular file; returns its size in bytes."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
    return dest.stat().st_size


def pick_frames(T: int, windows: Sequence[tuple[int, int]], n: int = 6) -> tuple[list[int], set[int]]:
    """Evenly spaced frame indices plus each window's first and last frame (at most ``MAX_FRAMES``
    plus 2); returns (indices, those inside a window)."""
    pick = set(np.linspace(0, T - 1, min(n, T)).round().astype(int).tolist())
    for a, b in windows:
        pick |= {i for i in (a, b) if 0 <= i < T}
    idx = sorted(pick)[: MAX_FRAMES + 2]
    hot = {i for i in idx for a, b in windows if a <= i <= b}
    return idx, hot


def _tracks(video: Any, probe: dict[str, Any] | None) -> list[tuple[str, np.ndarray, tuple[int, int, int]]]:
    """(name, (T, 2) image xy with NaN where absent, RGB) per tracked object, or [] if none."""
    if probe is None:
        return []
    try:
        from bench.metrics.probes.analysis import analyse
        from bench.metrics.probes.detect import OBJECT_COLOURS

        an = analyse(video, probe)
    except Exception:  # a probe the tracker cannot read: the strip simply has no tracks
        return []
    out = []
    for name, obj in an.objects.items():
        pts = np.array([an.image_xy(t, obj.xy[t]) if obj.present[t] else (np.nan, np.nan)
                        for t in range(an.T)], dtype=np.float64)
        rgb = OBJECT_COLOURS.get(getattr(getattr(obj, "spec", None), "colour", None))
        col = tuple(int(c) for c in rgb) if rgb is not None and len(rgb) == 3 else (255, 0, 255)
        out.append((str(name), pts, col))
    return out


def _truth_tracks(stem: Path | None, T: int) -> list[tuple[str, np.ndarray, tuple[int, int, int]]]:
    """(name, (T, 2) pixel xy with NaN where absent or not existing, RGB) per ground-truth object."""
    if stem is None:
        return []
    js = Path(f"{stem}.truth.json")
    if not regular_file(js) or js.stat().st_size > 32 << 20:
        return []
    try:
        d = json.loads(js.read_text(encoding="utf-8"))
        out = []
        for o in d.get("objects") or []:
            px = np.asarray([[np.nan if v is None else float(v) for v in xy] for xy in o["pixel"]], np.float64)
            if px.shape != (T, 2):
                return []
            ex = np.asarray(o.get("exists") or [True] * T, bool)
            px[~ex] = np.nan
            rgb = (o.get("rgb") or [[255, 0, 255]])[0]
            out.append((str(o.get("name")), px, tuple(int(c) for c in rgb[:3])))
        return out
    except (ValueError, KeyError, TypeError, IndexError):
        return []


def _truth_masks(stem: Path | None, T: int, H: int, W: int) -> np.ndarray | None:
    """Union of the ground-truth visible masks, (T, H, W) bool, or None (no truth / other size)."""
    if stem is None:
        return None
    npz = Path(f"{stem}.truth.npz")
    if not regular_file(npz) or npz.stat().st_size > 64 << 20:
        return None
    try:
        with np.load(npz, allow_pickle=False) as z:
            shape = tuple(int(x) for x in z["shape"])
            if len(shape) != 4 or shape[1:] != (T, H, W) or int(np.prod(shape)) > 1 << 31:
                return None
            vis = np.unpackbits(z["visible"], count=int(np.prod(shape))).astype(bool).reshape(shape)
    except Exception:
        return None
    return vis.any(axis=0)


def strip_image(frames: np.ndarray, *, probe: dict[str, Any] | None = None, video: Any = None,
                truth_stem: Path | None = None, windows: Sequence[tuple[int, int]] = (),
                n_frames: int = 6) -> tuple[np.ndarray, dict[str, bool]]:
    """The strip (see the module docstring) and what it shows: ``{"tracks": .., "masks": ..}``."""
    import cv2

    T, H, W = frames.shape[:3]
    idx, hot = pick_frames(T, windows, n_frames)
    s = max(1, int(np.ceil(MIN_TILE / H)))
    # ground truth where there is one (exact, and no tracker run needed); the tracker otherwise
    truth = _truth_tracks(truth_stem, T)
    tracks = truth or (_tracks(video, probe) if video is not None else [])
    masks = _truth_masks(truth_stem, T, H, W)
    gap = 4
    out = np.full((H * s + 2 * gap, len(idx) * (W * s + gap) + gap, 3), 255, np.uint8)
    for k, i in enumerate(idx):
        tile = cv2.resize(np.ascontiguousarray(frames[i, :, :, :3]), (W * s, H * s), interpolation=cv2.INTER_NEAREST)
        tile = np.ascontiguousarray(tile)
        if masks is not None:
            m = cv2.resize(masks[i].astype(np.uint8), (W * s, H * s), interpolation=cv2.INTER_NEAREST)
            cs, _ = cv2.findContours(m, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
            cv2.drawContours(tile, cs, -1, (255, 214, 0), 1)
        for _, pts, col in tracks:
            p = (pts[: i + 1] + 0.5) * s
            ok = np.isfinite(p).all(axis=1)
            seg = p[ok].round().astype(np.int32)
            if len(seg) >= 2:
                cv2.polylines(tile, [seg.reshape(-1, 1, 2)], False, (20, 20, 20), 3, cv2.LINE_AA)
                cv2.polylines(tile, [seg.reshape(-1, 1, 2)], False, col, 1, cv2.LINE_AA)
            if ok[-1]:
                c = tuple(int(v) for v in p[-1].round())
                cv2.circle(tile, c, 4, (20, 20, 20), -1, cv2.LINE_AA)
                cv2.circle(tile, c, 3, col, -1, cv2.LINE_AA)
        x0 = gap + k * (W * s + gap)
        if i in hot:
            cv2.rectangle(out, (x0 - 3, gap - 3), (x0 + W * s + 2, gap + H * s + 2), (198, 40, 40), 3)
        out[gap:gap + H * s, x0:x0 + W * s] = tile
        cv2.putText(out, f"t={i}", (x0 + 3, gap + H * s - 5), cv2.FONT_HERSHEY_SIMPLEX, 0.38, (0, 0, 0), 3, cv2.LINE_AA)
        cv2.putText(out, f"t={i}", (x0 + 3, gap + H * s - 5), cv2.FONT_HERSHEY_SIMPLEX, 0.38, (255, 255, 255), 1,
                    cv2.LINE_AA)
    return out, {"tracks": "ground truth" if truth else "tracker" if tracks else "", "masks": masks is not None}


def write_image(rgb: np.ndarray, dest_stem: Path) -> Path:
    """Write ``rgb`` as ``<stem>.webp`` (or ``.png`` if OpenCV lacks WebP); returns the path."""
    import cv2

    dest_stem.parent.mkdir(parents=True, exist_ok=True)
    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    ok, buf = cv2.imencode(".webp", bgr, [cv2.IMWRITE_WEBP_QUALITY, 85])
    path = dest_stem.with_suffix(".webp")
    if not ok:
        ok, buf = cv2.imencode(".png", bgr)
        path = dest_stem.with_suffix(".png")
    path.write_bytes(buf.tobytes())
    return path


def animation(frames: np.ndarray, fps: float, dest_stem: Path, max_frames: int = 48) -> Path:
    """An animated WebP of the video (the fallback when there is no MP4 preview)."""
    from PIL import Image

    import cv2

    T, H, W = frames.shape[:3]
    step = max(1, int(np.ceil(T / max_frames)))
    s = max(1, int(np.ceil(MIN_TILE / H)))
    imgs = [Image.fromarray(cv2.resize(np.ascontiguousarray(f[:, :, :3]), (W * s, H * s),
                                       interpolation=cv2.INTER_NEAREST)) for f in frames[::step]]
    path = dest_stem.with_suffix(".webp")
    path.parent.mkdir(parents=True, exist_ok=True)
    dur = int(round(1000.0 * step / fps)) if fps and fps > 0 else 100
    imgs[0].save(path, format="WEBP", save_all=True, append_images=imgs[1:], duration=max(20, dur), loop=0, quality=80)
    return path
