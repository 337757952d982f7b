"""Score a run: decode each video once, run every selected metric on it, write long-format rows.

For each manifest row of this rank's shard that still lacks a score for some selected metric:
1. read the lossless file once (``bench.video.read_video``), checking its sha256 against the
   manifest (a mismatch is a corrupt run: reported, not scored);
2. build the ``Sample`` (probe from its suite, prompt as used, manifest row);
3. for each metric not yet scored (or scored with another metric version, or unavailable
   then and available now): not applicable -> no row; unavailable here (weights, packages) -> a row with
   ``status='unavailable'``, ``value=NaN`` and the reason; otherwise ``compute`` -> a row with
   the value (and verdict/reason for probe checks).  Set-level metrics (FVD, KVD) take their
   per-video features from the same decoded frames (cached under ``features/``) and are reduced
   to set values at the end.

Rows are flushed every ``flush_every`` videos to ``scores.parts/`` and consolidated into
``scores.parquet`` at the end.  There are no timestamps in score rows, so the same run scored
twice gives byte-identical ``scores.parquet``.
"""

from __future__ import annotations

import math
import time
import traceback
from pathlib import Path
from typing import Any

import numpy as np

from bench.errors import UserError
from bench.metrics.base import METRICS, Metric, MetricValue, Sample, SetMetric, VideoMetric
from bench.metrics.fvd.sets import cached_features
from bench.runner import progress, shard, shard_from_env
from bench.store.run import RunStore
from bench.suites import Suite, load_suite
from bench.video import read_video, sha256_file

SCORE_COLUMNS = (
    "run_id", "model", "suite", "probe_id", "category", "sample", "seed", "metric",
    "metric_version", "metric_kind", "direction", "value", "verdict", "reason", "status",
    "video_sha256",
)


def select_metrics(ids: list[str] | None) -> list[Metric]:
    """Instances of the named metrics (all registered ones when ``ids`` is None)."""
    from bench import plugins

    plugins.load()
    names = ids if ids else METRICS.names()
    out = []
    for n in names:
        out.append(METRICS.get(n)())
    return out


def _stale(prev: tuple[str, str] | None, metric: Metric, available: bool) -> bool:
    """Whether a (video, metric) pair needs (re)scoring given the row already there, if any."""
    if prev is None:
        return True
    version, status = prev
    # an error row is tried again: it may come from a since-fixed option or environment
    return version != str(metric.spec.version) or (status in ("unavailable", "error") and available)


def _row(store: RunStore, mrow: dict[str, Any], metric: Metric, value: float, *, status: str,
         verdict: str | None = None, reason: str = "") -> dict[str, Any]:
    spec = metric.spec
    return {
        "run_id": store.run_id, "model": mrow["model"], "suite": mrow["suite"],
        "probe_id": mrow["probe_id"], "category": mrow.get("category", ""),
        "sample": int(mrow["sample"]),
        "seed": int(mrow["seed"]) if mrow.get("seed") is not None else -1,  # imports have no seed
        "metric": spec.id, "metric_version": spec.version, "metric_kind": spec.kind,
        "direction": spec.direction, "value": float(value), "verdict": verdict,
        "reason": reason, "status": status, "video_sha256": mrow.get("sha256", ""),
    }


