"""Readers: run directories into DataFrames.  Analysis reads runs through these, never raw files.

Each helper takes one run directory or a list of them (``results/runs/<run_id>/``) and returns
one DataFrame over all of them, with ``run_id`` on every row:

- ``runs_df``: one row per run (``run.json``): profile, dates, git commit, package versions,
  hardware, suite hashes, and ``random_weights`` (true when ``run.json`` says so or any video of
  the run was made with random weights);
- ``manifest_df``: one row per manifest row (``manifest.jsonl``, torn lines skipped), plus
  ``run_dir`` and ``abs_path`` (the lossless file, absolute);
- ``scores_df``: ``scores.parquet`` plus not yet consolidated ``scores.parts/``, plus
  ``random_weights`` per row (the run's flag, or the video's manifest flag);
- ``set_scores_df``: ``set_scores.parquet`` (empty frame with the contract's columns when a run
  has none), plus ``random_weights`` (the run's flag, or any of the model's videos' flag).

Missing or malformed runs raise ``UserError`` with the path.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd

from bench.errors import UserError

SCORE_COLUMNS = [
    "run_id", "model", "suite", "probe_id", "category", "sample", "seed", "metric", "metric_version",
    "metric_kind", "direction", "value", "verdict", "reason", "status", "video_sha256",
]
SET_COLUMNS = [
    "run_id", "model", "suite", "metric", "metric_version", "n", "n_ref", "value", "std", "floor",
    "reference", "value_subsets",
]


def run_dirs(dirs: Any) -> list[Path]:
    """Normalise one path or an iterable of paths to a list of run directories (checked)."""
    if isinstance(dirs, (str, os.PathLike)):
        dirs = [dirs]
    out = []
    for d in dirs:
        p = Path(d)
        if not p.is_dir():
            raise UserError(f"{p}: run directory not found")
        if not (p / "run.json").exists():
            raise UserError(f"{p}: not a run directory (no run.json)")
        out.append(p)
    if not out:
        raise UserError("no run directories given")
    return out


def _meta(d: Path) -> dict[str, Any]:
    from bench.store.run import RunStore

    return RunStore(d).meta()  # a regular file, size-capped, a JSON object (else one line)


def _run_id(d: Path, meta: dict[str, Any]) -> str:
    return str(meta.get("run_id") or d.name)


def _truthy(x: Any) -> bool:
    if isinstance(x, str):
        return x.strip().lower() in ("1", "true", "yes")
    try:
        return bool(x) and not pd.isna(x)
    except (TypeError, ValueError):
        return bool(x)


def _manifest_rows(d: Path) -> list[dict[str, Any]]:
    from bench.store.run import RunStore

    return RunStore(d).rows()


def _inside(d: Path, p: Any) -> str | None:
    """The absolute path of a manifest ``path`` inside run ``d`` (None for a path outside it)."""
    from bench.safeio import inside

    if not isinstance(p, str) or not p:
        return None
    try:
        return str(inside(d, p).resolve())
    except UserError:
        return None


def _run_random_weights(meta: dict[str, Any]) -> bool:
    cfg = meta.get("config") if isinstance(meta.get("config"), dict) else {}
    return _truthy(meta.get("random_weights", False)) or _truthy(cfg.get("random_weights", False))


def runs_df(dirs: Any) -> pd.DataFrame:
    """One row per run: ``run_id, run_dir, profile, created_at, started_at, finished_at,
    bench_version, git_commit, git_dirty, random_weights, suites, versions, hardware, config``."""
    rows = []
    for d in run_dirs(dirs):
        meta = _meta(d)
        git = meta.get("git") if isinstance(meta.get("git"), dict) else {}
        manifest_rw = any(_truthy(r.get("random_weights", False)) for r in _manifest_rows(d))
        rows.append({
            "run_id": _run_id(d, meta), "run_dir": str(d.resolve()),
            "profile": meta.get("profile"),
            "created_at": meta.get("created_at"),
            "started_at": meta.get("started_at", meta.get("start")),
            "finished_at": meta.get("finished_at", meta.get("end")),
            "bench_version": meta.get("bench_version"),
            "git_commit": git.get("commit", meta.get("git_commit")),
            "git_dirty": git.get("dirty"),
            "random_weights": _run_random_weights(meta) or manifest_rw,
            "suites": dict(meta.get("suites") or {}),
            "versions": dict(meta.get("versions") or meta.get("package_versions") or {}),
            "hardware": dict(meta.get("hardware") or {}),
            "config": dict(meta.get("config") or {}),
        })
    return pd.DataFrame(rows)


def manifest_df(dirs: Any) -> pd.DataFrame:
    """Manifest rows of every run, with ``run_id``, ``run_dir`` and ``abs_path``."""
    frames = []
    for d in run_dirs(dirs):
        meta = _meta(d)
        rows = _manifest_rows(d)
        if not rows:
            continue
        df = pd.DataFrame(rows)
        df["run_id"] = _run_id(d, meta)
        df["run_dir"] = str(d.resolve())
        if "path" not in df:
            df["path"] = None
        df["abs_path"] = [_inside(d, p) for p in df["path"]]
        if "random_weights" not in df:
            df["random_weights"] = False
        df["random_weights"] = df["random_weights"].map(_truthy) | _run_random_weights(meta)
        frames.append(df)
    if not frames:
        return pd.DataFrame(columns=["run_id", "run_dir", "model", "suite", "probe_id", "sample", "path",
                                     "abs_path", "random_weights"])
    return pd.concat(frames, ignore_index=True)


def _read_parquet(p: Path) -> pd.DataFrame:
    from bench.safeio import LIMITS, regular_file

    regular_file(p, "scores file", LIMITS["scores"])
    try:
        return pd.read_parquet(p)
    except Exception as e:
        raise UserError(f"{p}: unreadable ({type(e).__name__}: {e})") from None


def scores_df(dirs: Any) -> pd.DataFrame:
    """Per-video score rows of every run (contract columns first), with ``random_weights``."""
    from bench.store.run import RunStore

    frames = []
    for d in run_dirs(dirs):
        meta = _meta(d)
        rid = _run_id(d, meta)
        df = RunStore(d).scores()
        if not len(df):
            continue
        df = df.copy()
        df["run_id"] = rid
        for c in SCORE_COLUMNS:
            if c not in df:
                df[c] = None
        df["sample"] = df["sample"].astype(int)
        rw = pd.Series(_run_random_weights(meta), index=df.index)
        rows = _manifest_rows(d)
        if rows:
            flagged = {(r.get("model"), r.get("suite"), r.get("probe_id"), int(r.get("sample", -1)))
                       for r in rows if _truthy(r.get("random_weights", False))}
            if flagged:
                keys = zip(df["model"], df["suite"], df["probe_id"], df["sample"])
                rw = rw | pd.Series([k in flagged for k in keys], index=df.index)
        if "random_weights" in df:  # a per-row flag written by the scorer, if any
            rw = rw | df["random_weights"].map(_truthy)
        df["random_weights"] = rw.astype(bool)
        frames.append(df[SCORE_COLUMNS + [c for c in df.columns if c not in SCORE_COLUMNS]])
    if not frames:
        return pd.DataFrame(columns=SCORE_COLUMNS + ["random_weights"])
    return pd.concat(frames, ignore_index=True)


def set_scores_df(dirs: Any) -> pd.DataFrame:
    """Set-level rows (FVD, KVD) of every run, with ``random_weights``."""
    frames = []
    for d in run_dirs(dirs):
        p = d / "set_scores.parquet"
        if not p.exists():
            continue
        meta = _meta(d)
        df = _read_parquet(p).copy()
        if not len(df):
            continue
        df["run_id"] = _run_id(d, meta)
        for c in SET_COLUMNS:
            if c not in df:
                df[c] = None
        flagged = {r.get("model") for r in _manifest_rows(d) if _truthy(r.get("random_weights", False))}
        rw = df["model"].isin(flagged) | _run_random_weights(meta)
        if "random_weights" in df:  # the set metric's own flag (e.g. random I3D weights), if any
            rw = rw | df["random_weights"].map(_truthy)
        df["random_weights"] = rw.astype(bool)
        frames.append(df[SET_COLUMNS + [c for c in df.columns if c not in SET_COLUMNS]])
    if not frames:
        return pd.DataFrame(columns=SET_COLUMNS + ["random_weights"])
    return pd.concat(frames, ignore_index=True)
