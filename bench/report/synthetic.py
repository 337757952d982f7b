"""A synthetic run directory with known truth, for tests, demos and the notebook smoke test.

``make_run(root, models)`` writes a complete run (``run.json``, ``manifest.jsonl``, tiny
lossless videos, ``scores.parquet``, ``set_scores.parquet``) through the real run store, with
per-model pass probabilities you choose, so a report built from it has a known answer.
Nothing here is a measurement: every value is drawn from a seeded generator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench.atomic import atomic_path

#: (suite, category, checks) of the synthetic probes.
LAYOUT = (
    ("physics", "P1", ("probe.gravity", "probe.continuity")),
    ("physics", "P2", ("probe.bounce",)),
    ("permanence", "O1", ("probe.reappearance",)),
)


@dataclass
class SynthModel:
    """A fake model: ``p_pass`` per check, ``p_setup_failed`` per video, a flicker level."""

    p_pass: float = 0.7
    p_setup_failed: float = 0.0
    flicker: float = 0.9
    random_weights: bool = False
    missing_checks: tuple[str, ...] = ()     # checks recorded as 'unavailable' for this model
    extra: dict[str, Any] = field(default_factory=dict)


def _frames(rng: np.random.Generator, t: int = 6, size: int = 32) -> np.ndarray:
    f = np.zeros((t, size, size, 3), np.uint8)
    f[...] = rng.integers(30, 200, size=3, dtype=np.uint8)
    for i in range(t):  # a white square moving right
        x = 2 + i * (size - 10) // max(t - 1, 1)
        f[i, 12:20, x:x + 8] = 255
    return f


def make_run(root: str | Path, models: dict[str, SynthModel], *, probes_per_category: int = 4,
             samples: int = 2, seed: int = 0, videos: bool = True, run_meta: dict[str, Any] | None = None,
             prompt_extra: str = "") -> Path:
    """Write a synthetic run into ``root`` (created) and return its path."""
    from bench.store.run import RunStore
    from bench.video import Video

    root = Path(root)
    rng = np.random.default_rng(seed)
    meta = {"config": {"models": list(models), "samples": samples, "seed": seed, "synthetic": True},
            "profile": "synthetic", "versions": {"python": "3", "bench": "0.1.0"},
            "git": {"commit": "0" * 40, "dirty": False}, "hardware": {"cpu": "synthetic"},
            "suites": {"physics": "a" * 64, "permanence": "b" * 64}, "started_at": "2026-11-21T00:00:00+00:00",
            **(run_meta or {})}
    store = RunStore.create(root, meta)
    rows, sets = [], []
    for model, spec in models.items():
        for suite, cat, checks in LAYOUT:
            for j in range(probes_per_category):
                pid = f"{suite}.{cat.lower()}.probe{j}"
                for s in range(samples):
                    seed_ = int(rng.integers(0, 2**31))
                    prompt = f"a red ball, probe {pid}{prompt_extra}"
                    mrow = {"model": model, "suite": suite, "probe_id": pid, "category": cat, "sample": s,
                            "seed": seed_, "prompt": prompt, "source": "rendered" if model.startswith("oracle")
                            else "generated", "revision": "synthetic-1", "params": {},
                            "random_weights": spec.random_weights}
                    if videos:
                        v = Video(_frames(rng), fps=8.0, provenance={"source": mrow["source"]})
                        mrow = store.add_video(mrow, v, preview=False)
                    else:
                        mrow = {**mrow, "path": f"videos/{model}/{pid}-{s}.mkv", "sha256": ""}
                        store.append_row({**mrow, "status": "ok"})
                    setup_failed = rng.random() < spec.p_setup_failed
                    base = dict(run_id=root.name, model=model, suite=suite, probe_id=pid, category=cat,
                                sample=s, seed=seed_, video_sha256=mrow.get("sha256", ""))
                    for c in checks:
                        if c in spec.missing_checks:
                            rows.append({**base, "metric": c, "metric_version": "1", "metric_kind": "probe",
                                         "direction": "higher", "value": np.nan, "verdict": None,
                                         "reason": "needs weights that are not here", "status": "unavailable"})
                            continue
                        if setup_failed:
                            v_, verdict, why = np.nan, "setup_failed", "red ball absent in every frame"
                        else:
                            ok = rng.random() < spec.p_pass
                            v_, verdict = (1.0, "pass") if ok else (0.0, "fail")
                            why = "" if ok else f"{c.split('.')[1]} violated in frames 10–14 <b>&</b>"
                        rows.append({**base, "metric": c, "metric_version": "1", "metric_kind": "probe",
                                     "direction": "higher", "value": v_, "verdict": verdict, "reason": why,
                                     "status": "ok"})
                    rows.append({**base, "metric": "temporal.flicker", "metric_version": "1",
                                 "metric_kind": "standard", "direction": "higher",
                                 "value": float(np.clip(spec.flicker + rng.normal(0, 0.02), 0, 1)),
                                 "verdict": None, "reason": "", "status": "ok"})
                    rows.append({**base, "metric": "clip.clipsim", "metric_version": "1", "metric_kind": "standard",
                                 "direction": "higher", "value": np.nan, "verdict": None,
                                 "reason": "weights clip-vit-b32 missing", "status": "unavailable"})
                    rows.append({**base, "metric": "temporal.motion", "metric_version": "1",
                                 "metric_kind": "covariate", "direction": "none",
                                 "value": float(rng.uniform(0.5, 2.0)), "verdict": None, "reason": "",
                                 "status": "ok"})
        for suite in ("physics", "permanence"):
            subs = list(rng.normal(100, 5, size=3))
            sets.append({"run_id": root.name, "model": model, "suite": suite, "metric": "fvd.i3d",
                         "metric_version": "1", "n": 8, "n_ref": 16, "value": float(np.mean(subs)),
                         "std": float(np.std(subs, ddof=1)), "floor": 40.0, "reference": "oracle-ensemble",
                         "floor_n": 8, "status": "ok", "reason": "", "value_subsets": subs})
            sets.append({"run_id": root.name, "model": model, "suite": suite, "metric": "kvd.i3d",
                         "metric_version": "1", "n": 0, "n_ref": 0, "value": np.nan, "std": np.nan,
                         "floor": np.nan, "reference": "", "floor_n": 0, "status": "unavailable",
                         "reason": "weights i3d-styleganv-torchscript missing", "value_subsets": []})
    df = pd.DataFrame(rows)
    with atomic_path(root / "scores.parquet") as tmp:
        df.to_parquet(tmp, index=False)
    with atomic_path(root / "set_scores.parquet") as tmp:
        pd.DataFrame(sets).to_parquet(tmp, index=False)
    return root