def score_run(store: RunStore, metric_ids: list[str] | None = None, *, rank: int | None = None,
              world: int | None = None, reference: Any = None, flush_every: int = 64,
              suites: dict[str, Suite] | None = None) -> dict[str, Any]:
    """Score every video in ``store``; skip (video, metric) pairs already scored."""
    if rank is None or world is None:
        rank, world = shard_from_env()
    metrics = select_metrics(metric_ids)
    avail = {m.spec.id: m.available() for m in metrics}
    rows = sorted(store.video_rows(), key=lambda r: (r["model"], r["suite"], r["probe_id"], int(r["sample"])))
    if not rows:
        raise UserError(f"{store.root}: the run holds no videos to score (run `bench generate` first)")
    rows = shard(rows, rank, world)
    store.sweep_temp(older_than_s=0.0 if world == 1 else 3600.0)
    existing = store.scores()
    # (video, metric) -> (metric_version, status) of the row already there: it is kept unless
    # the metric's version changed since (its numbers did) or it was unavailable and can run now
    have: dict[tuple, tuple[str, str]] = {}
    if len(existing):
        have = dict(zip(zip(existing["model"], existing["suite"], existing["probe_id"],
                            existing["sample"].astype(int), existing["metric"]),
                        zip(existing["metric_version"].astype(str), existing["status"])))
    suites = dict(suites or {})
    meta = store.meta()
    meta_suites = meta.get("suites", {})
    suite_paths = meta.get("suite_paths", {})
    set_metrics = [m for m in metrics if isinstance(m, SetMetric)]
    features: dict[str, dict[str, np.ndarray]] = {m.spec.id: {} for m in set_metrics}

    buf: list[dict[str, Any]] = []
    part_i = 0
    summary = {"videos": 0, "decoded": 0, "rows": 0, "errors": 0, "unavailable": sorted(
        f"{k}: {v[1]}" for k, v in avail.items() if not v[0]), "seconds": 0.0}
    t0 = time.perf_counter()

    def flush() -> None:
        nonlocal part_i, buf
        if not buf:
            return
        import pandas as pd

        df = pd.DataFrame(buf, columns=list(SCORE_COLUMNS))
        store.write_score_part(df, f"rank{rank:04d}-{int(time.time() * 1e6)}-{part_i:05d}")
        part_i += 1
        summary["rows"] += len(buf)
        buf = []

    for mrow in progress(rows, len(rows), f"score [rank {rank}/{world}]"):
        summary["videos"] += 1
        suite_name = mrow["suite"]
        if suite_name not in suites:
            p = suite_paths.get(suite_name)
            try:
                suites[suite_name] = load_suite(p if p and Path(p).exists() else suite_name)
            except UserError as e:  # name the run.json entry that led here
                where = f"suite_paths[{suite_name!r}] = {p!r}" if p and Path(p).exists() else f"suite {suite_name!r}"
                raise UserError(f"{store.root}/run.json {where}: {e}") from None
            want = meta_suites.get(suite_name)
            if want and want != suites[suite_name].sha256:
                raise UserError(
                    f"suite {suite_name!r} changed since the run was made (run.json sha256 {want[:12]}…, "
                    f"now {suites[suite_name].sha256[:12]}…); score with the suite version the run used")
        probe = suites[suite_name].by_id.get(mrow["probe_id"])
        sample = Sample(model=mrow["model"], probe_id=mrow["probe_id"], sample=int(mrow["sample"]),
                        prompt=mrow.get("prompt") or (probe or {}).get("prompt", ""), probe=probe, row=mrow)
        key = (mrow["model"], suite_name, mrow["probe_id"], int(mrow["sample"]))
        todo = []
        for m in metrics:
            if not m.applies(sample):
                continue
            if isinstance(m, SetMetric):
                if avail[m.spec.id][0]:
                    f = cached_features(store.root, m, None, mrow["sha256"])  # no decode if cached
                    if f is None:
                        todo.append(m)
                    else:
                        features[m.spec.id][mrow["sha256"]] = f
            elif _stale(have.get(key + (m.spec.id,)), m, avail[m.spec.id][0]):
                todo.append(m)
        if not todo:
            continue
        needs_frames = [m for m in todo if avail[m.spec.id][0]]
        video = None
        if needs_frames:
            path = store.video_path(mrow)  # relative, inside the run: never /dev/zero or ../x
            if not path.exists():
                raise UserError(f"{path}: listed in the manifest but missing "
                                "(run `bench generate` again with the same arguments to regenerate it)")
            if mrow.get("sha256") and sha256_file(path) != mrow["sha256"]:
                raise UserError(f"{path}: sha256 does not match the manifest (file corrupted or replaced)")
            video = read_video(path)  # the one decode of this video in this scoring run
            summary["decoded"] += 1
        for m in todo:
            ok, why = avail[m.spec.id]
            if isinstance(m, SetMetric):
                try:
                    features[m.spec.id][mrow["sha256"]] = cached_features(store.root, m, video, mrow["sha256"])
                except UserError as e:  # e.g. too few frames for I3D: named in set_scores' reason
                    summary.setdefault("set_feature_errors", []).append(f"{mrow['path']}: {e}")
                continue
            if not ok:
                buf.append(_row(store, mrow, m, math.nan, status="unavailable", reason=why))
                continue
            assert isinstance(m, VideoMetric) and video is not None
            try:
                mv: MetricValue = m.compute(video, sample)
            except UserError as e:
                buf.append(_row(store, mrow, m, math.nan, status="error", reason=str(e)))
                summary["errors"] += 1
                continue
            except Exception as e:  # a metric bug must not kill a long run; it is recorded and counted
                tb = traceback.format_exception_only(type(e), e)[-1].strip()
                buf.append(_row(store, mrow, m, math.nan, status="error", reason=f"internal error: {tb}"))
                summary["errors"] += 1
                continue
            buf.append(_row(store, mrow, m, mv.value, status="ok", verdict=mv.verdict, reason=mv.reason))
        if len(buf) >= flush_every:
            flush()
    flush()
    store.consolidate_scores()
    store.update_meta(metric_options=metric_options())
    if set_metrics and world == 1:
        summary["sets"] = _score_sets(store, set_metrics, avail, features, reference)
    elif set_metrics:
        # a set value needs every rank's features: computed by one final single-process pass
        summary["sets"] = ("deferred: run `bench score RUN` once without RANK/WORLD_SIZE after all ranks "
                           "finish (features are cached, nothing is decoded twice)")
    summary["seconds"] = round(time.perf_counter() - t0, 3)
    return summary


#: Environment switches that change metric numbers; recorded in run.json at every scoring pass.
METRIC_OPTIONS = ("BENCH_FVD_EXTRACTOR", "BENCH_FVD_MODE", "BENCH_FVD_FRAMES", "BENCH_FVD_COV",
                  "BENCH_FVD_REF_N", "BENCH_CLIP_MODEL", "BENCH_FLOW", "BENCH_DIS_PRESET", "BENCH_FLOW_THREADS")


def metric_options() -> dict[str, str | None]:
    import os

    return {k: os.environ.get(k) for k in METRIC_OPTIONS}


def _score_sets(store: RunStore, set_metrics: list[SetMetric], avail: dict, features: dict,
                reference: Any) -> Any:
    from bench.metrics.fvd.sets import score_sets

    ids = [m.spec.id for m in set_metrics if avail[m.spec.id][0]]
    if not ids:
        return {"skipped": "no set-level metric is available here"}
    return score_sets(store.root, ids, features, store.video_rows(), reference)
