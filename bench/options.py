"""The ``BENCH_*`` environment options, read and validated once when the CLI starts.

Metric modules read their options from the environment when they run; a bad value used to
surface only then, as an ``error`` row per video (and ``bench score`` exited 0).  ``bench.cli``
calls :func:`check_environment` before any command runs, so ``BENCH_DIS_PRESET=bad`` or
``BENCH_FVD_FRAMES=-1`` is one line naming the variable and nothing is written.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Mapping

from bench.errors import UserError


def _int_in(lo: int, hi: int) -> Callable[[str], Any]:
    def check(v: str) -> Any:
        try:
            n = int(v)
        except ValueError:
            return f"must be an integer, got {v!r}"
        return None if lo <= n <= hi else f"must be an integer in [{lo}, {hi}], got {n}"
    return check


def _one_of(values: Any) -> Callable[[str], Any]:
    vals = tuple(values)

    def check(v: str) -> Any:
        return None if v in vals else f"{v!r} is not one of {', '.join(vals)}"
    return check


def _flag(v: str) -> Any:
    return None if v.strip().lower() in ("", "0", "1", "true", "false", "yes", "no", "on", "off") else \
        f"must be 0/1 (or true/false), got {v!r}"


def _clip_model(v: str) -> Any:
    """A CLIP entry of the weights registry (``bench weights list``): ``clip-vit-base-patch32``, …
    (``../../etc`` used to pass whenever no CLIP metric ran, and the error did not name the variable)."""
    import bench.weights.catalog  # noqa: F401 - registers the entries
    from bench.weights import registry

    clip = sorted(e.name for e in registry.entries() if e.kind == "hf_repo" and "clip" in e.name)
    return None if v in clip else f"{v!r} is not a CLIP model of the weights registry ({', '.join(clip)})"


def _progress(v: str) -> Any:
    """``BENCH_PROGRESS``: a 0/1 flag, or ``bar`` / ``lines`` to force a style (bench.progress)."""
    return None if v.strip().lower() in ("bar", "lines") else _flag(v)


def _checks() -> dict[str, Callable[[str], Any]]:
    from bench.metrics.fvd.extractor import EXTRACTORS, MODES
    from bench.metrics.temporal.flow import DIS_PRESETS, METHODS

    return {
        "BENCH_FVD_FRAMES": _int_in(2, 512),
        "BENCH_FVD_REF_N": _int_in(2, 1_000_000),
        "BENCH_FVD_COV": _one_of(("biased", "unbiased")),
        "BENCH_FVD_MODE": _one_of(MODES),
        "BENCH_FVD_EXTRACTOR": _one_of(EXTRACTORS),
        "BENCH_FLOW": _one_of(METHODS),
        "BENCH_DIS_PRESET": _one_of(DIS_PRESETS),
        "BENCH_FLOW_THREADS": _int_in(1, 256),
        "BENCH_CLIP_MODEL": _clip_model,
        "BENCH_PROGRESS": _progress,
        "BENCH_ALLOW_DOWNLOAD": _flag,
        "BENCH_WATERMARK": _flag,
        "BENCH_FIRST_FRAME_WORLD": _one_of(("2d", "3d")),
        "BENCH_SITE_MEDIA_MB": _int_in(0, 1_000_000),
        "BENCH_C2PA_ALG": lambda v: _one_of(("es256", "es384", "es512", "ps256", "ps384", "ps512", "ed25519"))(v.lower()),
    }


def check_environment(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Validate every set ``BENCH_*`` option; returns the set ones.  ``UserError`` on the first bad one."""
    env = os.environ if env is None else env
    out = {}
    for k, check in _checks().items():
        v = env.get(k)
        if v is None or v == "" and k not in ("BENCH_FVD_FRAMES", "BENCH_FVD_REF_N"):
            continue
        why = check(v)
        if why:
            raise UserError(f"environment variable {k}: {why}")
        out[k] = v
    return out
