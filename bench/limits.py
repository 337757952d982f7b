"""Bounds on generation settings, checked before anything is allocated.

``--frames 10000 --size 4096`` asked numpy for 1.8 TiB and died with a traceback; ``fps: 10000``
made videos that ``score`` then refused.  :func:`check_settings` is applied where settings
enter (``generate``/``render`` flags, a config's ``settings`` and ``model_settings``) and uses
the same bounds as decoding (``bench.video``): at most ``MAX_FRAMES`` frames of at most
``MAX_PIXELS`` pixels, at most ``MAX_DECODED_BYTES`` of pixels per video, and a frame rate in
(0, ``FPS_MAX``].
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from bench.errors import UserError

MIN_SIDE = 8          # pixels: smaller frames hold nothing a check can find
MAX_SIDE = 4096
MAX_STEPS = 1000


def _video():  # noqa: ANN202 - the decoder's limits, read live (tests lower them)
    import bench.video as v

    return v


def _int(where: str, k: str, v: Any, lo: int, hi: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise UserError(f"{where}: {k} must be an integer, got {v!r}")
    if not lo <= v <= hi:
        raise UserError(f"{where}: {k} must be in [{lo}, {hi}], got {v}")
    return v


def check_settings(settings: Mapping[str, Any], where: str = "settings") -> None:
    """``UserError`` naming the setting when a known one is of the wrong type or out of bounds,
    or when frames x height x width x 3 bytes exceed the per-video budget."""
    v = _video()
    s = dict(settings)
    frames = _int(where, "frames", s["frames"], 1, v.MAX_FRAMES) if "frames" in s else None
    side = {}
    for k in ("size", "height", "width"):
        if k in s:
            if k == "size" and isinstance(s[k], (list, tuple)) and len(s[k]) == 2:
                side["height"] = _int(where, "size[0]", s[k][0], MIN_SIDE, MAX_SIDE)
                side["width"] = _int(where, "size[1]", s[k][1], MIN_SIDE, MAX_SIDE)
                continue
            side[k] = _int(where, k, s[k], MIN_SIDE, MAX_SIDE)
    if "steps" in s:
        _int(where, "steps", s["steps"], 1, MAX_STEPS)
    if "guidance" in s and s["guidance"] is not None:
        g = s["guidance"]
        if isinstance(g, bool) or not isinstance(g, (int, float)) or not math.isfinite(g) or not 0 <= g <= 100:
            raise UserError(f"{where}: guidance must be a number in [0, 100], got {g!r}")
    if "fps" in s and s["fps"] is not None:
        f = s["fps"]
        if isinstance(f, bool) or not isinstance(f, (int, float)) or not math.isfinite(f) or not 0 < f <= v.FPS_MAX:
            raise UserError(f"{where}: fps must be a number in (0, {v.FPS_MAX:g}] (the rates `bench score` "
                            f"and `bench import` accept), got {f!r}")
    h = side.get("height", side.get("size"))
    w = side.get("width", side.get("size"))
    if h and w and h * w > v.MAX_PIXELS:
        raise UserError(f"{where}: {w}x{h} frames exceed the {v.MAX_PIXELS} pixel limit")
    if frames and h and w and frames * h * w * 3 > v.MAX_DECODED_BYTES:
        raise UserError(f"{where}: {frames} frames of {w}x{h} need {frames * h * w * 3 / 2**30:.1f} GiB, above "
                        f"the {v.MAX_DECODED_BYTES / 2**30:g} GiB per-video budget; lower frames or size")


def check_video(video: Any, what: str) -> None:
    """A generated ``Video`` must be one ``bench score`` can read back (same bounds as decoding)."""
    v = _video()
    if not 0 < video.fps <= v.FPS_MAX:
        raise UserError(f"{what}: frame rate {video.fps:g} is outside (0, {v.FPS_MAX:g}]; `bench score` "
                        "would refuse the video")
    if video.H * video.W > v.MAX_PIXELS or video.T > v.MAX_FRAMES:
        raise UserError(f"{what}: {video.T} frames of {video.W}x{video.H} exceed the decoding limits")


# ----------------------------------------------------------------------------- counts

#: ``--samples`` at most this many (sample indices 0 .. 99999, the bound ``bench import`` and the
#: manifest use: ``bench.ids.SAMPLE_MAX`` + 1).
def samples_max() -> int:
    from bench.ids import SAMPLE_MAX

    return SAMPLE_MAX + 1


ENSEMBLE_MAX = 1000        # `render --ensemble`: oracle ensemble members per probe
LIMIT_MAX = 1_000_000      # `--limit` / `limit:` / `per_category:` (probes per suite)
JOBS_MAX = 1_000_000       # videos one command may plan (models x probes x samples)
WORKERS_MAX_PER_CPU = 4    # `--workers` / `workers:` at most 4 x CPU count (and at least 1)


def workers_max() -> int:
    import os

    return WORKERS_MAX_PER_CPU * (os.cpu_count() or 1)


def check_count(where: str, k: str, v: Any, hi: int) -> int:
    """A count (``--samples``, ``--ensemble``, ``--limit``, ``workers``) must be an integer in
    [1, hi]; checked before any job list or folder is made.  ``UserError`` naming it."""
    if isinstance(v, bool) or not isinstance(v, int):
        raise UserError(f"{where}{k} must be an integer, got {v!r}")
    if v < 1:
        raise UserError(f"{where}{k} must be >= 1, got {v}")
    if v > hi:
        raise UserError(f"{where}{k} must be at most {hi}, got {v}")
    return v


def check_jobs(n: int, what: str) -> None:
    """The number of videos a command would plan, computed before the list is built."""
    if n > JOBS_MAX:
        raise UserError(f"{what}: {n} videos planned, above the {JOBS_MAX} limit; lower --samples/--limit "
                        "or the number of models")
